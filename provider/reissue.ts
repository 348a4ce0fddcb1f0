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
]);

/**
 * Methods a committed attempt of which nothing recognises: re-issuing could store the message twice, so after a
 * connection lost mid-call they are reported (retryable, `mayHaveCommitted`) and the caller decides.
 */
const UNGUARDED: ReadonlySet<ProviderMethod> = new Set(['enqueueOrchestratorWork', 'enqueueWorkerWork']);

export interface ReissueOptions {
  pausesMs: readonly number[];
  onRetry: (attempt: number, error: ProviderError, pauseMs: number) => void;
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
  let interrupted = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (thrown) {
      const error = toProviderError(method, thrown);
      interrupted ||= writes && error.mayHaveCommitted;
      const pause = options.pausesMs[attempt];
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
