/* eslint-disable @typescript-eslint/no-explicit-any -- duroxide-node's API carries untyped JSON values; definitions narrow them where users declare types */
import { setMaxListeners } from 'node:events';
import { Client } from '../client.js';
import type { ActivityDefinition, ActivityFn, OrchestrationDefinition, OrchestrationFn } from '../definitions.js';
import { childLogger, jsonLogger, type Logger } from '../logger.js';
import type { MetricsSnapshot } from '../metrics.js';
import { Registry, type VersionPolicy } from '../registry.js';
import type { RuntimeProvider } from '../runtime-provider.js';
import { replayCheck, type ReplayCheckResult } from '../replay-check.js';
import type { HistoryEvent } from '../wire.js';
import { instrumentProvider } from '../telemetry/instrumented-provider.js';
import { RuntimeMetrics } from '../telemetry/runtime-metrics.js';
import { resolveTelemetry, RUNTIME_VERSION, type Telemetry } from '../telemetry/telemetry.js';
import { factsOf, type RuntimeCore } from './core.js';
import { ExecutionNames } from './execution-names.js';
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from './options.js';
import { orchestrationSlot } from './orchestration-slot.js';
import { Waker } from './waker.js';
import { workerSlot } from './worker-slot.js';

/** Runs registered orchestrations and activities against a provider (§1.3, §3). */
export class Runtime {
  private readonly registry = new Registry();
  private readonly options: ResolvedOptions;
  private metrics = new RuntimeMetrics(null);
  /** Started at construction so `runtime.client` traces too; resolves to no-ops without `@opentelemetry/api`. */
  private readonly telemetry: Promise<Telemetry>;
  private gaugePoller: NodeJS.Timeout | undefined;
  private readonly orchestrationWaker = new Waker();
  private readonly workerWaker = new Waker();
  private readonly deadline = new AbortController();
  private readonly stopping = new AbortController();
  private slots: Promise<void>[] = [];
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  readonly client: Client;

  constructor(
    private readonly provider: RuntimeProvider,
    options: RuntimeOptions = {},
  ) {
    const base = options.logger ?? jsonLogger(options.logLevel ?? 'info');
    const service = {
      ...(options.serviceName === undefined ? {} : { service_name: options.serviceName }),
      ...(options.serviceVersion === undefined ? {} : { service_version: options.serviceVersion }),
    };
    this.options = resolveOptions(options, provider.lockTimeoutMs, childLogger(base, service));
    this.telemetry = resolveTelemetry(this.options.telemetry);
    // Listeners are removed when their wait ends, so at most one per slot's fetch (stop) and two per running activity
    // (deadline: its signal, and its cancellation grace period) exist at once; Node warns of any more, as a leak.
    const { orchestrationConcurrency, workerConcurrency } = this.options;
    setMaxListeners(orchestrationConcurrency + workerConcurrency, this.stopping.signal);
    setMaxListeners(Math.max(1, 2 * workerConcurrency), this.deadline.signal);
    this.client = new Client(provider, {
      onEnqueue: () => this.orchestrationWaker.wakeOne(),
      telemetry: this.telemetry,
    });
  }

  registerActivity(name: string, fn: ActivityFn): this;
  registerActivity(definition: ActivityDefinition<any, any>): this;
  registerActivity(target: string | ActivityDefinition<any, any>, fn?: ActivityFn): this {
    this.requireNew();
    if (typeof target === 'string') this.registry.addActivity(target, fn!);
    else this.registry.addActivity(target.name, target.fn);
    return this;
  }

  registerOrchestration(name: string, fn: OrchestrationFn): this;
  registerOrchestration(definition: OrchestrationDefinition<any, any>): this;
  registerOrchestration(target: string | OrchestrationDefinition<any, any>, fn?: OrchestrationFn): this {
    this.requireNew();
    if (typeof target === 'string') this.registry.addOrchestration(target, '1.0.0', fn!);
    else this.registry.addOrchestration(target.name, target.version, target.fn);
    return this;
  }

  registerOrchestrationVersioned(name: string, version: string, fn: OrchestrationFn): this {
    this.requireNew();
    this.registry.addOrchestration(name, version, fn);
    return this;
  }

  /** Registers every definition given (activities and orchestrations). */
  register(...definitions: (ActivityDefinition<any, any> | OrchestrationDefinition<any, any>)[]): this {
    for (const d of definitions) {
      if (d.type === 'activity') this.registerActivity(d);
      else this.registerOrchestration(d);
    }
    return this;
  }

  setVersionPolicy(name: string, policy: VersionPolicy): this {
    this.registry.setPolicy(name, policy);
    return this;
  }

