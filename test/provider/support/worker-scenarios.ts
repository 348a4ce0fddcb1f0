import { expect } from 'vitest';
import type { PostgresProvider } from '../../../provider/postgres-provider.js';
import type {
  ExecutionMetadata,
  FetchedWorkItem,
  SessionFetchConfig,
  TagFilter,
  WorkItem,
} from '../../../provider/types/index.js';
import { orchestrationCompleted, orchestrationStarted, startOrchestration } from '../../support/work-items.js';
import { SUITE_VARIANTS } from './provider-factory.js';

/** Contract v2's new scenarios run on the procedures only: the inline baseline stays at the v1 operations. */
export const PROCEDURE_VARIANTS = SUITE_VARIANTS.filter((variant) => variant !== 'inline');

/** The lock most scenarios fetch with when expiry must not matter (contract v2 §4.1: 30 s). */
export const LONG_LOCK_MS = 30_000;

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
 * Orchestration-side setup of the worker scenarios, on the v1 orchestration API (the contract's `create_instance`
 * and a turn that schedules activities). Everything that touches the orchestration fetch or ack is here, so moving to
 * the v2 `fetchOrchestrationItem`/`ackOrchestrationItem` changes this file only.
 */
export const orchestration = {
  /** Start `instance`, fetch it and ack OrchestrationStarted with name TestOrch, version 1.0.0 (creates the row). */
  async create(provider: PostgresProvider, instance: string): Promise<void> {
    await provider.enqueueOrchestratorWork(startOrchestration(instance));
    const fetched = await provider.fetchOrchestrationItem();
    expect(fetched?.item.instance).toBe(instance);
    await provider.ackOrchestrationItem(fetched!.lockToken, 1, [orchestrationStarted(1)], [], [], {
      orchestrationName: 'TestOrch',
      orchestrationVersion: '1.0.0',
    });
  },

  /**
   * Start `instance` and ack its first turn with `workerItems` (the ack path of the worker queue) and `metadata`.
   */
  async startWithActivities(
    provider: PostgresProvider,
    instance: string,
    workerItems: WorkItem[],
    metadata: ExecutionMetadata = {},
  ): Promise<void> {
    await provider.enqueueOrchestratorWork(startOrchestration(instance));
    const fetched = await provider.fetchOrchestrationItem();
    expect(fetched?.item.instance).toBe(instance);
    await provider.ackOrchestrationItem(fetched!.lockToken, 1, [orchestrationStarted(1)], workerItems, [], metadata);
  },

  /** Ends the current execution with `status`, through a turn triggered by an ExternalRaised message. */
  async finish(
    provider: PostgresProvider,
    instance: string,
    status: 'Completed' | 'Failed' | 'ContinuedAsNew',
  ): Promise<void> {
    await provider.enqueueOrchestratorWork({ ExternalRaised: { instance, name: 'finish', data: '""' } });
    const fetched = await provider.fetchOrchestrationItem();
    expect(fetched?.item.instance).toBe(instance);
    const events = status === 'Completed' ? [orchestrationCompleted(2, '"done"')] : [];
    await provider.ackOrchestrationItem(fetched!.lockToken, 1, events, [], [], { status, output: '"done"' });
    const info = await provider.getExecutionInfo(instance, 1);
    expect(info.status).toBe(status);
  },

  /** No orchestration item is waiting. */
  async expectNoItem(provider: PostgresProvider): Promise<void> {
    expect(await provider.fetchOrchestrationItem()).toBeNull();
  },
};
