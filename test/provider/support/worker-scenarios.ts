import { expect } from 'vitest';
import type { PostgresProvider } from '../../../provider/postgres-provider.js';
import type {
  ExecutionMetadata,
  FetchedWorkItem,
  SessionFetchConfig,
  TagFilter,
  WorkItem,
} from '../../../provider/types/index.js';
import {
  externalRaised,
  orchestrationCompleted,
  orchestrationStarted,
  startOrchestration,
} from '../../support/work-items.js';
import { LONG_LOCK_MS } from './provider-factory.js';
import { FIRST_TURN } from './scenario-helpers.js';
import { fetchFor, lastEventId } from './v2-turns.js';

/** `{ ownerId, lockTimeoutMs: 30 s }` unless stated (contract v2 §4.17). */
export function session(ownerId: string, lockTimeoutMs = LONG_LOCK_MS): SessionFetchConfig {
  return { ownerId, lockTimeoutMs };
}

/** The activity id of an ActivityExecute. */
export function activityId(item: WorkItem): number {
  expect(item).toHaveProperty('ActivityExecute');
  return (item as { ActivityExecute: { id: number } }).ActivityExecute.id;
}

/** A worker fetch that must find work. */
export async function fetchWork(
  provider: PostgresProvider,
  options: { lockMs?: number; session?: SessionFetchConfig | null; tags?: TagFilter } = {},
): Promise<FetchedWorkItem> {
  const fetched = await provider.fetchWorkItem(options.lockMs ?? LONG_LOCK_MS, 0, options.session, options.tags);
  expect(fetched, 'expected a work item, the fetch found none').not.toBeNull();
  return fetched!;
}

/** The activity id a worker fetch returns, or null when it finds nothing. */
export async function fetchedId(
  provider: PostgresProvider,
  options: { lockMs?: number; session?: SessionFetchConfig | null; tags?: TagFilter } = {},
): Promise<number | null> {
  const fetched = await provider.fetchWorkItem(options.lockMs ?? LONG_LOCK_MS, 0, options.session, options.tags);
  return fetched === null ? null : activityId(fetched.item);
}

/**
 * Orchestration-side setup of the worker scenarios, on the v2 orchestration fetch and ack (§3.3, §3.4): a turn that
 * schedules activities (the ack path of the worker queue) and one that ends the execution.
 */
export const orchestration = {
  /** Start `instance` and ack its first turn with `workerItems` and `metadata` (default: name and version). */
  async startWithActivities(
    provider: PostgresProvider,
    instance: string,
    workerItems: WorkItem[],
    metadata: ExecutionMetadata = FIRST_TURN,
  ): Promise<void> {
    await provider.enqueueOrchestratorWork(startOrchestration(instance));
    const { lockToken } = await fetchFor(provider, instance);
    await provider.ackOrchestrationItem(lockToken, 1, [orchestrationStarted(1)], workerItems, [], metadata);
  },

  /** Ends the current execution with `status`, through a turn triggered by an ExternalRaised message. */
  async finish(
    provider: PostgresProvider,
    instance: string,
    status: 'Completed' | 'Failed' | 'ContinuedAsNew',
  ): Promise<void> {
    await provider.enqueueOrchestratorWork(externalRaised(instance, 'finish', '""'));
    const { item, lockToken } = await fetchFor(provider, instance);
    const events = status === 'Completed' ? [orchestrationCompleted(lastEventId(item) + 1, '"done"')] : [];
    await provider.ackOrchestrationItem(lockToken, item.executionId, events, [], [], { status, output: '"done"' });
    const info = await provider.getExecutionInfo(instance, item.executionId);
    expect(info.status).toBe(status);
  },

  /** No orchestration item is waiting. */
  async expectNoItem(provider: PostgresProvider): Promise<void> {
    expect(await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0)).toBeNull();
  },
};
