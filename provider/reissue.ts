import type { ProviderMethod } from './postgres-provider.js';
import { ProviderError, toProviderError } from './provider-error.js';

/** Pauses before re-issuing a call that failed retryably (duroxide-pg: 3 retries, 50/100/150 ms). */
export const DEFAULT_RETRY_PAUSES_MS: readonly number[] = [50, 100, 150];

/**
 * Methods whose re-issue after an attempt that may have committed cannot apply anything twice, because a committed
 * attempt consumed the lock token (ack, abandon, worker ack: the re-issue fails with DXL01 or DXW01) or stored the
 * event ids (append: 23505), or only took a lock that expires after the lock timeout (fetch, dequeue), or set an
 * expiry that a re-issue sets again (renewal).
 */
const GUARDED: ReadonlySet<ProviderMethod> = new Set([
  'fetchOrchestrationItem',
  'renewOrchestrationItemLock',
  'ackOrchestrationItem',
  'abandonOrchestrationItem',
  'appendWithExecution',
  'dequeueWorkerPeekLock',
  'ackWorker',
  // Contract v2: a committed fetch only took a lock; a committed ack or abandon consumed its token (DXW01 on a
  // re-issue); renewals and the session sweep can be applied twice without harm.
  'fetchWorkItem',
  'ackWorkItem',
  'renewWorkItemLock',
  'abandonWorkItem',
  'renewSessionLock',
  'cleanupOrphanedSessions',
]);

/**
 * Methods a committed attempt of which nothing recognises: re-issuing could store the message twice, so after a
 * connection lost mid-call they are reported (retryable, `mayHaveCommitted`) and the caller decides.
 */
const UNGUARDED: ReadonlySet<ProviderMethod> = new Set(['enqueueOrchestratorWork', 'enqueueWorkerWork']);

export interface ReissueOptions {
  pausesMs: readonly number[];
  onRetry: (attempt: number, error: ProviderError, pauseMs: number) => void;
  /**
   * Renewals (contract v2 §3.0.2): keep re-issuing, after the listed pauses with the last one again, for as long as
   * the next attempt starts within this many milliseconds of the first.
   */
  budgetMs?: number;
}

/** The time a renewal may spend on re-issues: a quarter of the extension, at least 250 ms (contract v2 §3.0.2). */
export function renewalBudgetMs(extendForMs: number): number {
  return Math.max(250, Math.floor(extendForMs / 4));
}

/**
 * Runs one method's database call. A call that failed retryably is re-issued, with a fresh clock reading, after
 * each of the pauses: one the server rolled back (deadlock, lock timeout, a plan invalidated by a concurrent
 * migration) or one that never reached it (no connection, server starting or shutting down) always; one whose
 * connection was lost mid-call only when the method is guarded against applying twice. The error finally reported
 * says whether any attempt may have committed.
 */
export async function withReissue<T>(
  method: ProviderMethod,
  call: () => Promise<T>,
  options: ReissueOptions,
): Promise<T> {
  const writes = GUARDED.has(method) || UNGUARDED.has(method);
  const startedAt = performance.now();
  let interrupted = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (thrown) {
      const error = toProviderError(method, thrown);
      interrupted ||= writes && error.mayHaveCommitted;
      const pause = pauseBefore(attempt, options, performance.now() - startedAt);
      const reissue = error.retryable && pause !== undefined && !(error.mayHaveCommitted && UNGUARDED.has(method));
      if (!reissue) return Promise.reject(withCommitNote(error, interrupted));
      options.onRetry(attempt + 1, error, pause);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** The reported error, with `mayHaveCommitted` saying what the attempts together may have done. */
function withCommitNote(error: ProviderError, interrupted: boolean): ProviderError {
  if (error.mayHaveCommitted === interrupted) return error;
  const note = interrupted ? ' (an earlier attempt lost its connection mid-call and may have committed this call)' : '';
  return new ProviderError(error.operation, error.reason + note, error.sqlstate, error.retryable, {
    cause: error.cause ?? error,
    mayHaveCommitted: interrupted,
  });
}

/** The pause before re-issue number `attempt + 1`, or undefined when there is none. */
function pauseBefore(attempt: number, options: ReissueOptions, elapsedMs: number): number | undefined {
  const { pausesMs, budgetMs } = options;
  if (budgetMs === undefined) return pausesMs[attempt];
  const pause = pausesMs[Math.min(attempt, pausesMs.length - 1)];
  return pause !== undefined && elapsedMs + pause <= budgetMs ? pause : undefined;
}
