import { requireInstanceId, requireText } from './input-validation.js';
import { ProviderError } from './provider-error.js';
import type { InstanceFilter, PruneOptions } from './types/provider-types.js';

/**
 * Argument checks of the v2 management operations (custom status, KV reads, trees, deletion, pruning), made before
 * the call: a bad argument fails with 22023 naming it, and nothing reaches the database.
 */

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** The procedures take limits and `keepLast` as INTEGER. */
const MAX_INT4 = 2_147_483_647;

function requireWhole(operation: string, what: string, value: unknown, maximum = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > maximum) {
    throw ProviderError.invalidInput(operation, `${what} must be an integer from 0 to ${maximum}, got ${shown(value)}`);
  }
}

function requireOptionalWhole(operation: string, what: string, value: unknown, maximum?: number): void {
  if (value !== undefined) requireWhole(operation, what, value, maximum);
}

function requireObject(operation: string, what: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ProviderError.invalidInput(operation, `${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

export function requireLastSeenVersion(operation: string, version: unknown): void {
  requireWhole(operation, 'lastSeenVersion', version);
}

/** A KV key: any string, the empty one included. */
export function requireKey(operation: string, key: unknown): void {
  if (typeof key !== 'string') throw ProviderError.invalidInput(operation, 'key must be a string');
  requireText(operation, 'key', key);
}

export function requireForce(operation: string, force: unknown): void {
  if (typeof force !== 'boolean')
    throw ProviderError.invalidInput(operation, `force must be a boolean, got ${shown(force)}`);
}

export function requireInstanceIds(operation: string, what: string, ids: unknown): void {
  if (!Array.isArray(ids)) throw ProviderError.invalidInput(operation, `${what} must be an array of instance ids`);
  for (const id of ids) requireInstanceId(operation, id);
}

/** An `InstanceFilter`, checked field by field. */
export function requireInstanceFilter(operation: string, filter: unknown): InstanceFilter {
  const { instanceIds, completedBefore, limit } = requireObject(operation, 'filter', filter);
  if (instanceIds !== undefined) requireInstanceIds(operation, 'filter.instanceIds', instanceIds);
  requireOptionalWhole(operation, 'filter.completedBefore', completedBefore);
  requireOptionalWhole(operation, 'filter.limit', limit, MAX_INT4);
  return filter as InstanceFilter;
}

/** `PruneOptions`, checked field by field. */
export function requirePruneOptions(operation: string, options: unknown): PruneOptions {
  const { keepLast, completedBefore } = requireObject(operation, 'options', options);
  requireOptionalWhole(operation, 'options.keepLast', keepLast, MAX_INT4);
  requireOptionalWhole(operation, 'options.completedBefore', completedBefore);
  return options as PruneOptions;
}
