/** Shared by the inline backend's tests: work-item shorthands typed for the backend, and failure capture. */
import type { TurnAck } from '../../provider/backend.js';
import type { WorkItem } from '../../provider/types/work-item.js';
import { startOrchestration } from '../support/work-items.js';

export const start = (instance: string, options?: Parameters<typeof startOrchestration>[1]) =>
  startOrchestration(instance, options) as WorkItem;

export function turn(
  lockToken: string,
  nowMs: number,
  parts: Partial<Omit<TurnAck, 'lockToken' | 'nowMs'>> = {},
): TurnAck {
  return {
    lockToken,
    nowMs,
    executionId: parts.executionId ?? 1,
    historyDelta: parts.historyDelta ?? [],
    workerItems: parts.workerItems ?? [],
    orchestratorItems: parts.orchestratorItems ?? [],
    metadata: parts.metadata ?? {},
    cancelledActivities: parts.cancelledActivities ?? [],
  };
}

export interface Failure {
  code: string;
  message: string;
}

export async function failureOf(promise: Promise<unknown>): Promise<Failure> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: error as Failure }),
  );
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return { code: outcome.error.code, message: outcome.error.message };
}
