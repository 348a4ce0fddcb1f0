import { randomUUID } from 'node:crypto';
import { Execution } from './engine/execution.js';
import type { Registry } from './registry.js';
import { decodeInput } from './codec.js';
import type { HistoryEvent, StartedBody } from './wire.js';

export type ReplayCheckResult = { ok: true; newDecisions: number; finished: boolean } | { ok: false; problem: string };

/**
 * Re-runs a stored execution through the engine with no new messages: reports nondeterminism, or how many new
 * decisions the code would make now (zero for a terminal execution).
 */
export function replayCheck(history: HistoryEvent[], registry: Registry, instance = 'replay-check'): ReplayCheckResult {
  const first = history[0];
  if (!first || !('OrchestrationStarted' in first))
    return { ok: false, problem: 'history does not start with OrchestrationStarted' };
  const started = first.OrchestrationStarted as StartedBody;
  const resolution = registry.resolve(started.name, started.version);
  if (!resolution.found) return { ok: false, problem: `not registered: ${started.name}@${started.version}` };
  const last = history.at(-1)!;
  const terminal = ['OrchestrationCompleted', 'OrchestrationFailed', 'OrchestrationContinuedAsNew'].some(
    (k) => k in last,
  );
  if ('OrchestrationFailed' in last || 'OrchestrationCancelRequested' in (history.at(-2) ?? {})) {
    return { ok: true, newDecisions: 0, finished: true };
  }
  const body = history.slice(0, terminal ? -1 : undefined);
  const execution = new Execution(
    {
      instance,
      executionId: 1,
      name: started.name,
      version: resolution.version,
      fn: resolution.fn,
      input: decodeInput(started.input),
      clock: () => 0,
      uuid: randomUUID,
      maxNewEvents: 10_000,
      trace: () => {},
      initialCustomStatus: started.initial_custom_status ?? null,
    },
    body,
    body.length,
  );
  execution.run();
  if (execution.outcome?.kind === 'nondeterminism') return { ok: false, problem: execution.outcome.message };
  return { ok: true, newDecisions: execution.newDecisions.length, finished: execution.outcome !== undefined };
}
