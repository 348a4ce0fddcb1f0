/**
 * Dispatchers and workers polling like the runtime, in a closed loop: each completed orchestration enqueues the next,
 * so the queues stay as short as in a steady state and the figure is the store's, not the backlog's.
 */
import { performance } from 'node:perf_hooks';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import * as calls from '../provider-calls.js';
import { pause } from '../stats.js';
import * as work from '../workload.js';

export interface LoadFigures {
  dispatchers: number;
  workers: number;
  seconds: number;
  orchestrationsPerSecond: number;
  /** Fetch + ack pairs that found work. */
  turnsPerSecond: number;
  /** Errors by SQLSTATE (40P01: deadlock), counted and carried on from. */
  errors: Record<string, number>;
}

export async function runOrchestrationLoad(
  provider: PostgresProvider,
  options: { dispatchers: number; workers: number; durationMs: number; prefix: string },
): Promise<LoadFigures> {
  const { dispatchers, workers, durationMs, prefix } = options;
  let next = 0;
  const enqueueNext = () => calls.enqueueOrchestratorMessage(provider, work.startMessage(`${prefix}-${next++}`));
  for (let index = 0; index < 2 * dispatchers; index++) await enqueueNext();

  const begin = performance.now();
  // The first fifth (at most a second) warms connections and plans up and is not counted.
  const countFrom = begin + Math.min(1000, durationMs / 5);
  const end = begin + durationMs;
  let completed = 0;
  let turns = 0;
  const errors: Record<string, number> = {};
  const counting = () => performance.now() >= countFrom;
  const guarded = async (body: () => Promise<void>) => {
    while (performance.now() < end) {
      try {
        await body();
      } catch (error) {
        const sqlstate = (error as { sqlstate?: string | null }).sqlstate ?? 'other';
        errors[sqlstate] = (errors[sqlstate] ?? 0) + 1;
      }
    }
  };
  const dispatcher = () =>
    guarded(async () => {
      const turn = await calls.fetchTurn(provider);
      if (!turn) return void (await pause(1));
      if (turn.messages.some((message) => 'StartOrchestration' in message)) {
        await calls.ackTurn(
          provider,
          turn.lockToken,
          work.firstTurnEvents,
          [work.activityMessage(turn.instance)],
          work.firstTurnMetadata,
        );
      } else {
        await calls.ackTurn(provider, turn.lockToken, work.lastTurnEvents, [], work.completedMetadata);
        if (counting()) completed++;
        await enqueueNext();
      }
      if (counting()) turns++;
    });
  const worker = () =>
    guarded(async () => {
      const lease = await calls.fetchWork(provider);
      if (!lease) return void (await pause(1));
      const { instance } = (lease.item as { ActivityExecute: { instance: string } }).ActivityExecute;
      await calls.ackWork(provider, lease.lockToken, work.completionMessage(instance));
    });
  await Promise.all([...Array.from({ length: dispatchers }, dispatcher), ...Array.from({ length: workers }, worker)]);
  const seconds = (performance.now() - Math.max(begin, countFrom)) / 1000;
  return {
    dispatchers,
    workers,
    seconds,
    orchestrationsPerSecond: completed / seconds,
    turnsPerSecond: turns / seconds,
    errors,
  };
}

/** `clients` loops of enqueue start → fetch → ack complete: the turn pgbench drives, from TypeScript. */
export async function runTurnLoop(
  provider: PostgresProvider,
  options: { clients: number; durationMs: number; prefix: string },
): Promise<{ turnsPerSecond: number; errors: Record<string, number> }> {
  const begin = performance.now();
  const countFrom = begin + Math.min(1000, options.durationMs / 5);
  const end = begin + options.durationMs;
  let turns = 0;
  let next = 0;
  const errors: Record<string, number> = {};
  const client = async () => {
    while (performance.now() < end) {
      try {
        await calls.enqueueOrchestratorMessage(provider, work.startMessage(`${options.prefix}-${next++}`));
        const turn = await calls.fetchTurn(provider);
        if (!turn) continue;
        await calls.ackTurn(provider, turn.lockToken, work.oneTurnEvents, [], work.oneTurnMetadata);
        if (performance.now() >= countFrom) turns++;
      } catch (error) {
        const sqlstate = (error as { sqlstate?: string | null }).sqlstate ?? 'other';
        errors[sqlstate] = (errors[sqlstate] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  return { turnsPerSecond: turns / ((performance.now() - countFrom) / 1000), errors };
}
