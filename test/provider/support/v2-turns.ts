import { expect } from 'vitest';
import type { PostgresProvider } from '../../../provider/postgres-provider.js';
import type {
  ExecutionMetadata,
  FetchedOrchestrationItem,
  HistoryEvent,
  OrchestrationItem,
} from '../../../provider/types/index.js';
import {
  continueAsNew as continueAsNewItem,
  externalRaised,
  orchestrationCompleted,
  orchestrationStarted,
} from '../../support/work-items.js';
import { LONG_LOCK_MS } from './provider-factory.js';
import { createInstance, FIRST_TURN } from './scenario-helpers.js';

/**
 * Later turns of a created instance, in the contract's terms (§4.20's `ack_with_delta`, "complete", "CAN"), for the
 * scenarios that follow an instance through several turns and executions (§4.12–§4.15, §4.18, §4.20, §4.21).
 */

/** A fetch that must return the given instance. */
export async function fetchFor(provider: PostgresProvider, instance: string): Promise<FetchedOrchestrationItem> {
  const fetched = await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0);
  expect(fetched, `expected a turn for ${instance}`).not.toBeNull();
  expect(fetched!.item.instance).toBe(instance);
  return fetched!;
}

/** The highest event id of a fetched history (0 when empty): the next turn's events follow it. */
export function lastEventId(item: OrchestrationItem): number {
  return Math.max(0, ...item.history.map((e) => Object.values(e as Record<string, { event_id: number }>)[0]!.event_id));
}

/** An instance whose first turn completes it (or fails it, with `status: 'Failed'`). */
export function createFinished(
  provider: PostgresProvider,
  instance: string,
  metadata: ExecutionMetadata = {},
): Promise<void> {
  return createInstance(provider, instance, { status: 'Completed', output: 'done', ...metadata }, (id) => [
    orchestrationCompleted(id, 'done'),
  ]);
}

/**
 * The contract's `ack_with_delta`: poke the instance with an ExternalRaised, fetch, and ack `delta(firstId)` on
 * the current execution with `metadata` (default: none). Returns the fetched turn.
 */
export async function ackWithDelta(
  provider: PostgresProvider,
  instance: string,
  delta: (firstId: number) => HistoryEvent[],
  metadata: ExecutionMetadata = {},
): Promise<FetchedOrchestrationItem> {
  await provider.enqueueOrchestratorWork(externalRaised(instance));
  const fetched = await fetchFor(provider, instance);
  const { item, lockToken } = fetched;
  await provider.ackOrchestrationItem(lockToken, item.executionId, delta(lastEventId(item) + 1), [], [], metadata);
  return fetched;
}

/**
 * The contract's "CAN": ack the current execution as ContinuedAsNew (with `delta` first), then run the new
 * execution's first turn (`OrchestrationStarted` plus `nextDelta`). Returns the new execution's first fetch.
 */
export async function continueAsNew(
  provider: PostgresProvider,
  instance: string,
  delta: (firstId: number) => HistoryEvent[] = () => [],
  nextDelta: (firstId: number) => HistoryEvent[] = () => [],
): Promise<FetchedOrchestrationItem> {
  await provider.enqueueOrchestratorWork(externalRaised(instance));
  const { item, lockToken } = await fetchFor(provider, instance);
  await provider.ackOrchestrationItem(
    lockToken,
    item.executionId,
    delta(lastEventId(item) + 1),
    [],
    [continueAsNewItem(instance)],
    { ...FIRST_TURN, status: 'ContinuedAsNew', output: '{}' },
  );
  const next = await fetchFor(provider, instance);
  await provider.ackOrchestrationItem(
    next.lockToken,
    item.executionId + 1,
    [orchestrationStarted(1), ...nextDelta(2)],
    [],
    [],
    FIRST_TURN,
  );
  return next;
}

/** Completes the current execution of a created instance. */
export function complete(provider: PostgresProvider, instance: string, status: 'Completed' | 'Failed' = 'Completed') {
  return ackWithDelta(provider, instance, (id) => [orchestrationCompleted(id, 'done')], {
    ...FIRST_TURN,
    status,
    output: 'done',
  });
}

/** The KV snapshot the next fetch of the instance sees (the turn is acked empty afterwards). */
export async function snapshotOf(provider: PostgresProvider, instance: string): Promise<Record<string, string>> {
  const fetched = await ackWithDelta(provider, instance, () => []);
  return Object.fromEntries(Object.entries(fetched.item.kvSnapshot).map(([key, entry]) => [key, entry.value]));
}
