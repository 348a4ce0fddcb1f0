import type { PostgresProvider } from '../postgres-provider.js';
import type { HistoryEvent } from '../types/history-event.js';
import type { FetchedOrchestrationItem } from '../types/provider-types.js';
import type { WorkItem } from '../types/work-item.js';

/**
 * Drives one orchestration through the provider the way the duroxide runtime would, playing both the
 * orchestration dispatcher and a worker: start → activity scheduled and completed by a worker → a timer that fires →
 * an external event → continue-as-new → completion. Each step is one fetch and one atomic ack.
 */

const ORCHESTRATION = 'ProcessOrder';
const VERSION = '1.0.0';
const TIMER_MS = 300;

export interface DemoStep {
  title: string;
  detail: string;
}

/** Fetches until the instance has work: timers become visible only when they are due. */
async function fetchWhenReady(provider: PostgresProvider, instance: string): Promise<FetchedOrchestrationItem> {
  const deadline = Date.now() + 10_000 + TIMER_MS;
  for (;;) {
    const fetched = await provider.fetchOrchestrationItem();
    if (fetched) {
      const { item } = fetched;
      if (item.instance !== instance) throw new Error(`expected work for ${instance}, got ${item.instance}`);
      if (item.historyError !== null) throw new Error(item.historyError);
      return fetched;
    }
    if (Date.now() > deadline) throw new Error(`no work arrived for ${instance}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const kinds = (items: readonly object[]): string => items.map((item) => Object.keys(item)[0]).join(', ');

export async function runOrderOrchestration(
  provider: PostgresProvider,
  instance: string,
  onStep: (step: DemoStep) => void,
): Promise<void> {
  const started = (eventId: number, input: string): HistoryEvent => ({
    OrchestrationStarted: {
      event_id: eventId,
      name: ORCHESTRATION,
      version: VERSION,
      input,
      parent_instance: null,
      parent_id: null,
    },
  });

  // The client starts the orchestration.
  await provider.enqueueOrchestratorWork({
    StartOrchestration: {
      instance,
      orchestration: ORCHESTRATION,
      input: '{"orderId":42,"page":1}',
      version: VERSION,
      parent_instance: null,
      parent_id: null,
      execution_id: 1,
    },
  });
  onStep({ title: 'client', detail: `started ${ORCHESTRATION} as ${instance}` });

  // Turn 1: the orchestration starts and schedules an activity.
  let turn = await fetchWhenReady(provider, instance);
  const charge: WorkItem = { ActivityExecute: { instance, execution_id: 1, id: 2, name: 'ChargeCard', input: '42' } };
  await provider.ackOrchestrationItem(
    turn.lockToken,
    1,
    [
      started(1, '{"orderId":42,"page":1}'),
      { ActivityScheduled: { event_id: 2, name: 'ChargeCard', input: '42', execution_id: 1 } },
    ],
    [charge],
    [],
    { orchestrationName: ORCHESTRATION, orchestrationVersion: VERSION },
  );
  onStep({ title: 'turn 1', detail: `messages [${kinds(turn.item.messages)}] → scheduled activity ChargeCard` });

  // A worker runs the activity and reports its result.
  const lease = await provider.dequeueWorkerPeekLock();
  if (!lease) throw new Error('the activity was not on the worker queue');
  await provider.ackWorker(lease.lockToken, {
    ActivityCompleted: { instance, execution_id: 1, id: 2, result: '"charged"' },
  });
  onStep({ title: 'worker', detail: `ran ${kinds([lease.item])} ChargeCard → ActivityCompleted` });

  // Turn 2: the activity's result arrives; the orchestration waits on a timer.
  turn = await fetchWhenReady(provider, instance);
  const fireAt = Date.now() + TIMER_MS;
  await provider.ackOrchestrationItem(
    turn.lockToken,
    1,
    [
      { ActivityCompleted: { event_id: 3, source_event_id: 2, result: '"charged"' } },
      { TimerCreated: { event_id: 4, fire_at_ms: fireAt, execution_id: 1 } },
    ],
    [],
    [{ TimerFired: { instance, execution_id: 1, id: 4, fire_at_ms: fireAt } }],
  );
  onStep({ title: 'turn 2', detail: `messages [${kinds(turn.item.messages)}] → timer due in ${TIMER_MS} ms` });

  // Turn 3: the timer fires (invisible until due); the orchestration subscribes to an external event.
  turn = await fetchWhenReady(provider, instance);
  await provider.ackOrchestrationItem(
    turn.lockToken,
    1,
    [
      { TimerFired: { event_id: 5, source_event_id: 4, fire_at_ms: fireAt } },
      { ExternalSubscribed: { event_id: 6, name: 'Approved' } },
    ],
    [],
    [],
  );
  onStep({ title: 'turn 3', detail: `messages [${kinds(turn.item.messages)}] → waiting for event Approved` });

  // The client raises the event.
  await provider.enqueueOrchestratorWork({ ExternalRaised: { instance, name: 'Approved', data: 'true' } });
  onStep({ title: 'client', detail: 'raised event Approved' });

  // Turn 4: the event arrives; the orchestration continues as new with the next page.
  turn = await fetchWhenReady(provider, instance);
  const nextInput = '{"orderId":42,"page":2}';
  await provider.ackOrchestrationItem(
    turn.lockToken,
    1,
    [
      { ExternalEvent: { event_id: 7, name: 'Approved', data: 'true' } },
      { OrchestrationContinuedAsNew: { event_id: 8, input: nextInput } },
    ],
    [],
    [{ ContinueAsNew: { instance, orchestration: ORCHESTRATION, input: nextInput, version: VERSION } }],
    { status: 'ContinuedAsNew', output: nextInput },
  );
  onStep({ title: 'turn 4', detail: `messages [${kinds(turn.item.messages)}] → continued as new` });

  // Turn 5: execution 2 starts from the ContinueAsNew message and completes.
  turn = await fetchWhenReady(provider, instance);
  await provider.ackOrchestrationItem(
    turn.lockToken,
    2,
    [started(1, nextInput), { OrchestrationCompleted: { event_id: 2, output: '"order 42 done"' } }],
    [],
    [],
    { status: 'Completed', output: '"order 42 done"', orchestrationName: ORCHESTRATION, orchestrationVersion: VERSION },
  );
  onStep({ title: 'turn 5', detail: `messages [${kinds(turn.item.messages)}] → execution 2 completed` });
}
