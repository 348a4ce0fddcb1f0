import { expect } from 'vitest';
import type { PostgresProvider } from '../../../provider/postgres-provider.js';
import { ProviderError } from '../../../provider/provider-error.js';
import type { HistoryEvent, OrchestrationItem, WorkItem } from '../../../provider/types/index.js';
import { orchestrationStarted, startOrchestration } from '../../support/work-items.js';

/** Steps shared by many scenarios of contract §4, in the contract's own terms. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

/** A time source for the provider that the test can move forward without sleeping. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

/** Stands still at `startMs` until the test moves it. */
export function manualClock(startMs = Date.now()): TestClock & { set(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/** Real time shifted by `skewMs`, as an application host whose clock disagrees with the database's. */
export function skewedClock(skewMs: number): TestClock {
  let offset = skewMs;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}
