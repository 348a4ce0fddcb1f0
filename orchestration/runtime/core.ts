import type { Client } from '../client.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../registry.js';
import type { RuntimeProvider } from '../runtime-provider.js';
import type { RuntimeMetrics } from '../telemetry/runtime-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
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
  log: { runtime: Logger; orchestration: Logger; activity: Logger };
  isStopping(): boolean;
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
