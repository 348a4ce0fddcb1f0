import { requireDuration, requireText } from './input-validation.js';
import { ProviderError } from './provider-error.js';
import type { SessionFetchConfig } from './types/provider-types.js';

/**
 * The arguments of `fetchWorkItem` checked (22023 naming the argument) and turned into `sp_fetch_work_item`'s: the
 * runtime's limits on tags (`MAX_WORKER_TAGS`, `MAX_TAG_NAME_BYTES`, contract v2 §3.2.7) are checked here, before a
 * call, and again by the procedure.
 */

const MAX_TAGS = 5;
const MAX_TAG_BYTES = 256;

/** `sp_fetch_work_item`'s routing parameters. */
export interface WorkItemRouting {
  ownerId: string | null;
  sessionLockTimeoutMs: number | null;
  tagMode: 'default_only' | 'tags' | 'default_and' | 'any';
  tags: string[] | null;
}

/** What one fetch attempt needs besides the clock. */
export interface WorkItemFetch extends WorkItemRouting {
  lockTimeoutMs: number;
}

function sessionRouting(
  operation: string,
  session: unknown,
): Pick<WorkItemRouting, 'ownerId' | 'sessionLockTimeoutMs'> {
  if (session === null || session === undefined) return { ownerId: null, sessionLockTimeoutMs: null };
  if (typeof session !== 'object') throw ProviderError.invalidInput(operation, 'session must be an object or null');
  const { ownerId, lockTimeoutMs } = session as Partial<SessionFetchConfig>;
  if (typeof ownerId !== 'string' || ownerId.length === 0) {
    throw ProviderError.invalidInput(operation, 'session.ownerId must be a non-empty string');
  }
  requireText(operation, 'session.ownerId', ownerId);
  return { ownerId, sessionLockTimeoutMs: requireDuration(operation, 'session.lockTimeoutMs', lockTimeoutMs, 1) };
}

function tagList(operation: string, what: string, tags: unknown): string[] {
  const valid =
    Array.isArray(tags) &&
    tags.length >= 1 &&
    tags.length <= MAX_TAGS &&
    tags.every((tag) => typeof tag === 'string' && tag.length > 0 && Buffer.byteLength(tag, 'utf8') <= MAX_TAG_BYTES);
  if (!valid) {
    throw ProviderError.invalidInput(
      operation,
      `${what} must hold 1 to ${MAX_TAGS} non-empty tags of at most ${MAX_TAG_BYTES} bytes`,
    );
  }
  (tags as string[]).forEach((tag) => requireText(operation, what, tag));
  return [...(tags as string[])];
}

/** The tag filter as the procedure's mode and list; null for `'none'`, which takes nothing. */
function tagRouting(operation: string, filter: unknown): Pick<WorkItemRouting, 'tagMode' | 'tags'> | null {
  if (filter === 'none') return null;
  if (filter === 'defaultOnly') return { tagMode: 'default_only', tags: null };
  if (filter === 'any') return { tagMode: 'any', tags: null };
  if (typeof filter === 'object' && filter !== null && !Array.isArray(filter)) {
    const keys = Object.keys(filter);
    if (keys.length === 1 && keys[0] === 'tags') {
      return { tagMode: 'tags', tags: tagList(operation, 'tagFilter.tags', (filter as { tags: unknown }).tags) };
    }
    if (keys.length === 1 && keys[0] === 'defaultAnd') {
      const tags = tagList(operation, 'tagFilter.defaultAnd', (filter as { defaultAnd: unknown }).defaultAnd);
      return { tagMode: 'default_and', tags };
    }
  }
  throw ProviderError.invalidInput(
    operation,
    "tagFilter must be 'defaultOnly', 'any', 'none', { tags: [...] } or { defaultAnd: [...] }",
  );
}

/** The checked arguments of one fetch, or null when the tag filter takes nothing (no database call). */
export function workItemFetch(
  operation: string,
  lockTimeoutMs: unknown,
  pollTimeoutMs: unknown,
  session: unknown,
  tagFilter: unknown,
): WorkItemFetch | null {
  const lock = requireDuration(operation, 'lockTimeoutMs', lockTimeoutMs, 1);
  requireDuration(operation, 'pollTimeoutMs', pollTimeoutMs, 0);
  const sessionArgs = sessionRouting(operation, session);
  const tagArgs = tagRouting(operation, tagFilter);
  return tagArgs === null ? null : { lockTimeoutMs: lock, ...sessionArgs, ...tagArgs };
}
