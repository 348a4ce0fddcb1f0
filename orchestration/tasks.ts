import type { RetryPolicy } from './retry.js';

/** What a yielded descriptor asks for; the engine turns it into decisions (§2.4). */
export type TaskSpec =
  | { kind: 'activity'; name: string; input: unknown }
  | { kind: 'retry'; name: string; input: unknown; policy: RetryPolicy }
  | { kind: 'timer'; delayMs: number }
  | { kind: 'wait'; name: string }
  | { kind: 'sub'; name: string; instanceId: string | null; version: string | null; input: unknown }
  | { kind: 'detached'; name: string; instanceId: string; version: string | null; input: unknown }
  | { kind: 'system'; op: 'guid' | 'utcnow_ms' }
  | { kind: 'all'; tasks: readonly unknown[] }
  | { kind: 'race'; tasks: readonly unknown[] }
  | { kind: 'continueAsNew'; input: unknown; version: string | null }
  /** Runtime-internal: a routine of further descriptors (the retry loop). */
  | { kind: 'routine'; start: () => Generator<unknown, unknown, unknown> };

const TASK = Symbol('duroxide.task');

/**
 * An inert, frozen task descriptor: creating one does nothing; yielding it records the decision. `T` is the value
 * the yield resolves to; `yield*` on a task gives that type statically.
 */
export class Task<T = unknown> {
  readonly [TASK] = true;
  constructor(readonly spec: TaskSpec) {
    Object.freeze(this);
  }
  *[Symbol.iterator](): Generator<Task<T>, T, unknown> {
    return (yield this) as T;
  }
}

export const isTask = (value: unknown): value is Task => value instanceof Task;

export type JoinResult<T = unknown> = { ok: T } | { err: string };
export type RaceResult<T = unknown> = { index: number; value: T } | { index: number; error: string };
