import { describe, expect, it } from 'vitest';
import {
  NotSupportedError,
  type OrchestrationContext,
  type OrchestrationFn,
  Runtime,
} from '../../orchestration/index.js';
import { eventually, hasKind, kinds, useHarness, waitForHistory, waitForSubscription } from './support/harness.js';

const h = useHarness();

const waitsForever: OrchestrationFn = function* (ctx: OrchestrationContext) {
  return yield ctx.waitForEvent('never');
};

describe('E2E cancellation, nondeterminism, duplicates, misuse', () => {
  it('E2E-35 cancel', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider).registerOrchestration('Forever', waitsForever);
    await rt.start();
    await rt.client.startOrchestration('c', 'Forever');
    await waitForSubscription(provider, 'c', 'never');
    await rt.client.cancelInstance('c', 'user_request');
    expect(await rt.client.waitForOrchestration('c')).toMatchObject({
      status: 'Failed',
      error: 'canceled: user_request',
      details: { Application: { kind: { Cancelled: { reason: 'user_request' } } } },
    });
    expect(kinds(await provider.read('c')).slice(-2)).toEqual(['OrchestrationCancelRequested', 'OrchestrationFailed']);
  });

  it('E2E-36 cancel cascade', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider).registerOrchestration('Forever', waitsForever);
    rt.registerOrchestration('Mid', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleSubOrchestration('Forever');
    });
    rt.registerOrchestration('Top', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleSubOrchestration('Mid');
    });
    await rt.start();
    await rt.client.startOrchestration('top', 'Top');
    await waitForSubscription(provider, 'top::sub::2::sub::2', 'never');
    await rt.client.cancelInstance('top', 'stop');
    for (const id of ['top::sub::2', 'top::sub::2::sub::2']) {
      expect(await rt.client.waitForOrchestration(id)).toMatchObject({
        status: 'Failed',
        error: 'canceled: parent canceled',
      });
      expect((await provider.read(id)).find((e) => 'OrchestrationCancelRequested' in e)).toMatchObject({
        OrchestrationCancelRequested: { reason: 'parent canceled' },
      });
    }
    expect(await rt.client.waitForOrchestration('top')).toMatchObject({ status: 'Failed', error: 'canceled: stop' });
  });

  it('E2E-37 cancel a child', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider).registerOrchestration('Forever', waitsForever);
    rt.registerOrchestration('Parent', function* (ctx: OrchestrationContext) {
      try {
        return yield ctx.scheduleSubOrchestration('Forever');
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    });
    await rt.start();
    await rt.client.startOrchestration('p', 'Parent');
    await waitForSubscription(provider, 'p::sub::2', 'never');
    await rt.client.cancelInstance('p::sub::2', 'enough');
    expect(await rt.client.waitForOrchestration('p')).toEqual({
      status: 'Completed',
      output: 'caught canceled: enough',
    });
    expect((await provider.read('p')).find((e) => 'SubOrchestrationFailed' in e)).toMatchObject({
      SubOrchestrationFailed: { source_event_id: 2 },
    });
  });

  it('E2E-38 cancel idempotence', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider).registerOrchestration('Forever', waitsForever);
    rt.registerOrchestration('Quick', function* (ctx: OrchestrationContext) {
      return yield ctx.utcNow();
    });
    await rt.client.startOrchestration('early', 'Quick');
    await rt.client.cancelInstance('early', 'before-start');
    await rt.start();
    expect(await rt.client.waitForOrchestration('early')).toMatchObject({
      status: 'Failed',
      error: 'canceled: before-start',
    });
    expect(kinds(await provider.read('early'))).toEqual([
      'OrchestrationStarted',
      'OrchestrationCancelRequested',
      'OrchestrationFailed',
    ]);
    await rt.client.startOrchestration('done', 'Quick');
    const done = await rt.client.waitForOrchestration('done');
    await rt.client.cancelInstance('done', 'late');
    await rt.client.cancelInstance('unknown-id', 'x');
    await rt.client.startOrchestration('many', 'Forever');
    await waitForSubscription(provider, 'many', 'never');
    for (let i = 0; i < 5; i++) await rt.client.cancelInstance('many', `r${i}`);
    expect(await rt.client.waitForOrchestration('many')).toMatchObject({ status: 'Failed', error: 'canceled: r0' });
    expect(kinds(await provider.read('many')).filter((k) => k === 'OrchestrationCancelRequested')).toHaveLength(1);
    await eventually(async () => ((await provider.getQueueDepths()).orchestratorQueue === 0 ? true : undefined));
    expect(await rt.client.getStatus('done')).toEqual(done);
    expect(await provider.read('unknown-id')).toEqual([]);
  });

  it('E2E-39 activities of finished executions are skipped or cancelled', async () => {
    const provider = await h.provider();
    let invoked = 0;
    const orchestratorOnly = h.runtime(provider, { workerConcurrency: 0 });
    orchestratorOnly.registerOrchestration('Sched', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('Never');
    });
    await orchestratorOnly.start();
    await orchestratorOnly.client.startOrchestration('s', 'Sched');
    await waitForHistory(provider, 's', hasKind('ActivityScheduled'));
    await orchestratorOnly.client.cancelInstance('s', 'stop');
    await orchestratorOnly.client.waitForOrchestration('s');
    // v2 §6: the cancel turn deleted the queued activity's row and recorded why.
    expect((await provider.read('s')).filter((e) => 'ActivityCancelRequested' in e)).toMatchObject([
      { ActivityCancelRequested: { source_event_id: 2, reason: 'orchestration_terminal_failed' } },
    ]);
    expect((await provider.getQueueDepths()).workerQueue).toBe(0);
    await orchestratorOnly.shutdown();
    const workers = h.runtime(provider, { orchestrationConcurrency: 1, activityCancellationGracePeriodMs: 50 });
    workers.registerActivity('Never', () => {
      invoked++;
      return 'x';
    });
    let sawAbort = false;
    workers.registerActivity(
      'Coop',
      (ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve('discarded');
          }),
        ),
    );
    workers.registerActivity('Stubborn', () => new Promise(() => {}));
    workers.registerOrchestration('Runs', function* (ctx: OrchestrationContext, name: string) {
      return yield ctx.scheduleActivity(name);
    });
    await workers.start();
    await eventually(async () => ((await provider.getQueueDepths()).workerQueue === 0 ? true : undefined));
    expect(invoked).toBe(0);
    for (const name of ['Coop', 'Stubborn']) {
      await workers.client.startOrchestration(name, 'Runs', name);
      await waitForHistory(provider, name, hasKind('ActivityScheduled'));
      await workers.client.cancelInstance(name, 'stop');
      await workers.client.waitForOrchestration(name);
    }
    await eventually(async () => ((await provider.getQueueDepths()).workerQueue === 0 && sawAbort ? true : undefined));
    expect(kinds(await provider.read('Coop'))).not.toContain('ActivityCompleted');
    expect(kinds(await provider.read('Stubborn'))).not.toContain('ActivityCompleted');
  });

  it('E2E-40 code change is nondeterminism', async () => {
    const provider = await h.provider();
    const phase1 = h.runtime(provider);
    phase1
      .registerActivity('A', () => 'a')
      .registerOrchestration('Changing', function* (ctx: OrchestrationContext) {
        yield ctx.scheduleActivity('A');
        return yield ctx.waitForEvent('Go');
      });
    await phase1.start();
    await phase1.client.startOrchestration('swap', 'Changing');
    await phase1.client.startOrchestration('extra', 'Changing');
    await waitForSubscription(provider, 'swap', 'Go');
    await waitForSubscription(provider, 'extra', 'Go');
    await phase1.shutdown();
    const phase2 = h.runtime(provider);
    phase2
      .registerActivity('A', () => 'a')
      .registerOrchestration('Changing', function* (ctx: OrchestrationContext) {
        if (ctx.instanceId === 'swap') yield ctx.scheduleTimer(5);
        else yield ctx.scheduleActivity('B');
        yield ctx.scheduleActivity('A');
        return yield ctx.waitForEvent('Go');
      });
    await phase2.start();
    for (const id of ['swap', 'extra']) {
      await phase2.client.raiseEvent(id, 'Go');
      const status = await phase2.client.waitForOrchestration(id);
      expect(status).toMatchObject({ status: 'Failed', details: { Configuration: { kind: 'Nondeterminism' } } });
      expect((status as { error: string }).error).toMatch(/^nondeterministic: schedule mismatch at event 2/);
    }
  });

  it('E2E-41 injected bad completions', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider).registerOrchestration('Timed', function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(60_000);
    });
    await rt.start();
    const cases: [string, object, RegExp[]][] = [
      [
        'kind',
        { ActivityCompleted: { instance: 'kind', execution_id: 1, id: 2, result: '1' } },
        [/kind mismatch/, /timer/, /activity/],
      ],
      [
        'missing',
        { ActivityCompleted: { instance: 'missing', execution_id: 1, id: 999, result: '1' } },
        [/no matching schedule/, /999/],
      ],
      ['timer', { TimerFired: { instance: 'timer', execution_id: 1, id: 123, fire_at_ms: 0 } }, [/timer/, /123/]],
    ];
    for (const [id, item, patterns] of cases) {
      await rt.client.startOrchestration(id, 'Timed');
      await waitForHistory(provider, id, hasKind('TimerCreated'));
      await provider.enqueueOrchestratorWork(item as never);
      const status = (await rt.client.waitForOrchestration(id)) as { status: string; error: string };
      expect(status.status).toBe('Failed');
      for (const p of patterns) expect(status.error).toMatch(p);
    }
  });

  it('E2E-42 duplicate completions are recorded once', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider).registerOrchestration('Dup', function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(0);
      const v = yield ctx.waitForEvent('Go');
      return v;
    });
    await rt.start();
    await rt.client.startOrchestration('dup', 'Dup');
    await waitForSubscription(provider, 'dup', 'Go');
    const created = (await provider.read('dup')).find((e) => 'TimerCreated' in e)!;
    await provider.enqueueOrchestratorWork({
      TimerFired: { instance: 'dup', execution_id: 1, id: created.TimerCreated.event_id, fire_at_ms: 0 },
    });
    await rt.client.raiseEvent('dup', 'Go', 7);
    expect(await rt.client.waitForOrchestration('dup')).toEqual({ status: 'Completed', output: 7 });
    expect(kinds(await provider.read('dup')).filter((k) => k === 'TimerFired')).toHaveLength(1);
  });

  it('E2E-43 duplicate starts', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider).registerOrchestration('Once', function* (ctx: OrchestrationContext, wait: boolean) {
      const now = yield ctx.utcNow();
      if (wait) yield ctx.waitForEvent('Go');
      return now;
    });
    await rt.start();
    await rt.client.startOrchestration('once', 'Once', false);
    const first = await rt.client.waitForOrchestration('once');
    await rt.client.startOrchestration('once', 'Once', false);
    await eventually(async () => ((await provider.getQueueDepths()).orchestratorQueue === 0 ? true : undefined));
    expect(await rt.client.getStatus('once')).toEqual(first);
    await rt.client.startOrchestration('twice', 'Once', true);
    await waitForSubscription(provider, 'twice', 'Go');
    await rt.client.startOrchestration('twice', 'Once', true);
    await rt.client.raiseEvent('twice', 'Go');
    expect((await rt.client.waitForOrchestration('twice')).status).toBe('Completed');
    expect(kinds(await provider.read('twice')).filter((k) => k === 'OrchestrationStarted')).toHaveLength(1);
  });

  it('E2E-56 misuse', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    expect(() => rt.registerOrchestration('Async', (async () => {}) as never)).toThrow(TypeError);
    expect(() => rt.registerOrchestration('AsyncGen', async function* () {} as never)).toThrow(TypeError);
    rt.registerOrchestration('Misuse', function* (ctx: OrchestrationContext) {
      const errors: string[] = [];
      for (const bad of [Promise.resolve(1), ctx.race(), ctx.all([ctx.continueAsNew(1)])]) {
        try {
          yield bad;
        } catch (e) {
          errors.push((e as Error).name);
        }
      }
      try {
        ctx.scheduleActivityOnSession();
      } catch (e) {
        errors.push(e instanceof NotSupportedError ? 'NotSupportedError' : 'other');
      }
      return errors;
    });
    await rt.start();
    expect(() => rt.registerActivity('Late', () => 1)).toThrow();
    await rt.client.startOrchestration('misuse', 'Misuse');
    expect(await rt.client.waitForOrchestration('misuse')).toEqual({
      status: 'Completed',
      output: ['TypeError', 'TypeError', 'TypeError', 'NotSupportedError'],
    });
    expect(Runtime).toBeDefined();
  });
});
