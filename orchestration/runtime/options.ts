import type { Logger, LogLevel } from '../logger.js';
import type { TelemetryOption } from '../telemetry/otel-api.js';

export interface RuntimeOptions {
  orchestrationConcurrency?: number;
  /** 0 disables the worker (orchestrator-only node). */
  workerConcurrency?: number;
  dispatcherPollIntervalMs?: number;
  /** How long a fetch may wait for work when the provider long-polls (v2 §3.15); 0 = answer at once. */
  dispatcherLongPollTimeoutMs?: number;
  /** Lock durations per queue, passed on every fetch and renewal; default the provider's `lockTimeoutMs`. */
  orchestratorLockTimeoutMs?: number;
  workerLockTimeoutMs?: number;
  /** Renewal lead time for locks of 15 s and more (§3.4). */
  orchestratorLockRenewalBufferMs?: number;
  workerLockRenewalBufferMs?: number;
  /**
   * Accepted and ignored: since contract v2 a cancelled activity learns it from its next lock renewal (its row was
   * deleted), not from polling the instance status.
   */
  cancellationCheckIntervalMs?: number;
  activityCancellationGracePeriodMs?: number;
  maxAttempts?: number;
  unregisteredBackoff?: { baseDelayMs: number; maxDelayMs: number };
  /** MUST be the provider's clock. */
  clock?: () => number;
  workerNodeId?: string;
  logger?: Logger;
  logLevel?: LogLevel;
  serviceName?: string;
  serviceVersion?: string;
  /**
   * §5.3: OpenTelemetry through the optional peer `@opentelemetry/api` (global providers by default), `false` for
   * none, or `{ tracer, meter, providerSpans }`. Without the package installed, tracing and OTel metrics are no-ops.
   */
  telemetry?: TelemetryOption;
  onError?: (error: unknown, context: { operation: string; instance?: string }) => void;
  maxNewEventsPerTurn?: number;
}

type Passed = 'onError' | 'serviceName' | 'serviceVersion' | 'telemetry';
export type ResolvedOptions = Required<
  Omit<RuntimeOptions, 'logger' | 'logLevel' | 'cancellationCheckIntervalMs' | Passed>
> &
  Pick<RuntimeOptions, Passed> & { logger: Logger };

function positiveInt(name: string, value: number, allowZero = false): number {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new TypeError(`${name} must be an integer >= ${allowZero ? 0 : 1}, got ${value}`);
  }
  return value;
}

export function resolveOptions(options: RuntimeOptions, lockTimeoutMs: number, logger: Logger): ResolvedOptions {
  return {
    orchestrationConcurrency: positiveInt('orchestrationConcurrency', options.orchestrationConcurrency ?? 4),
    workerConcurrency: positiveInt('workerConcurrency', options.workerConcurrency ?? 8, true),
    dispatcherPollIntervalMs: positiveInt('dispatcherPollIntervalMs', options.dispatcherPollIntervalMs ?? 100),
    dispatcherLongPollTimeoutMs: positiveInt(
      'dispatcherLongPollTimeoutMs',
      options.dispatcherLongPollTimeoutMs ?? 30_000,
      true,
    ),
    orchestratorLockTimeoutMs: positiveInt(
      'orchestratorLockTimeoutMs',
      options.orchestratorLockTimeoutMs ?? lockTimeoutMs,
    ),
    workerLockTimeoutMs: positiveInt('workerLockTimeoutMs', options.workerLockTimeoutMs ?? lockTimeoutMs),
    orchestratorLockRenewalBufferMs: positiveInt(
      'orchestratorLockRenewalBufferMs',
      options.orchestratorLockRenewalBufferMs ?? 2_000,
      true,
    ),
    workerLockRenewalBufferMs: positiveInt(
      'workerLockRenewalBufferMs',
      options.workerLockRenewalBufferMs ?? 5_000,
      true,
    ),
    activityCancellationGracePeriodMs: positiveInt(
      'activityCancellationGracePeriodMs',
      options.activityCancellationGracePeriodMs ?? 10_000,
      true,
    ),
    maxAttempts: positiveInt('maxAttempts', options.maxAttempts ?? 10),
    unregisteredBackoff: options.unregisteredBackoff ?? { baseDelayMs: 1_000, maxDelayMs: 60_000 },
    clock: options.clock ?? Date.now,
    workerNodeId:
      options.workerNodeId ??
      Math.floor(Math.random() * 0x10000)
        .toString(16)
        .padStart(4, '0'),
    logger,
    onError: options.onError,
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    telemetry: options.telemetry,
    maxNewEventsPerTurn: positiveInt('maxNewEventsPerTurn', options.maxNewEventsPerTurn ?? 10_000),
  };
}
