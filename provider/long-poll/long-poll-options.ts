import type { LongPollTiming } from './notification-listener.js';

/** The provider's `longPoll` option (contract v2 §3.15): off by default, as in duroxide-pg 0.2.0. */
export interface LongPollOptions {
  /** Let fetches wait up to their `pollTimeoutMs` for work, woken by LISTEN/NOTIFY (default false: short polling). */
  enabled?: boolean;
  /**
   * How often the listener asks the database when work next becomes visible by time alone, and wakes every waiting
   * fetch: the bound on how late a lost notification or an expired lock is noticed (default 5000 ms). Keep it at or
   * below the runtime's poll timeout.
   */
  refreshIntervalMs?: number;
  /** Timers for work announced as visible later fire this long after it (default 100 ms). */
  timerGraceMs?: number;
}

export interface LongPollSettings extends LongPollTiming {
  enabled: boolean;
}

export const DEFAULT_REFRESH_INTERVAL_MS = 5000;
export const DEFAULT_TIMER_GRACE_MS = 100;

export function resolveLongPoll(options: LongPollOptions = {}): LongPollSettings {
  const refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
  if (!Number.isSafeInteger(refreshIntervalMs) || refreshIntervalMs <= 0) {
    throw new Error(`longPoll.refreshIntervalMs must be a positive integer, got ${refreshIntervalMs}`);
  }
  const timerGraceMs = options.timerGraceMs ?? DEFAULT_TIMER_GRACE_MS;
  if (!Number.isSafeInteger(timerGraceMs) || timerGraceMs < 0) {
    throw new Error(`longPoll.timerGraceMs must be a non-negative integer, got ${timerGraceMs}`);
  }
  return { enabled: options.enabled ?? false, refreshIntervalMs, timerGraceMs };
}
