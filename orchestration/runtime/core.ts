import type { Client } from '../client.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../registry.js';
import type { RuntimeProvider } from '../runtime-provider.js';
import type { RuntimeMetrics } from '../telemetry/runtime-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { ExecutionNames } from './execution-names.js';
import type { ResolvedOptions } from './options.js';
import type { Waker } from './waker.js';

/** What the slots of one runtime share. */
export interface RuntimeCore {
  provider: RuntimeProvider;
  registry: Registry;
  options: ResolvedOptions;
  metrics: RuntimeMetrics;
  tracing: Tracing;
  /** Slots working on an item, for `duroxide_dispatcher_busy_slots`. */
  busy: { orchestration: number; worker: number };
  orchestrationWaker: Waker;
  workerWaker: Waker;
  client: Client;
  /** Name and version of the executions whose turns this runtime acked, for its activities' contexts (§1.5). */
  executionNames: ExecutionNames;
  log: { runtime: Logger; orchestration: Logger; activity: Logger };
  isStopping(): boolean;
  /** Aborted when shutdown begins: ends waiting fetches (long polls) at once. */
  readonly stopSignal: AbortSignal;
  /** True once the shutdown deadline passed: in-flight activities are abandoned. */
  isPastDeadline(): boolean;
  /** Aborted at the shutdown deadline. */
  readonly deadlineSignal: AbortSignal;
  /** Logs, counts (§5.2 provider errors) and forwards to `onError` an error the runtime swallows. */
  report(error: unknown, operation: string, fields?: Record<string, unknown>): void;
}

export interface ErrorFacts {
  sqlstate: string | null;
  retryable: boolean;
  message: string;
}

/** The fields of a `ProviderError` (or anything thrown), without depending on its class. */
export function factsOf(error: unknown): ErrorFacts {
  const e = error as { sqlstate?: unknown; retryable?: unknown; message?: unknown };
  return {
    sqlstate: typeof e?.sqlstate === 'string' ? e.sqlstate : null,
    retryable: e?.retryable === true,
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

/** Back-off after `k` consecutive failed fetches (§3.8). */
export function fetchBackoff(error: unknown, consecutive: number): number {
  const { retryable } = factsOf(error);
  return retryable ? Math.min(100 * 2 ** consecutive, 3_000) : 1_000;
}

/**
 * §3.4 / v2 §6: renew `lock − buffer` before expiry for locks of 15 s and more, else every half lock rounded up to
 * whole seconds (min 1 s). Under 2 s that rounding would reach the lock itself, so such short locks (tests) renew at
 * the plain half.
 */
export function renewalIntervalMs(lockMs: number, bufferMs: number): number {
  if (lockMs >= 15_000) return Math.max(1_000, lockMs - bufferMs);
  const half = Math.ceil(lockMs / 2_000) * 1_000;
  return half < lockMs ? half : Math.ceil(lockMs / 2);
}

/** Calls `renew` every `intervalMs` until stopped or until it fails once (`onLost` gets the error). */
export function startRenewal(
  intervalMs: number,
  renew: () => Promise<void>,
  onLost: (error: unknown) => void,
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      renew().then(
        () => {
          if (!stopped) schedule();
        },
        (error: unknown) => {
          if (!stopped) onLost(error);
        },
      );
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * A fetch that shutdown does not wait for (a long poll may last `dispatcherLongPollTimeoutMs`): once the runtime
 * stops, the slot goes and an item the fetch still returns is given back through `giveBack`.
 */
export async function untilStopped<T>(
  core: RuntimeCore,
  fetch: Promise<T | null>,
  giveBack: (item: T) => Promise<unknown>,
): Promise<T | null | 'stopped'> {
  if (core.stopSignal.aborted) return 'stopped';
  let onStop!: () => void;
  const stopped = new Promise<'stopped'>((resolve) => {
    onStop = () => resolve('stopped');
    core.stopSignal.addEventListener('abort', onStop, { once: true });
  });
  try {
    const first = await Promise.race([fetch, stopped]);
    if (first === 'stopped') {
      fetch.then((item) => item && giveBack(item)).catch(() => {});
    }
    return first;
  } finally {
    core.stopSignal.removeEventListener('abort', onStop);
  }
}
