/* eslint-disable @typescript-eslint/no-explicit-any -- duroxide-node's API carries untyped JSON values; definitions narrow them where users declare types */
import type { CustomStatusChange, ExecutionInfo, InstanceInfo } from '../provider/types/index.js';
import { decode, decodeTyped, displayMessage, encode } from './codec.js';
import type { InputOf, OrchestrationDefinition } from './definitions.js';
import { nameOf } from './definitions.js';
import { NotSupportedError, OrchestrationFailedError, TimeoutError } from './errors.js';
import type { RuntimeProvider } from './runtime-provider.js';
import type { Attributes, TelemetryOption } from './telemetry/otel-api.js';
import { resolveTelemetry, type Telemetry } from './telemetry/telemetry.js';
import { type ErrorDetails, type HistoryEvent, withTraceContext } from './wire.js';

/**
 * §1.6. `customStatus` (`null` once reset) and `customStatusVersion` (counts the turns that changed it, for the whole
 * instance: continue-as-new keeps both) are present once the orchestration has set a custom status.
 */
export type OrchestrationStatus = (
  | { status: 'NotFound' }
  | { status: 'Running' }
  | { status: 'Completed'; output: unknown }
  | { status: 'Failed'; error: string; details: ErrorDetails }
) & { customStatus?: string | null; customStatusVersion?: number };

type Target = string | OrchestrationDefinition<any, any>;
type In<D> = D extends string ? unknown : InputOf<D>;

import { Waker } from './runtime/waker.js';

function isRetryable(error: unknown): boolean {
  return (error as { retryable?: unknown })?.retryable === true;
}

/** Starts, signals, cancels and inspects orchestrations (§1.6); every method is a provider call. */
export class Client {
  /** Ends polling waits early when the runtime in this process commits a turn (§3.3 in-process wake-ups). */
  private readonly changes = new Waker();

  /** Called by the runtime after each committed turn; only shortens waits. */
  notifyChanged(): void {
    this.changes.wakeAll();
  }

  constructor(
    private readonly provider: RuntimeProvider,
    private readonly options: {
      onEnqueue?: () => void;
      /** Telemetry for `duroxide.client.*` spans (§5.3); default: the global providers, if the API is installed. */
      telemetry?: TelemetryOption | Promise<Telemetry>;
    } = {},
  ) {}

  private telemetry: Promise<Telemetry> | undefined;

  /** A PRODUCER span around one enqueue; `enqueue` receives its `traceparent` for W3's `trace_context`. */
  private async produce(
    operation: 'start' | 'raise' | 'cancel',
    instance: string,
    attributes: Attributes,
    enqueue: (traceparent: string | undefined) => Promise<void>,
  ): Promise<void> {
    const option = this.options.telemetry;
    this.telemetry ??= option instanceof Promise ? option : resolveTelemetry(option);
    const { tracing } = await this.telemetry;
    const span = tracing.start(`duroxide.client.${operation}`, 'PRODUCER', {
      'duroxide.instance_id': instance,
      ...attributes,
    });
    try {
      await enqueue(span.traceparent());
    } catch (error) {
      span.fail((error as Error)?.message ?? String(error));
      throw error;
    } finally {
      span.end();
    }
    this.options.onEnqueue?.();
  }

  async startOrchestration<D extends Target>(instanceId: string, orchestration: D, input?: In<D>): Promise<void> {
    await this.start(instanceId, nameOf(orchestration), input, null);
  }

  async startOrchestrationVersioned<D extends Target>(
    instanceId: string,
    orchestration: D,
    input: In<D>,
    version: string,
  ): Promise<void> {
    await this.start(instanceId, nameOf(orchestration), input, version);
  }

  private async start(instance: string, orchestration: string, input: unknown, version: string | null) {
    requireId(instance);
    const body = {
      instance,
      orchestration,
      input: encode(input),
      version,
      parent_instance: null,
      parent_id: null,
      execution_id: 1,
    };
    await this.produce('start', instance, { 'duroxide.orchestration.name': orchestration }, (traceparent) =>
      this.provider.enqueueOrchestratorWork({ StartOrchestration: withTraceContext(body, traceparent) }),
    );
  }

  async raiseEvent(instanceId: string, name: string, data?: unknown): Promise<void> {
    requireId(instanceId);
    const body = { instance: instanceId, name, data: encode(data) };
    await this.produce('raise', instanceId, { 'duroxide.event.name': name }, (traceparent) =>
      this.provider.enqueueOrchestratorWork({ ExternalRaised: withTraceContext(body, traceparent) }),
    );
  }

  async cancelInstance(instanceId: string, reason = ''): Promise<void> {
    requireId(instanceId);
    await this.produce('cancel', instanceId, {}, () =>
      this.provider.enqueueOrchestratorWork({ CancelInstance: { instance: instanceId, reason } }),
    );
  }
  cancelOrchestration(instanceId: string, reason = ''): Promise<void> {
    return this.cancelInstance(instanceId, reason);
  }

  /** The current execution's history (`read`) and the instance's custom status (`getCustomStatus`, v2 §3.16). */
  async getStatus(instanceId: string): Promise<OrchestrationStatus> {
    requireId(instanceId);
    const [history, custom] = await Promise.all([
      this.provider.read(instanceId),
      this.provider.getCustomStatus(instanceId, 0),
    ]);
    return withCustomStatus(statusOf(history), custom);
  }
  getOrchestrationStatus(instanceId: string): Promise<OrchestrationStatus> {
    return this.getStatus(instanceId);
  }

