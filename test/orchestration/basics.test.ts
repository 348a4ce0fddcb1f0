import { describe, expect, it } from 'vitest';
import { defineActivity, defineOrchestration, type OrchestrationContext } from '../../orchestration/index.js';
import { hasKind, kinds, manualClock, useHarness, waitForHistory, waitForSubscription } from './support/harness.js';

const h = useHarness();

describe('E2E basics', () => {
  it('E2E-01 hello world', async () => {
    const provider = await h.provider();
    const hello = defineActivity('Hello', (_ctx, name: string) => `Hello, ${name}!`);
    const orchestration = defineOrchestration('HelloWorld', function* (ctx, input: string) {
      yield ctx.scheduleActivity(hello, 'Rust');
      return yield* ctx.scheduleActivity(hello, input);
    });
    const rt = h.runtime(provider).register(hello, orchestration);
    await rt.start();
    await rt.client.startOrchestration('hello-1', orchestration, 'World');
    const status = await rt.client.waitForOrchestration('hello-1', 10_000);
    expect(status).toEqual({ status: 'Completed', output: 'Hello, World!' });
    const history = await provider.read('hello-1');
    expect(history.map((e) => Object.values(e)[0]!.event_id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(kinds(history)).toEqual([
      'OrchestrationStarted',
      'ActivityScheduled',
      'ActivityCompleted',
      'ActivityScheduled',
      'ActivityCompleted',
      'OrchestrationCompleted',
    ]);
    const m = rt.metricsSnapshot();
    // E2E-58 (metrics half)
    expect(m.orchStarts).toBeGreaterThanOrEqual(1);
    expect(m.orchCompletions).toBeGreaterThanOrEqual(1);
    expect(m.activitySuccess).toBeGreaterThanOrEqual(2);
    expect(m.orchDispatcherItemsFetched).toBeGreaterThanOrEqual(3);
  });

  it('E2E-02 control flow', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('Pick', () => 'yes');
    rt.registerActivity('Append', (_c, s: string) => `${s}x`);
    rt.registerActivity('AddOne', (_c, n: number) => n + 1);
    rt.registerOrchestration('Flow', function* (ctx: OrchestrationContext) {
      const pick = yield ctx.scheduleActivity('Pick');
      const branch = pick === 'yes' ? 'picked_yes' : 'picked_no';
      let s = 'start';
      for (let i = 0; i < 3; i++) s = yield ctx.scheduleActivity('Append', s);
      let n = 1;
      for (let i = 0; i < 3; i++) n = yield ctx.scheduleActivity('AddOne', n);
      return { branch, s, n };
    });
    await rt.start();
    await rt.client.startOrchestration('flow', 'Flow');
    expect(await rt.client.waitForOrchestration('flow')).toEqual({
      status: 'Completed',
      output: { branch: 'picked_yes', s: 'startxxx', n: 4 },
    });
  });

  it('E2E-03 caught activity failure', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('Boom', () => {
      throw new Error('boom');
    });
    rt.registerActivity('Recover', () => 'recovered');
    rt.registerOrchestration('Catch', function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleActivity('Boom');
        return 'not reached';
      } catch (error) {
        expect((error as Error).name).toBe('TaskFailedError');
        return yield ctx.scheduleActivity('Recover');
      }
    });
    await rt.start();
    await rt.client.startOrchestration('catch', 'Catch');
    expect(await rt.client.waitForOrchestration('catch')).toEqual({ status: 'Completed', output: 'recovered' });
    const failed = (await provider.read('catch')).find((e) => 'ActivityFailed' in e)!;
    expect(failed).toMatchObject({
      ActivityFailed: { details: { Application: { kind: 'ActivityFailed', message: 'boom', retryable: false } } },
    });
  });

  it('E2E-04 uncaught activity failure', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('Bad', () => Promise.reject(new Error('bad')));
    rt.registerOrchestration('Uncaught', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('Bad');
    });
    await rt.start();
    await rt.client.startOrchestration('uncaught', 'Uncaught');
    const status = await rt.client.waitForOrchestration('uncaught');
    expect(status).toMatchObject({
      status: 'Failed',
      error: 'bad',
      details: { Application: { kind: 'OrchestrationFailed', message: 'bad' } },
    });
    expect(kinds(await provider.read('uncaught')).at(-1)).toBe('OrchestrationFailed');
  });

  it('E2E-05 immediate failure', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    // eslint-disable-next-line require-yield
    rt.registerOrchestration('Oops', function* () {
      throw new Error('oops');
    });
    await rt.start();
    await rt.client.startOrchestration('oops', 'Oops');
    await rt.client.waitForOrchestration('oops');
    expect(kinds(await provider.read('oops'))).toEqual(['OrchestrationStarted', 'OrchestrationFailed']);
    expect((await provider.getExecutionInfo('oops', 1)).output).toBe('oops');
  });

  it('E2E-06 timers', async () => {
    const clock = manualClock();
    const provider = await h.provider({ clock: clock.now });
    const rt = h.runtime(provider, { clock: clock.now });
    rt.registerActivity('After', () => 'after');
    rt.registerOrchestration('Timers', function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(100);
      const a = yield ctx.scheduleActivity('After');
      yield ctx.scheduleTimer(0);
      const both = yield ctx.all([ctx.scheduleTimer(50), ctx.scheduleActivity('After')]);
      return { a, both };
    });
    const start = clock.now();
    await rt.start();
    await rt.client.startOrchestration('timers', 'Timers');
    const history = await waitForHistory(provider, 'timers', hasKind('TimerCreated'));
    const created = history.find((e) => 'TimerCreated' in e)!;
    expect(created.TimerCreated.fire_at_ms).toBeGreaterThanOrEqual(start + 100);
    clock.advance(100);
    await waitForHistory(provider, 'timers', hasKind('TimerCreated', 3));
    clock.advance(50);
    const status = await rt.client.waitForOrchestration('timers');
    expect(status).toEqual({ status: 'Completed', output: { a: 'after', both: [{ ok: null }, { ok: 'after' }] } });
    const events = await provider.read('timers');
    const fired = events.find((e) => 'TimerFired' in e)!;
    expect(fired.TimerFired.source_event_id).toBe(created.TimerCreated.event_id);
  });

  it('E2E-07 fan-out/fan-in keeps schedule order and value types', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    let releaseFirst!: () => void;
    const firstDone = new Promise<void>((r) => (releaseFirst = r));
    rt.registerActivity('Slow', async () => {
      await firstDone;
      return 'slow';
    });
    rt.registerActivity('Fast', () => {
      setTimeout(releaseFirst, 30);
      return 'fast';
    });
    rt.registerActivity('Echo', (_c, v: unknown) => v);
    const values = ['s', 1, { a: [1, 2] }, [true, null], null, false];
    rt.registerOrchestration('Fan', function* (ctx: OrchestrationContext) {
      const order = yield ctx.all([ctx.scheduleActivity('Slow'), ctx.scheduleActivity('Fast')]);
      const mixed = yield ctx.all([ctx.scheduleActivity('Echo', 7), ctx.scheduleTimer(0), ctx.waitForEvent('Go')]);
      const typed = yield ctx.all(values.map((v) => ctx.scheduleActivity('Echo', v)));
      return { order, mixed, typed };
    });
    await rt.start();
    await rt.client.startOrchestration('fan', 'Fan');
    await waitForSubscription(provider, 'fan', 'Go');
    await rt.client.raiseEvent('fan', 'Go', { d: 1 });
    const status = await rt.client.waitForOrchestration('fan');
    expect(status).toEqual({
      status: 'Completed',
      output: {
        order: [{ ok: 'slow' }, { ok: 'fast' }],
        mixed: [{ ok: 7 }, { ok: null }, { ok: { d: 1 } }],
        typed: values.map((v) => ({ ok: v })),
      },
    });
  });

  it('E2E-08 partial failure in all', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('Ok', () => 'fine');
    rt.registerActivity('Fail', () => {
      throw new Error('nope');
    });
    rt.registerOrchestration('Partial', function* (ctx: OrchestrationContext) {
      const r = yield ctx.all([ctx.scheduleActivity('Ok'), ctx.scheduleActivity('Fail'), ctx.scheduleActivity('Ok')]);
      const after = yield ctx.scheduleActivity('Ok');
      return { r, after };
    });
    await rt.start();
    await rt.client.startOrchestration('partial', 'Partial');
    expect(await rt.client.waitForOrchestration('partial')).toEqual({
      status: 'Completed',
      output: { r: [{ ok: 'fine' }, { err: 'nope' }, { ok: 'fine' }], after: 'fine' },
    });
  });

  it('E2E-09 system calls', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('Noop', () => null);
    rt.registerOrchestration('Sys', function* (ctx: OrchestrationContext) {
      const now = yield ctx.utcNow();
      const guid = yield ctx.newGuid();
      yield ctx.scheduleActivity('Noop');
      yield ctx.waitForEvent('Go');
      return { now, guid };
    });
    await rt.start();
    await rt.client.startOrchestration('sys', 'Sys');
    await waitForSubscription(provider, 'sys', 'Go');
    await rt.client.raiseEvent('sys', 'Go');
    const status = await rt.client.waitForOrchestration('sys');
    const output = (status as { output: { now: number; guid: string } }).output;
    expect(output.now).toBeGreaterThan(0);
    expect(output.guid).toHaveLength(36);
    const calls = (await provider.read('sys')).flatMap((e) => ('SystemCall' in e ? [e.SystemCall] : []));
    expect(calls.map((c) => c.op)).toEqual(['utcnow_ms', 'guid']);
    expect(calls.map((c) => c.value)).toEqual([String(output.now), output.guid]);
  });

  it('E2E-10 status lifecycle', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('Life', function* (ctx: OrchestrationContext) {
      const v = yield ctx.waitForEvent('Go');
      if (v === 'fail') throw new Error('asked to fail');
      return v;
    });
    expect(await rt.client.getStatus('life')).toEqual({ status: 'NotFound' });
    await rt.client.startOrchestration('life', 'Life');
    expect(['NotFound', 'Running']).toContain((await rt.client.getStatus('life')).status);
    await rt.start();
    await waitForSubscription(provider, 'life', 'Go');
    expect(await rt.client.getStatus('life')).toEqual({ status: 'Running' });
    await rt.client.raiseEvent('life', 'Go', 'done');
    expect(await rt.client.waitForOrchestration('life')).toEqual({ status: 'Completed', output: 'done' });
    await rt.client.startOrchestration('life-2', 'Life');
    await waitForSubscription(provider, 'life-2', 'Go');
    await rt.client.raiseEvent('life-2', 'Go', 'fail');
    expect(await rt.client.waitForOrchestration('life-2')).toMatchObject({ status: 'Failed', error: 'asked to fail' });
  });
});
