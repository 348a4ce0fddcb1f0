/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- duroxide-node's API carries untyped JSON values; definitions narrow them where users declare types */
import type { ActivityDefinition, InputOf, OrchestrationDefinition, OutputOf } from './definitions.js';
import { nameOf } from './definitions.js';
import { NotSupportedError } from './errors.js';
import type { RetryPolicy } from './retry.js';
import { type JoinResult, type RaceResult, Task } from './tasks.js';

export type TraceLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the engine lends a context for one turn. */
export interface ContextHost {
  isReplaying(): boolean;
  trace(level: TraceLevel, message: string): void;
  /** The custom status the execution starts with (carried over by continue-as-new). */
  initialCustomStatus: string | null;
  /** A live change of the custom status, recorded as `CustomStatusUpdated` in the turn's delta (§1.4.8). */
  customStatusChanged(status: string | null): void;
}

type ActivityTarget = string | ActivityDefinition<any, any>;
type OrchestrationTarget = string | OrchestrationDefinition<any, any>;
type Out<D, Fallback = any> = D extends string ? Fallback : OutputOf<D>;
type In<D> = D extends string ? unknown : InputOf<D>;

/**
 * What orchestration code sees (§1.4). Every scheduling method returns an inert descriptor; `yield` records it.
 * Definitions (`defineActivity`/`defineOrchestration`) give checked inputs and, with `yield*`, typed results.
 */
export class OrchestrationContext {
  private customStatus: string | null;

  constructor(
    readonly instanceId: string,
    readonly executionId: number,
    readonly orchestrationName: string,
    readonly orchestrationVersion: string,
    private readonly host: ContextHost,
  ) {
    this.customStatus = host.initialCustomStatus;
  }

  get isReplaying(): boolean {
    return this.host.isReplaying();
  }

  scheduleActivity<D extends ActivityTarget>(
    activity: D,
    input?: In<D>,
    options?: { sessionId?: string },
  ): Task<Out<D>> {
    if (options?.sessionId !== undefined) throw new NotSupportedError('activity sessions are not supported');
    return new Task<Out<D>>({ kind: 'activity', name: nameOf(activity), input });
  }

  scheduleActivityWithRetry<D extends ActivityTarget>(activity: D, input: In<D>, retry: RetryPolicy): Task<Out<D>> {
    return new Task<Out<D>>({ kind: 'retry', name: nameOf(activity), input, policy: retry });
  }

  scheduleTimer(delayMs: number): Task<null> {
    return new Task({ kind: 'timer', delayMs });
  }

  waitForEvent<T = any>(name: string): Task<T> {
    return new Task({ kind: 'wait', name });
  }

  scheduleSubOrchestration<D extends OrchestrationTarget>(orchestration: D, input?: In<D>): Task<Out<D>> {
    return this.sub(orchestration, null, null, input);
  }

  scheduleSubOrchestrationWithId<D extends OrchestrationTarget>(
    orchestration: D,
    instanceId: string,
    input?: In<D>,
  ): Task<Out<D>> {
    return this.sub(orchestration, instanceId, null, input);
  }

  scheduleSubOrchestrationVersioned<D extends OrchestrationTarget>(
    orchestration: D,
    version: string | null,
    input?: In<D>,
  ): Task<Out<D>> {
    return this.sub(orchestration, null, version, input);
  }

  scheduleSubOrchestrationVersionedWithId<D extends OrchestrationTarget>(
    orchestration: D,
    version: string | null,
    instanceId: string,
    input?: In<D>,
  ): Task<Out<D>> {
    return this.sub(orchestration, instanceId, version, input);
  }

  private sub(target: OrchestrationTarget, instanceId: string | null, version: string | null, input: unknown) {
    return new Task<any>({ kind: 'sub', name: nameOf(target), instanceId, version, input });
  }

  startOrchestration<D extends OrchestrationTarget>(orchestration: D, instanceId: string, input?: In<D>): Task<null> {
    return new Task({ kind: 'detached', name: nameOf(orchestration), instanceId, version: null, input });
  }

  startOrchestrationVersioned<D extends OrchestrationTarget>(
    orchestration: D,
    version: string | null,
    instanceId: string,
    input?: In<D>,
  ): Task<null> {
    return new Task({ kind: 'detached', name: nameOf(orchestration), instanceId, version, input });
  }

  continueAsNew(input?: unknown): Task<never> {
    return new Task({ kind: 'continueAsNew', input, version: null });
  }

  continueAsNewVersioned(input: unknown, version: string): Task<never> {
    return new Task({ kind: 'continueAsNew', input, version });
  }

  newGuid(): Task<string> {
    return new Task({ kind: 'system', op: 'guid' });
  }

  utcNow(): Task<number> {
    return new Task({ kind: 'system', op: 'utcnow_ms' });
  }

  all<T extends readonly Task<unknown>[]>(tasks: T): Task<{ [K in keyof T]: JoinResult<TaskValue<T[K]>> }> {
    return new Task({ kind: 'all', tasks });
  }

  race<T = any>(...tasks: (Task<unknown> | readonly Task<unknown>[])[]): Task<RaceResult<T>> {
    const list = tasks.length === 1 && Array.isArray(tasks[0]) ? tasks[0] : tasks;
    return new Task({ kind: 'race', tasks: list as readonly unknown[] });
  }

  /**
   * §1.4.8: visible to the client (`getStatus().customStatus`, `waitForStatusChange`) once the turn commits. During
   * replay only the in-memory value changes, so each live call is recorded once.
   */
  setCustomStatus(status: string): void {
    if (typeof status !== 'string') throw new TypeError('custom status must be a string');
    if (Buffer.byteLength(status) > MAX_CUSTOM_STATUS_BYTES) {
      throw new TypeError(`custom status exceeds ${MAX_CUSTOM_STATUS_BYTES} bytes`);
    }
    this.changeCustomStatus(status);
  }
  resetCustomStatus(): void {
    this.changeCustomStatus(null);
  }
  private changeCustomStatus(status: string | null): void {
    this.customStatus = status;
    if (!this.host.isReplaying()) this.host.customStatusChanged(status);
  }
  getCustomStatus(): string | null {
    return this.customStatus;
  }

  trace(level: TraceLevel, message: string): void {
    if (!this.host.isReplaying()) this.host.trace(level, message);
  }
  traceInfo(message: string): void {
    this.trace('info', message);
  }
  traceWarn(message: string): void {
    this.trace('warn', message);
  }
  traceError(message: string): void {
    this.trace('error', message);
  }
  traceDebug(message: string): void {
    this.trace('debug', message);
  }

  scheduleActivityOnSession(): never {
    throw new NotSupportedError('activity sessions are not supported');
  }
  dequeueEvent(): never {
    throw new NotSupportedError('event queues are not supported');
  }
  getValueFromInstance(): never {
    throw new NotSupportedError('getValueFromInstance is not supported');
  }
}

/** duroxide's `MAX_CUSTOM_STATUS_BYTES`. */
const MAX_CUSTOM_STATUS_BYTES = 256 * 1024;

type TaskValue<T> = T extends Task<infer V> ? V : unknown;
