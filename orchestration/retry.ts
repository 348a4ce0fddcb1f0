/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- duroxide-node's API carries untyped JSON values; definitions narrow them where users declare types */
import { applicationError } from './codec.js';
import { TaskFailedError } from './errors.js';
import { Task, type RaceResult } from './tasks.js';

export type BackoffKind = 'exponential' | 'linear' | 'fixed' | 'none';

export interface BackoffSpec {
  kind: BackoffKind;
  baseMs?: number;
  maxMs?: number;
  multiplier?: number;
}

export interface RetryPolicy {
  /** Attempts including the first; an integer >= 1. */
  maxAttempts: number;
  backoff?: BackoffKind | BackoffSpec;
  /** Per attempt; a timed-out attempt is not retried. */
  timeoutMs?: number;
  /** Across all attempts and backoffs. */
  totalTimeoutMs?: number;
}

const DEFAULTS: Record<BackoffKind, Required<Omit<BackoffSpec, 'kind'>>> = {
  exponential: { baseMs: 100, maxMs: 30_000, multiplier: 2 },
  linear: { baseMs: 100, maxMs: 30_000, multiplier: 1 },
  fixed: { baseMs: 1_000, maxMs: 30_000, multiplier: 1 },
  none: { baseMs: 0, maxMs: 0, multiplier: 1 },
};

const isDuration = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Throws `TypeError` for a policy the routine cannot run (checked at the yield, so replay repeats it). */
export function validateRetryPolicy(policy: RetryPolicy): void {
  if (typeof policy !== 'object' || policy === null) throw new TypeError('retry policy must be an object');
  if (!Number.isSafeInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new TypeError(`retry policy maxAttempts must be an integer >= 1, got ${String(policy.maxAttempts)}`);
  }
  for (const key of ['timeoutMs', 'totalTimeoutMs'] as const) {
    if (policy[key] !== undefined && (!isDuration(policy[key]) || policy[key] === 0)) {
      throw new TypeError(`retry policy ${key} must be a positive integer`);
    }
  }
  const backoff = policy.backoff ?? 'exponential';
  const kind = typeof backoff === 'string' ? backoff : backoff.kind;
  if (!Object.hasOwn(DEFAULTS, kind)) throw new TypeError(`unknown backoff '${String(kind)}'`);
  if (typeof backoff === 'object') {
    for (const key of ['baseMs', 'maxMs', 'multiplier'] as const) {
      if (backoff[key] !== undefined && !(typeof backoff[key] === 'number' && backoff[key] >= 0)) {
        throw new TypeError(`backoff ${key} must be a number >= 0`);
      }
    }
  }
}

/** The delay after failed attempt `n` (n >= 1), per duroxide-node's built-in parameters. */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  const backoff = policy.backoff ?? 'exponential';
  const spec: BackoffSpec = typeof backoff === 'string' ? { kind: backoff } : backoff;
  const { baseMs, maxMs, multiplier } = { ...DEFAULTS[spec.kind], ...withoutUndefined(spec) };
  switch (spec.kind) {
    case 'exponential':
      return Math.round(Math.min(baseMs * multiplier ** (attempt - 1), maxMs));
    case 'linear':
      return Math.round(Math.min(baseMs * attempt, maxMs));
    case 'fixed':
      return Math.round(baseMs);
    case 'none':
      return 0;
  }
}

function withoutUndefined(spec: BackoffSpec): Partial<BackoffSpec> {
  return Object.fromEntries(Object.entries(spec).filter(([key, v]) => key !== 'kind' && v !== undefined));
}

const timeout = (message: string) => new TaskFailedError(applicationError('ActivityFailed', message), 'retry');

/** The error behind a failed race entry (kept off the enumerable fields the user sees). */
export const RACE_ERROR = Symbol('duroxide.raceError');
const errorOf = (result: RaceResult): unknown => (result as { [RACE_ERROR]?: unknown })[RACE_ERROR];

/** The retry routine of §1.4.4, written in the primitives so its history is ordinary events. */
export function* retryRoutine(name: string, input: unknown, policy: RetryPolicy): Generator<unknown, unknown, any> {
  if (policy.totalTimeoutMs !== undefined) {
    const attempts = new Task({ kind: 'routine', start: () => attemptLoop(name, input, policy) });
    const result = (yield new Task({
      kind: 'race',
      tasks: [attempts, new Task({ kind: 'timer', delayMs: policy.totalTimeoutMs })],
    })) as RaceResult;
    if (result.index === 1) throw timeout('timeout: retry deadline exceeded');
    if ('error' in result) throw errorOf(result);
    return result.value;
  }
  return yield* attemptLoop(name, input, policy);
}

function* attemptLoop(name: string, input: unknown, policy: RetryPolicy): Generator<unknown, unknown, any> {
  let last: unknown;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    const activity = new Task({ kind: 'activity', name, input });
    if (policy.timeoutMs !== undefined) {
      const result = (yield new Task({
        kind: 'race',
        tasks: [activity, new Task({ kind: 'timer', delayMs: policy.timeoutMs })],
      })) as RaceResult;
      if (result.index === 1) throw timeout('timeout: activity timed out');
      if ('value' in result) return result.value;
      last = errorOf(result);
    } else {
      try {
        return yield activity;
      } catch (error) {
        last = error;
      }
    }
    const delay = attempt < policy.maxAttempts ? retryDelay(policy, attempt) : 0;
    if (delay > 0) yield new Task({ kind: 'timer', delayMs: delay });
  }
  throw last;
}
