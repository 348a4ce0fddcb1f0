import { expect } from 'vitest';
import type { PostgresProvider } from '../../../provider/postgres-provider.js';
import { ProviderError } from '../../../provider/provider-error.js';
import type { HistoryEvent, OrchestrationItem, WorkItem } from '../../../provider/types/index.js';
import { orchestrationStarted, startOrchestration } from '../../support/work-items.js';
import type { ManualClock } from './test-clocks.js';

/** Steps shared by many scenarios of contract §4, in the contract's own terms. */

/** The contract's `start_item(instance)`: StartOrchestration of TestOrch 1.0.0, input "{}", no parent. */
export function startItem(instance: string, executionId = 1): WorkItem {
  return startOrchestration(instance, { executionId });
}

/** A fetch that must find work. */
export async function fetchItem(provider: PostgresProvider): Promise<OrchestrationItem> {
  const item = await provider.fetchOrchestrationItem();
  expect(item, 'expected an orchestration item, the fetch found none').not.toBeNull();
  return item!;
}

/** Acks a turn that records nothing: what the runtime does for orphan or no-op batches. */
export function ackEmpty(provider: PostgresProvider, lockToken: string, executionId = 1): Promise<void> {
  return provider.ackOrchestrationItem(lockToken, executionId, [], [], []);
}

/** The contract's "Create A": start the instance and commit one empty turn, so it exists and is unlocked. */
export async function createInstance(provider: PostgresProvider, instance: string): Promise<void> {
  await provider.enqueueOrchestratorWork(startItem(instance));
  const item = await fetchItem(provider);
  expect(item.instance).toBe(instance);
  await ackEmpty(provider, item.lockToken);
}

/** Start, fetch and commit one turn carrying `events` (default: OrchestrationStarted(1)). */
export async function startAndAck(
  provider: PostgresProvider,
  instance: string,
  events: HistoryEvent[] = [orchestrationStarted(1)],
  metadata: Parameters<PostgresProvider['ackOrchestrationItem']>[5] = {},
): Promise<void> {
  await provider.enqueueOrchestratorWork(startItem(instance));
  const item = await fetchItem(provider);
  expect(item.instance).toBe(instance);
  await provider.ackOrchestrationItem(item.lockToken, 1, events, [], [], metadata);
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