  /** Polls `getStatus` (5, 10, 20 … 100 ms) until the instance is Completed or Failed. */
  async waitForOrchestration(
    instanceId: string,
    timeoutMs = 30_000,
  ): Promise<Extract<OrchestrationStatus, { status: 'Completed' | 'Failed' }>> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      try {
        const status = await this.getStatus(instanceId);
        if (status.status === 'Completed' || status.status === 'Failed') return status;
      } catch (error) {
        if (!isRetryable(error)) throw error;
      }
      if (Date.now() >= deadline) throw new TimeoutError(`Operation timed out waiting for ${instanceId}`);
      await this.changes.wait(Math.min(delay, Math.max(0, deadline - Date.now())));
    }
  }

  /**
   * Polls the cheap `getCustomStatus(id, lastSeenVersion)` (every `pollIntervalMs`, sooner when this process's runtime
   * commits a turn) until the custom status changed past `lastSeenVersion` or the instance is terminal; returns the
   * status then. `TimeoutError` otherwise.
   */
  async waitForStatusChange(
    instanceId: string,
    lastSeenVersion: number,
    pollIntervalMs = 500,
    timeoutMs = 30_000,
  ): Promise<OrchestrationStatus> {
    requireId(instanceId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const change = await this.provider.getCustomStatus(instanceId, lastSeenVersion);
        if (change) return withCustomStatus(statusOf(await this.provider.read(instanceId)), change);
        const status = await this.getStatus(instanceId);
        if (status.status === 'Completed' || status.status === 'Failed') return status;
      } catch (error) {
        if (!isRetryable(error)) throw error;
      }
      if (Date.now() >= deadline) {
        throw new TimeoutError(`Operation timed out waiting for a status change of ${instanceId}`);
      }
      await this.changes.wait(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())));
    }
  }

  /** The decoded output, or `OrchestrationFailedError`. */
  async waitForOrchestrationTyped<O = unknown>(instanceId: string, timeoutMs = 30_000): Promise<O> {
    const status = await this.waitForOrchestration(instanceId, timeoutMs);
    if (status.status === 'Failed') throw new OrchestrationFailedError(status.error, status.details);
    return (typeof status.output === 'string' ? decodeTyped(JSON.stringify(status.output)) : status.output) as O;
  }

  /** Typed: the output of an instance of `definition`, or `OrchestrationFailedError`. */
  async waitForOutput<O>(
    instanceId: string,
    _definition: OrchestrationDefinition<any, O>,
    timeoutMs = 30_000,
  ): Promise<Awaited<O>> {
    const status = await this.waitForOrchestration(instanceId, timeoutMs);
    if (status.status === 'Failed') throw new OrchestrationFailedError(status.error, status.details);
    return status.output as Awaited<O>;
  }

  listAllInstances(): Promise<string[]> {
    return this.provider.listInstances();
  }
  listInstancesByStatus(status: string): Promise<string[]> {
    return this.provider.listInstancesByStatus(status);
  }
  async getInstanceInfo(instanceId: string): Promise<InstanceInfo & { decodedOutput: unknown }> {
    const info = await this.provider.getInstanceInfo(instanceId);
    return { ...info, decodedOutput: info.output === null ? null : decode(info.output) };
  }
  getExecutionInfo(instanceId: string, executionId: number): Promise<ExecutionInfo> {
    return this.provider.getExecutionInfo(instanceId, executionId);
  }
  listExecutions(instanceId: string): Promise<number[]> {
    return this.provider.listExecutions(instanceId);
  }
  readExecutionHistory(instanceId: string, executionId: number): Promise<HistoryEvent[]> {
    return this.provider.readExecution(instanceId, executionId);
  }

  /** Every instance below `instanceId`, from the children its executions scheduled. */
  async getInstanceTree(instanceId: string): Promise<{ rootId: string; allIds: string[]; size: number }> {
    const allIds: string[] = [];
    const visit = async (id: string): Promise<void> => {
      if (allIds.includes(id)) return;
      allIds.push(id);
      for (const executionId of await this.provider.listExecutions(id)) {
        for (const event of await this.provider.readExecution(id, executionId)) {
          if ('SubOrchestrationScheduled' in event) await visit(event.SubOrchestrationScheduled.instance);
        }
      }
    };
    await visit(instanceId);
    return { rootId: instanceId, allIds, size: allIds.length };
  }

  getSystemMetrics() {
    return this.provider.getSystemMetrics();
  }
  getQueueDepths() {
    return this.provider.getQueueDepths();
  }

  deleteInstance(): never {
    throw new NotSupportedError('deleting instances needs provider support (contract v2 P5)');
  }
  pruneExecutions(): never {
    throw new NotSupportedError('pruning executions needs provider support (contract v2 P5)');
  }
  enqueueEvent(): never {
    throw new NotSupportedError('event queues are not supported');
  }
}

function requireId(id: string): void {
  if (typeof id !== 'string' || id === '') throw new TypeError('instance id must be a non-empty string');
}

function withCustomStatus(status: OrchestrationStatus, custom: CustomStatusChange | null): OrchestrationStatus {
  return custom === null
    ? status
    : { ...status, customStatus: custom.customStatus, customStatusVersion: custom.version };
}

/** Status from the current execution's history (§1.6). */
export function statusOf(history: HistoryEvent[]): OrchestrationStatus {
  const last = history.at(-1);
  if (!last) return { status: 'NotFound' };
  if ('OrchestrationCompleted' in last)
    return { status: 'Completed', output: decode(last.OrchestrationCompleted.output) };
  if ('OrchestrationFailed' in last) {
    const details = last.OrchestrationFailed.details;
    return { status: 'Failed', error: displayMessage(details), details };
  }
  return { status: 'Running' };
}