  private requireNew(): void {
    if (this.state !== 'new') throw new Error('handlers must be registered before start()');
  }

  /** Re-runs a stored execution through the engine with this runtime's handlers (no I/O). */
  replayCheck(history: HistoryEvent[]): ReplayCheckResult {
    return replayCheck(history, this.registry);
  }

  metricsSnapshot(): MetricsSnapshot {
    return { ...this.metrics.snapshot };
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('start() was already called');
    this.state = 'running';
    const o = this.options;
    const runtimeLog = childLogger(o.logger, { logger: 'duroxide.runtime' });
    const telemetry = await this.telemetry;
    if (telemetry.unavailable !== undefined && o.telemetry !== undefined) {
      runtimeLog.warn({ error: telemetry.unavailable }, '@opentelemetry/api is not available; telemetry is off');
    }
    const busy = { orchestration: 0, worker: 0 };
    let polled: { activeOrchestrations: number; orchestratorQueue: number; workerQueue: number } | null = null;
    this.metrics = new RuntimeMetrics(telemetry.meter, { busySlots: (d) => busy[d], polled: () => polled });
    const provider = instrumentProvider(this.provider, this.metrics, telemetry.tracing);
    const core: RuntimeCore = {
      provider,
      registry: this.registry,
      options: o,
      metrics: this.metrics,
      tracing: telemetry.tracing,
      busy,
      orchestrationWaker: this.orchestrationWaker,
      workerWaker: this.workerWaker,
      client: this.client,
      executionNames: new ExecutionNames(),
      log: {
        runtime: runtimeLog,
        orchestration: childLogger(o.logger, { logger: 'duroxide.orchestration' }),
        activity: childLogger(o.logger, { logger: 'duroxide.activity' }),
      },
      isStopping: () => this.state !== 'running',
      stopSignal: this.stopping.signal,
      isPastDeadline: () => this.deadline.signal.aborted,
      deadlineSignal: this.deadline.signal,
      report: (error, operation, extra = {}) => {
        const facts = factsOf(error);
        const fields = { ...extra, operation, sqlstate: facts.sqlstate, error: facts.message };
        if (facts.retryable) runtimeLog.warn(fields, 'provider error');
        else runtimeLog.error(fields, 'runtime error');
        const instance = extra.instance_id;
        o.onError?.(error, { operation, ...(typeof instance === 'string' ? { instance } : {}) });
      },
    };
    const guard = (loop: Promise<void>) => loop.catch((error: unknown) => core.report(error, 'slot'));
    for (let i = 0; i < o.orchestrationConcurrency; i++) {
      this.slots.push(guard(orchestrationSlot(core, `orch-${i}-${o.workerNodeId}`)));
    }
    for (let i = 0; i < o.workerConcurrency; i++) {
      this.slots.push(guard(workerSlot(core, `work-${i}-${o.workerNodeId}`)));
    }
    if (telemetry.meter) {
      // §5.2 gauges from the provider, at start and every 60 s; only worth the queries when a meter reads them.
      const poll = async () => {
        try {
          const [system, depths] = await Promise.all([provider.getSystemMetrics(), provider.getQueueDepths()]);
          polled = {
            activeOrchestrations: system.runningInstances,
            orchestratorQueue: depths.orchestratorQueue,
            workerQueue: depths.workerQueue,
          };
        } catch (error) {
          core.report(error, 'gauges');
        }
      };
      void poll();
      this.gaugePoller = setInterval(() => void poll(), 60_000);
      this.gaugePoller.unref();
    }
    this.runtimeLog = runtimeLog;
    runtimeLog.info(
      {
        orchestration_concurrency: o.orchestrationConcurrency,
        worker_concurrency: o.workerConcurrency,
        orchestrator_lock_timeout_ms: o.orchestratorLockTimeoutMs,
        worker_lock_timeout_ms: o.workerLockTimeoutMs,
        runtime_version: RUNTIME_VERSION,
        provider_schema: (this.provider as { schema?: unknown }).schema ?? null,
        worker_node_id: o.workerNodeId,
        tracing: telemetry.tracing.enabled,
      },
      'runtime started',
    );
  }

  private runtimeLog: Logger | undefined;

  /** §3.7: stop fetching, let turns ack and activities finish until the deadline, resolve once every slot stopped. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    this.stopping.abort();
    this.orchestrationWaker.wakeAll();
    this.workerWaker.wakeAll();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(this.slots), deadline]);
    clearTimeout(timer);
    this.deadline.abort();
    await Promise.all(this.slots);
    clearInterval(this.gaugePoller);
    this.state = 'stopped';
    this.runtimeLog?.info({ runtime_version: RUNTIME_VERSION }, 'runtime stopped');
  }
}
