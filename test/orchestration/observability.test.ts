import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defineActivity, defineOrchestration, type OrchestrationContext } from '../../orchestration/index.js';
import type { LogFields, Logger } from '../../orchestration/logger.js';
import { resolveTelemetry } from '../../orchestration/telemetry/telemetry.js';
import { kinds, useHarness, waitForSubscription } from './support/harness.js';
import { AsyncContextManager, CollectingReader, memoryTracer } from './support/otel.js';

const h = useHarness();

const hello = defineActivity('Hello', (_ctx, name: string) => `Hello, ${name}!`);
const helloWorld = defineOrchestration('HelloWorld', function* (ctx, input: string) {
  yield ctx.scheduleActivity(hello, 'Rust');
  return yield* ctx.scheduleActivity(hello, input);
});

const spanIdOf = (span: ReadableSpan) => span.spanContext().spanId;
const linkedSpanIds = (span: ReadableSpan) => span.links.map((l) => l.context.spanId);

describe('E2E observability', () => {
  it('E2E-58 metrics and spans', async () => {
    const provider = await h.provider();
    const otel = memoryTracer();
    const rt = h.runtime(provider, { telemetry: { tracer: otel.tracer } }).register(hello, helloWorld);
    await rt.start();
    await rt.client.startOrchestration('hello-58', helloWorld, 'secret-input');
    expect(await rt.client.waitForOrchestration('hello-58')).toEqual({
      status: 'Completed',
      output: 'Hello, secret-input!',
    });
    await rt.shutdown();

    const m = rt.metricsSnapshot();
    expect(m.orchStarts).toBeGreaterThanOrEqual(1);
    expect(m.orchCompletions).toBeGreaterThanOrEqual(1);
    expect(m.activitySuccess).toBeGreaterThanOrEqual(2);
    expect(m.orchDispatcherItemsFetched).toBeGreaterThanOrEqual(3);

    // Three turns (start; first result; second result) and two activities, each with exactly one span.
    const history = await provider.read('hello-58');
    expect(kinds(history).filter((k) => k === 'ActivityCompleted')).toHaveLength(2);
    const turns = otel.named('duroxide.turn ');
    const activities = otel.named('duroxide.activity ');
    expect(turns).toHaveLength(3);
    expect(activities).toHaveLength(2);

    for (const turn of turns) {
      expect(turn.name).toBe('duroxide.turn HelloWorld');
      expect(turn.kind).toBe(SpanKind.CONSUMER);
      expect(turn.status.code).not.toBe(SpanStatusCode.ERROR);
      expect(turn.attributes).toMatchObject({
        'duroxide.instance_id': 'hello-58',
        'duroxide.execution_id': 1,
        'duroxide.orchestration.name': 'HelloWorld',
        'duroxide.orchestration.version': '1.0.0',
        'duroxide.turn.messages': 1,
        'duroxide.attempt': 1,
      });
      expect(turn.attributes['duroxide.worker_id']).toMatch(/^orch-\d+-/);
    }
    const byOutcome = turns.map((t) => [
      t.attributes['duroxide.turn.outcome'],
      t.attributes['duroxide.turn.replayed_events'],
      t.attributes['duroxide.turn.new_events'],
    ]);
    expect(byOutcome).toEqual([
      ['continue', 0, 2],
      ['continue', 2, 2],
      ['completed', 4, 2],
    ]);

    for (const [i, activity] of activities.entries()) {
      expect(activity.name).toBe('duroxide.activity Hello');
      expect(activity.kind).toBe(SpanKind.CONSUMER);
      expect(activity.attributes).toMatchObject({
        'duroxide.instance_id': 'hello-58',
        'duroxide.execution_id': 1,
        'duroxide.activity.name': 'Hello',
        'duroxide.activity.id': [2, 4][i],
        'duroxide.attempt': 1,
        'duroxide.activity.outcome': 'success',
      });
      // W3: linked (not parented) to the turn that scheduled it.
      expect(activity.parentSpanContext).toBeUndefined();
      expect(linkedSpanIds(activity)).toEqual([spanIdOf(turns[i]!)]);
    }

    // The client's start is a PRODUCER span; the first turn links to it.
    const [start] = otel.named('duroxide.client.start');
    expect(start!.kind).toBe(SpanKind.PRODUCER);
    expect(start!.attributes).toMatchObject({
      'duroxide.instance_id': 'hello-58',
      'duroxide.orchestration.name': 'HelloWorld',
    });
    expect(linkedSpanIds(turns[0]!)).toEqual([spanIdOf(start!)]);
    // Payloads never go into attributes.
    for (const span of otel.spans()) expect(JSON.stringify(span.attributes)).not.toContain('secret');
  });

  it('failures set ERROR status; live traces become turn span events once; raise and cancel are producer spans', async () => {
    const provider = await h.provider();
    const otel = memoryTracer();
    const rt = h.runtime(provider, { telemetry: { tracer: otel.tracer } });
    rt.registerActivity('Boom', () => {
      throw new Error('boom');
    });
    rt.registerOrchestration('Fails', function* (ctx: OrchestrationContext) {
      ctx.traceInfo('before boom');
      try {
        yield ctx.scheduleActivity('Boom');
      } catch {
        ctx.traceWarn('caught');
      }
      const reason: unknown = yield ctx.waitForEvent('Go');
      throw new Error(`gave up: ${String(reason)}`);
    });
    rt.registerOrchestration('Waits', function* (ctx: OrchestrationContext) {
      return yield ctx.waitForEvent('never');
    });
    await rt.start();
    await rt.client.startOrchestration('fails', 'Fails');
    await waitForSubscription(provider, 'fails', 'Go');
    await rt.client.raiseEvent('fails', 'Go', 'tired');
    expect(await rt.client.waitForOrchestration('fails')).toMatchObject({ status: 'Failed', error: 'gave up: tired' });
    await rt.client.startOrchestration('waits', 'Waits');
    await waitForSubscription(provider, 'waits', 'never');
    await rt.client.cancelInstance('waits', 'stop');
    expect(await rt.client.waitForOrchestration('waits')).toMatchObject({ status: 'Failed', error: 'canceled: stop' });
    await rt.shutdown();

    const [activity] = otel.named('duroxide.activity Boom');
    expect(activity!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(activity!.attributes['duroxide.activity.outcome']).toBe('app_error');

    const turns = otel.named('duroxide.turn Fails');
    const last = turns.at(-1)!;
    expect(last.attributes['duroxide.turn.outcome']).toBe('failed');
    expect(last.status).toEqual({ code: SpanStatusCode.ERROR, message: 'gave up: tired' });
    for (const turn of turns.slice(0, -1)) expect(turn.status.code).toBe(SpanStatusCode.UNSET);
    const events = turns.flatMap((t) => t.events.map((e) => [e.name, e.attributes?.['log.severity']]));
    expect(events).toEqual([
      ['before boom', 'info'],
      ['caught', 'warn'],
    ]);
    const [raise] = otel.named('duroxide.client.raise');
    expect(raise!.kind).toBe(SpanKind.PRODUCER);
    expect(raise!.attributes['duroxide.event.name']).toBe('Go');
    expect(linkedSpanIds(last)).toEqual([spanIdOf(raise!)]);

    const [cancel] = otel.named('duroxide.client.cancel');
    expect(cancel!.kind).toBe(SpanKind.PRODUCER);
    const cancelled = otel.named('duroxide.turn Waits').at(-1)!;
    expect(cancelled.attributes['duroxide.turn.outcome']).toBe('cancelled');
    expect(cancelled.status).toEqual({ code: SpanStatusCode.ERROR, message: 'canceled: stop' });
  });

  it("a child's first turn links to the parent turn that started it", async () => {
    const provider = await h.provider();
    const otel = memoryTracer();
    const rt = h.runtime(provider, { telemetry: { tracer: otel.tracer } });
    rt.registerOrchestration('Parent', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleSubOrchestration('Child');
    });
    rt.registerOrchestration('Child', function* (ctx: OrchestrationContext) {
      yield ctx.utcNow();
      return 'child';
    });
    await rt.start();
    await rt.client.startOrchestration('p', 'Parent');
    expect(await rt.client.waitForOrchestration('p')).toMatchObject({ output: 'child' });
    await rt.shutdown();
    const [parentFirst] = otel.named('duroxide.turn Parent');
    const [child] = otel.named('duroxide.turn Child');
    expect(child!.attributes['duroxide.instance_id']).toBe('p::sub::2');
    expect(linkedSpanIds(child!)).toEqual([spanIdOf(parentFirst!)]);
  });

  describe('with a context manager', () => {
    const manager = new AsyncContextManager();
    context.setGlobalContextManager(manager);
    afterAll(() => context.disable());

    it('provider spans (opt-in) are CLIENT children of the turn and activity spans', async () => {
      const provider = await h.provider();
      const otel = memoryTracer();
      const rt = h
        .runtime(provider, { telemetry: { tracer: otel.tracer, providerSpans: true } })
        .register(hello, helloWorld);
      await rt.start();
      await rt.client.startOrchestration('hello-p', helloWorld, 'World');
      await rt.client.waitForOrchestration('hello-p');
      await rt.shutdown();
      const turnIds = new Set(otel.named('duroxide.turn ').map(spanIdOf));
      const activityIds = new Set(otel.named('duroxide.activity ').map(spanIdOf));
      const acks = otel.named('duroxide.provider.ackOrchestrationItem');
      expect(acks).toHaveLength(3);
      for (const ack of acks) {
        expect(ack.kind).toBe(SpanKind.CLIENT);
        expect(ack.attributes['db.system']).toBe('postgresql');
        expect(turnIds.has(ack.parentSpanContext!.spanId)).toBe(true);
      }
      const workerAcks = otel.named('duroxide.provider.ackWorkItem');
      expect(workerAcks).toHaveLength(2);
      for (const ack of workerAcks) expect(activityIds.has(ack.parentSpanContext!.spanId)).toBe(true);
    });
  });

  it('metrics go to an OpenTelemetry meter with duroxide names, labels and units', async () => {
    const provider = await h.provider();
    const reader = new CollectingReader();
    const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
    const rt = h.runtime(provider, { telemetry: { meter } }).register(hello, helloWorld);
    await rt.start();
    await rt.client.startOrchestration('hello-m', helloWorld, 'World');
    await rt.client.waitForOrchestration('hello-m');
    await rt.shutdown();
    const { resourceMetrics } = await reader.collect();
    const metrics = new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
    const points = (name: string) => metrics.get(name)?.dataPoints.map((p) => [p.attributes, p.value]) ?? [];
    expect(points('duroxide_orchestration_starts_total')).toEqual([
      [{ orchestration_name: 'HelloWorld', version: '1.0.0', initiated_by: 'client' }, 1],
    ]);
    expect(points('duroxide_orchestration_completions_total')).toEqual([
      [{ orchestration_name: 'HelloWorld', version: '1.0.0', status: 'success' }, 1],
    ]);
    expect(points('duroxide_orchestration_turns_total')).toEqual(
      expect.arrayContaining([
        [{ orchestration_name: 'HelloWorld', outcome: 'continue' }, 2],
        [{ orchestration_name: 'HelloWorld', outcome: 'completed' }, 1],
      ]),
    );
    expect(points('duroxide_activity_executions_total')).toEqual([[{ activity_name: 'Hello', outcome: 'success' }, 2]]);
    expect(points('duroxide_dispatcher_items_fetched_total')).toEqual(
      expect.arrayContaining([
        [{ dispatcher: 'orchestration' }, 3],
        [{ dispatcher: 'worker' }, 2],
      ]),
    );
    for (const name of [
      'duroxide_orchestration_turn_duration_seconds',
      'duroxide_activity_duration_seconds',
      'duroxide_provider_operation_duration_seconds',
    ]) {
      expect(metrics.get(name)?.descriptor.unit).toBe('s');
    }
    const history = metrics.get('duroxide_orchestration_history_size')!.dataPoints[0]!.value as { sum: number };
    expect(history.sum).toBe(6);
    const operations = metrics
      .get('duroxide_provider_operation_duration_seconds')!
      .dataPoints.map((p) => p.attributes.operation);
    expect(operations).toEqual(
      expect.arrayContaining(['fetchOrchestrationItem', 'ackOrchestrationItem', 'ackWorkItem']),
    );
    expect(points('duroxide_dispatcher_busy_slots')).toEqual(
      expect.arrayContaining([
        [{ dispatcher: 'orchestration' }, 0],
        [{ dispatcher: 'worker' }, 0],
      ]),
    );
    for (const gauge of ['duroxide_active_orchestrations', 'duroxide_orchestrator_queue_depth']) {
      expect(metrics.has(gauge)).toBe(true);
    }
  });

  it('structured logs carry the §5.1 names and fields', async () => {
    const provider = await h.provider();
    const lines: { level: string; fields: LogFields; message: string }[] = [];
    const at =
      (level: string) =>
      (fields: LogFields, message: string): void =>
        void lines.push({ level, fields, message });
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const rt = h.runtime(provider, { logger, serviceName: 'svc', telemetry: false });
    rt.registerActivity('Echo', (ctx, v: string) => {
      ctx.traceInfo(`echo ${v}`);
      return v;
    });
    rt.registerOrchestration('Logs', function* (ctx: OrchestrationContext) {
      ctx.traceInfo('hello');
      yield ctx.scheduleActivity('Echo', 'x');
      throw new Error('nope');
    });
    await rt.start();
    await rt.client.startOrchestration('logs', 'Logs');
    await rt.client.waitForOrchestration('logs');
    await rt.shutdown();
    const find = (message: string) => lines.find((l) => l.message === message);
    expect(find('runtime started')?.fields).toMatchObject({
      logger: 'duroxide.runtime',
      service_name: 'svc',
      orchestration_concurrency: 4,
      runtime_version: expect.any(String),
      provider_schema: h.tenant.name,
    });
    expect(find('runtime stopped')).toBeDefined();
    expect(find('hello')?.fields).toMatchObject({
      logger: 'duroxide.orchestration',
      instance_id: 'logs',
      execution_id: 1,
      orchestration_name: 'Logs',
      orchestration_version: '1.0.0',
      worker_id: expect.stringMatching(/^orch-/),
      attempt: 1,
    });
    expect(find('echo x')?.fields).toMatchObject({
      logger: 'duroxide.activity',
      orchestration_name: 'Logs',
      orchestration_version: '1.0.0',
      activity_name: 'Echo',
      activity_id: 2,
      attempt: 1,
    });
    expect(find('activity started')?.level).toBe('debug');
    expect(find('execution started')?.fields).toMatchObject({ initiated_by: 'client', history_events: 2 });
    const failed = find('execution failed')!;
    expect(failed.level).toBe('warn');
    expect(failed.fields).toMatchObject({ error: 'nope', error_category: 'OrchestrationFailed', service_name: 'svc' });
    expect(find('turn committed')?.fields).toMatchObject({
      messages: 1,
      replayed_events: expect.any(Number),
      new_events: expect.any(Number),
      duration_ms: expect.any(Number),
    });
  });

  it('without @opentelemetry/api: telemetry resolves to no-ops and reports why', async () => {
    const missing = () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package '@opentelemetry/api'"), { code: 'ERR_MODULE_NOT_FOUND' }),
      );
    const auto = await resolveTelemetry(undefined, missing);
    expect(auto.tracing.enabled).toBe(false);
    expect(auto.meter).toBeNull();
    expect(auto.unavailable).toContain('Cannot find package');
    const span = auto.tracing.start('x', 'CONSUMER', {});
    expect(span.traceparent()).toBeUndefined();
    expect(await span.run(() => Promise.resolve(7))).toBe(7);
    const off = await resolveTelemetry(false);
    expect(off.tracing.enabled).toBe(false);
    expect(off.meter).toBeNull();
  });

  it.each([['auto'], ['explicit']])(
    'without @opentelemetry/api installed (%s telemetry): a runtime in its own process runs hello world',
    async (mode) => {
      await h.provider();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'support/no-otel-child.ts')],
        {
          env: { ...process.env, DATABASE_URL: inject('databaseUrl'), SCHEMA: h.tenant.name, TELEMETRY: mode },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
      const result = JSON.parse(out.trim()) as {
        apiLoads: boolean;
        status: unknown;
        metrics: { orchStarts: number; activitySuccess: number };
        warnings: string[];
      };
      expect(result.apiLoads).toBe(false);
      expect(result.status).toEqual({ status: 'Completed', output: 'Hello, World!' });
      expect(result.metrics).toMatchObject({ orchStarts: 1, activitySuccess: 1 });
      // Asked for telemetry explicitly: one warning says why it is off; automatic mode stays quiet.
      expect(result.warnings).toEqual(
        mode === 'explicit' ? ['@opentelemetry/api is not available; telemetry is off'] : [],
      );
    },
    30_000,
  );
});
