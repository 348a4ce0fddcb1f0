import { expect } from 'vitest';
import type { PostgresProvider } from '../../../provider/postgres-provider.js';
import { ProviderError } from '../../../provider/provider-error.js';
import type {
  ExecutionMetadata,
  FetchedOrchestrationItem,
  HistoryEvent,
  OrchestrationItem,
  WorkItem,
} from '../../../provider/types/index.js';
import { orchestrationStarted, startOrchestration } from '../../support/work-items.js';
import { LONG_LOCK_MS } from './provider-factory.js';
import type { ManualClock } from './test-clocks.js';

/** Steps shared by many scenarios of contract §4, in the contract's own terms. */

/** The contract's `start_item(instance)`: StartOrchestration of TestOrch 1.0.0, input "{}", no parent. */
export function startItem(instance: string, executionId = 1): WorkItem {
  return startOrchestration(instance, { executionId });
}

/** A fetched turn with its lock token and attempt count beside the item's fields, as most scenarios use it. */
export type LockedItem = OrchestrationItem & Omit<FetchedOrchestrationItem, 'item'>;

/** The fetch result flattened into one object (null stays null). */
export function locked(fetched: FetchedOrchestrationItem | null): LockedItem | null {
  return fetched && { ...fetched.item, lockToken: fetched.lockToken, attemptCount: fetched.attemptCount };
}

/** A fetch (with the provider's defaults, or the arguments given) that must find work. */
export async function fetchItem(
  provider: PostgresProvider,
  ...args: Parameters<PostgresProvider['fetchOrchestrationItem']>
): Promise<LockedItem> {
  const item = locked(await provider.fetchOrchestrationItem(...args));
  expect(item, 'expected an orchestration item, the fetch found none').not.toBeNull();
  return item!;
}

/** The metadata of the first turn of `start_item`'s orchestration: it creates the instance row (contract v2 §3.4). */
export const FIRST_TURN: ExecutionMetadata = { orchestrationName: 'TestOrch', orchestrationVersion: '1.0.0' };

/** Acks a turn that records nothing: what the runtime does for orphan or no-op batches. */
export function ackEmpty(provider: PostgresProvider, lockToken: string, executionId = 1): Promise<void> {
  return provider.ackOrchestrationItem(lockToken, executionId, [], [], []);
}

/**
 * Start, fetch and commit one turn carrying `events` (default: OrchestrationStarted(1)) with `metadata` (default: the
 * first turn's name and version). A `metadata.parentInstanceId` makes the start a sub-orchestration's.
 */
export async function startAndAck(
  provider: PostgresProvider,
  instance: string,
  events: HistoryEvent[] = [orchestrationStarted(1)],
  metadata: ExecutionMetadata = FIRST_TURN,
): Promise<void> {
  const parent = metadata.parentInstanceId;
  await provider.enqueueOrchestratorWork(startOrchestration(instance, parent ? { parentInstance: parent } : {}));
  const item = await fetchItem(provider, LONG_LOCK_MS);
  expect(item.instance).toBe(instance);
  await provider.ackOrchestrationItem(item.lockToken, 1, events, [], [], metadata);
}

/**
 * The contract's `create_instance` (§4.1): start, fetch, ack `OrchestrationStarted` with TestOrch 1.0.0 (plus
 * `metadata`, e.g. a status or a parent), which creates the row; the instance is unlocked afterwards. `extraEvents`
 * follow the start event (ids from 2).
 */
export function createInstance(
  provider: PostgresProvider,
  instance: string,
  metadata: ExecutionMetadata = {},
  extraEvents: (firstId: number) => HistoryEvent[] = () => [],
): Promise<void> {
  return startAndAck(provider, instance, [orchestrationStarted(1), ...extraEvents(2)], {
    ...FIRST_TURN,
    ...metadata,
  });
}

/** Awaits a call that must fail, and returns its error after checking it is the provider's one error type. */
export async function providerErrorOf(call: Promise<unknown>, what = 'the call'): Promise<ProviderError> {
  const outcome = await call.then(
    () => ({ failed: false as const }),
    (error: unknown) => ({ failed: true as const, error }),
  );
  expect(outcome.failed, `expected ${what} to fail`).toBe(true);
  const { error } = outcome as { error: unknown };
  expect(error, what).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/** The `id` of each ActivityCompleted in a batch, in batch order. */
export function completionIds(messages: WorkItem[]): number[] {
  return messages.flatMap((message) => ('ActivityCompleted' in message ? [message.ActivityCompleted.id] : []));
}

/**
 * The source's `count` tasks that each sleep `startDelayMs(task)` and then call: all calls start at once and race
 * for real, task i at provider time now + startDelayMs(i), so nothing waits. (The provider reads its clock as a call
 * starts; a provider reading it later would see the largest delay, still within the scenario's moment.)
 */
export function staggeredCalls<T>(
  clock: ManualClock,
  count: number,
  startDelayMs: (task: number) => number,
  call: () => Promise<T>,
): Promise<T[]> {
  const start = clock.now();
  const delays = Array.from({ length: count }, (_, task) => startDelayMs(task));
  const calls = delays.map((delay) => {
    clock.set(start + delay);
    return call();
  });
  clock.set(start + Math.max(...delays));
  return Promise.all(calls);
}
