import type { ClockSkewLimits } from './clock-skew-guard.js';
import type { PostgresProviderOptions } from './postgres-provider.js';
import { type ProviderEvent, warnOnConsole } from './provider-events.js';
import { DEFAULT_RETRY_PAUSES_MS } from './reissue.js';

/** The provider's options with their defaults filled in and checked. */
export interface ProviderSettings {
  schema: string;
  lockTimeoutMs: number;
  orphanRetryMs: number;
  clock: () => number;
  retryPausesMs: readonly number[];
  clockSkew: ClockSkewLimits;
  clockCheckIntervalMs: number;
  /** `onEvent`, or the console default, never throwing. */
  onEvent: (event: ProviderEvent) => void;
}

export function resolveSettings(options: PostgresProviderOptions): ProviderSettings {
  const lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs <= 0) {
    throw new Error(`lockTimeoutMs must be a positive integer, got ${lockTimeoutMs}`);
  }
  const orphanRetryMs = options.orphanRetryMs ?? 1000;
  if (!Number.isSafeInteger(orphanRetryMs) || orphanRetryMs < 0) {
    throw new Error(`orphanRetryMs must be a non-negative integer, got ${orphanRetryMs}`);
  }
  if (!options.pool && !options.connectionString) {
    throw new Error('PostgresProvider needs a connectionString or a pool');
  }
  const retryPausesMs = options.retryPausesMs ?? DEFAULT_RETRY_PAUSES_MS;
  if (!retryPausesMs.every((pause) => Number.isSafeInteger(pause) && pause >= 0)) {
    throw new Error(`retryPausesMs must be non-negative integers, got [${retryPausesMs.join(', ')}]`);
  }
  const clockSkew = { warnMs: options.clockSkewWarnMs ?? 1000, refuseMs: options.clockSkewRefuseMs ?? 30_000 };
  if (!(clockSkew.warnMs >= 0 && clockSkew.refuseMs >= clockSkew.warnMs)) {
    throw new Error(
      'clockSkewWarnMs and clockSkewRefuseMs must satisfy 0 <= warn <= refuse, ' +
        `got ${clockSkew.warnMs} and ${clockSkew.refuseMs}`,
    );
  }
  const clockCheckIntervalMs = options.clockCheckIntervalMs ?? 60_000;
  if (!Number.isSafeInteger(clockCheckIntervalMs) || clockCheckIntervalMs < 0) {
    throw new Error(`clockCheckIntervalMs must be a non-negative integer, got ${clockCheckIntervalMs}`);
  }
  const listener = options.onEvent ?? warnOnConsole;
  return {
    schema: options.schema ?? 'public',
    lockTimeoutMs,
    orphanRetryMs,
    clock: options.clock ?? Date.now,
    retryPausesMs,
    clockSkew,
    clockCheckIntervalMs,
    onEvent: (event) => {
      try {
        listener(event);
      } catch {
        // Events arrive from pool and timer callbacks, where a throwing listener would end the process.
      }
    },
  };
}
