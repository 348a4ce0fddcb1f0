import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../orchestration/index.js';
import { hasKind, kinds, manualClock, useHarness, waitForHistory, waitForSubscription } from './support/harness.js';

const h = useHarness();

describe('E2E sub-orchestrations, events, races, continue-as-new', () => {
  it('E2E-11 sub-orchestration', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('Upper', (_c, s: string) => s.toUpperCase());
    rt.registerOrchestration('ChildUpper', function* (ctx: OrchestrationContext, s: string) {
      return yield ctx.scheduleActivity('Upper', s);
    });
    rt.registerOrchestration('Parent', function* (ctx: OrchestrationContext) {
      const r = yield ctx.scheduleSubOrchestration('ChildUpper', 'hi');
      return `parent:${r}`;
    });
    await rt.start();
    await rt.client.startOrchestration('p', 'Parent');
    expect(await rt.client.waitForOrchestration('p')).toEqual({ status: 'Completed', output: 'parent:HI' });
    const child = await provider.read('p::sub::2');
    expect(child[0]).toMatchObject({
      OrchestrationStarted: { parent_instance: 'p', parent_id: 2, parent_execution_id: 1 },
    });
  });

  it('E2E-12 children in parallel, chains, explicit ids', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('ChildSum', function* (_ctx: OrchestrationContext, xs: number[]) {
      yield* [];
      return xs.reduce((a, b) => a + b, 0);
    });
    rt.registerOrchestration('Sums', function* (ctx: OrchestrationContext) {
      const r = yield ctx.all([
        ctx.scheduleSubOrchestration('ChildSum', [1, 2]),
        ctx.scheduleSubOrchestration('ChildSum', [3, 4]),
      ]);
      return `total=${(r as { ok: number }[]).reduce((a, x) => a + x.ok, 0)}`;
    });
    rt.registerOrchestration('Leaf', function* (_c: OrchestrationContext, s: string) {
      yield* [];
      return `${s}x`;
    });
    rt.registerOrchestration('Mid', function* (ctx: OrchestrationContext, s: string) {
      return `${yield ctx.scheduleSubOrchestrationWithId('Leaf', 'leaf-explicit', s)}-mid`;
    });
    rt.registerOrchestration('Root', function* (ctx: OrchestrationContext) {
      return `root:${yield ctx.scheduleSubOrchestration('Mid', 'a')}`;
    });
    await rt.start();
    await rt.client.startOrchestration('sums', 'Sums');
    await rt.client.startOrchestration('root', 'Root');
    expect(await rt.client.waitForOrchestration('sums')).toEqual({ status: 'Completed', output: 'total=10' });
    expect(await rt.client.waitForOrchestration('root')).toEqual({ status: 'Completed', output: 'root:ax-mid' });
    expect(await rt.client.getStatus('leaf-explicit')).toEqual({ status: 'Completed', output: 'ax' });
    expect((await rt.client.getInstanceTree('root')).allIds).toEqual(['root', 'root::sub::2', 'leaf-explicit']);
  });

  it('E2E-13 child application failure, caught and uncaught', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    // eslint-disable-next-line require-yield
    rt.registerOrchestration('Failing', function* () {
      throw new Error('child broke');
    });
    rt.registerOrchestration('Catches', function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleSubOrchestration('Failing');
      } catch (e) {
        return `caught:${(e as Error).message}`;
      }
    });
    rt.registerOrchestration('Propagates', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleSubOrchestration('Failing');
    });
    await rt.start();
    await rt.client.startOrchestration('c1', 'Catches');
    await rt.client.startOrchestration('c2', 'Propagates');
    expect(await rt.client.waitForOrchestration('c1')).toEqual({ status: 'Completed', output: 'caught:child broke' });
    expect(await rt.client.waitForOrchestration('c2')).toMatchObject({ status: 'Failed', error: 'child broke' });
  });

  it('E2E-14 system failure cascades to the parent', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider, { maxAttempts: 1, unregisteredBackoff: { baseDelayMs: 10, maxDelayMs: 20 } });
    rt.registerOrchestration('CallsUnknown', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('NoSuchActivity');
    });
    rt.registerOrchestration('Top', function* (ctx: OrchestrationContext) {
      try {
        return yield ctx.scheduleSubOrchestration('CallsUnknown');
      } catch {
        return 'must not catch a system failure';
      }
    });
    await rt.start();
    await rt.client.startOrchestration('top', 'Top');
    // Unregistered activities are abandoned with a back-off that counts the attempt; maxAttempts 1 → Failed at the second.
    const status = await rt.client.waitForOrchestration('top', 20_000);
    expect(status).toMatchObject({
      status: 'Failed',
      details: { Configuration: { kind: 'UnregisteredActivity', resource: 'NoSuchActivity' } },
    });
    expect(await rt.client.getStatus('top::sub::2')).toMatchObject({
      status: 'Failed',
      error: 'unregistered:NoSuchActivity',
    });
  });

  it('E2E-15 detached starts', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('Act', () => 'acted');
    rt.registerOrchestration('Detached', function* (ctx: OrchestrationContext, n: number) {
      return `d${n}:${yield ctx.scheduleActivity('Act')}`;
    });
    rt.registerOrchestration('Starter', function* (ctx: OrchestrationContext) {
      yield ctx.startOrchestration('Detached', 'det-1', 1);
      yield ctx.startOrchestration('Detached', 'det-2', 2);
      return 'started';
    });
    await rt.start();
    await rt.client.startOrchestration('starter', 'Starter');
    expect(await rt.client.waitForOrchestration('starter')).toEqual({ status: 'Completed', output: 'started' });
    expect(await rt.client.waitForOrchestration('det-1')).toEqual({ status: 'Completed', output: 'd1:acted' });
    expect(await rt.client.waitForOrchestration('det-2')).toEqual({ status: 'Completed', output: 'd2:acted' });
    expect(kinds(await provider.read('starter')).filter((k) => k === 'OrchestrationChained')).toHaveLength(2);
    expect((await provider.read('det-1'))[0]).toMatchObject({ OrchestrationStarted: { parent_instance: null } });
  });

  it('E2E-16 external event', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('Approve', function* (ctx: OrchestrationContext) {
      const a = yield ctx.waitForEvent('approval');
      return { approved: a };
    });
    await rt.start();
    await rt.client.startOrchestration('ap', 'Approve');
    await waitForSubscription(provider, 'ap', 'approval');
    await rt.client.raiseEvent('ap', 'approval', { by: 'ann', ok: true });
    expect(await rt.client.waitForOrchestration('ap')).toEqual({
      status: 'Completed',
      output: { approved: { by: 'ann', ok: true } },
    });
  });

  it('E2E-17 early event dropped', async () => {
    const clock = manualClock();
    const provider = await h.provider({ clock: clock.now });
    const rt = h.runtime(provider, { clock: clock.now });
    rt.registerOrchestration('Early', function* (ctx: OrchestrationContext) {
      yield ctx.scheduleTimer(100);
      const r = yield ctx.race(ctx.waitForEvent('Evt'), ctx.scheduleTimer(500));
      return r.index === 1 ? 'early-event-dropped' : 'got-event';
    });
    await rt.start();
    await rt.client.startOrchestration('early', 'Early');
    await waitForHistory(provider, 'early', hasKind('TimerCreated'));
    await rt.client.raiseEvent('early', 'Evt', 1);
    await waitForHistory(provider, 'early', hasKind('ExternalEvent'));
    clock.advance(100);
    await waitForHistory(provider, 'early', hasKind('TimerCreated', 2));
    clock.advance(500);
    expect(await rt.client.waitForOrchestration('early')).toEqual({
      status: 'Completed',
      output: 'early-event-dropped',
    });
  });

  it('E2E-18 positional matching', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('Two', function* (ctx: OrchestrationContext) {
      const r = yield ctx.all([ctx.waitForEvent('E'), ctx.waitForEvent('E')]);
      yield ctx.waitForEvent('Next');
      return r;
    });
    await rt.start();
    await rt.client.startOrchestration('two', 'Two');
    await waitForSubscription(provider, 'two', 'E', 2);
    await rt.client.raiseEvent('two', 'E', 'first');
    await rt.client.raiseEvent('two', 'E', 'second');
    await rt.client.raiseEvent('two', 'E', 'surplus');
    await waitForSubscription(provider, 'two', 'Next');
    await rt.client.raiseEvent('two', 'Next');
    expect(await rt.client.waitForOrchestration('two')).toEqual({
      status: 'Completed',
      output: [{ ok: 'first' }, { ok: 'second' }],
    });
    const events = (await provider.read('two')).filter((e) => 'ExternalEvent' in e && e.ExternalEvent.name === 'E');
    expect(events).toHaveLength(3);
    // identical payloads are both delivered
    await rt.client.startOrchestration('same', 'Two');
    await waitForSubscription(provider, 'same', 'E', 2);
    await rt.client.raiseEvent('same', 'E', 'x');
    await rt.client.raiseEvent('same', 'E', 'x');
    await waitForSubscription(provider, 'same', 'Next');
    await rt.client.raiseEvent('same', 'Next');
    expect(await rt.client.waitForOrchestration('same')).toEqual({
      status: 'Completed',
      output: [{ ok: 'x' }, { ok: 'x' }],
    });
  });

  it('E2E-19 event after completion', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('Quick', function* (ctx: OrchestrationContext) {
      return yield ctx.utcNow();
    });
    await rt.start();
    await rt.client.startOrchestration('quick', 'Quick');
    await rt.client.waitForOrchestration('quick');
    const before = (await provider.read('quick')).length;
    await rt.client.raiseEvent('quick', 'Late', 1);
    await waitForHistory(provider, 'quick', () => true);
    await rt.client.startOrchestration('marker', 'Quick');
    await rt.client.waitForOrchestration('marker');
    expect((await provider.getQueueDepths()).orchestratorQueue).toBe(0);
    expect(await provider.read('quick')).toHaveLength(before);
  });

  it('E2E-20 race of event and timer; losing activity sees its signal abort', async () => {
    const clock = manualClock();
    const provider = await h.provider({ clock: clock.now });
    // The worker lock outlives the 1 s the test moves the clock, so only the cancellation can end the activity's lease.
    const rt = h.runtime(provider, {
      clock: clock.now,
      activityCancellationGracePeriodMs: 100,
      workerLockTimeoutMs: 2_000,
    });
    let aborted: unknown = null;
    rt.registerActivity(
      'Endless',
      (ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            resolve('stopped');
          }),
        ),
    );
    rt.registerOrchestration('Race', function* (ctx: OrchestrationContext) {
      return yield ctx.race(ctx.waitForEvent('Evt'), ctx.scheduleTimer(1000));
    });
    rt.registerOrchestration('RaceActivity', function* (ctx: OrchestrationContext) {
      return yield ctx.race(ctx.scheduleActivity('Endless'), ctx.scheduleTimer(1000));
    });
    await rt.start();
    await rt.client.startOrchestration('r1', 'Race');
    await rt.client.startOrchestration('r2', 'Race');
    await rt.client.startOrchestration('r3', 'RaceActivity');
    await waitForSubscription(provider, 'r1', 'Evt');
    await waitForSubscription(provider, 'r2', 'Evt');
    await waitForHistory(provider, 'r3', hasKind('TimerCreated'));
    await rt.client.raiseEvent('r1', 'Evt', 'v');
    expect(await rt.client.waitForOrchestration('r1')).toEqual({
      status: 'Completed',
      output: { index: 0, value: 'v' },
    });
    clock.advance(1000);
    expect(await rt.client.waitForOrchestration('r2')).toEqual({
      status: 'Completed',
      output: { index: 1, value: null },
    });
    expect(await rt.client.waitForOrchestration('r3')).toEqual({
      status: 'Completed',
      output: { index: 1, value: null },
    });
    await waitForHistory(provider, 'r3', () => aborted !== null);
    expect(aborted).toBe('orchestration-terminal');
    // v2 §6: the terminal turn cancelled the in-flight activity (breadcrumb + deleted worker row).
    expect((await provider.read('r3')).filter((e) => 'ActivityCancelRequested' in e)).toMatchObject([
      { ActivityCancelRequested: { source_event_id: 2, reason: 'orchestration_terminal_completed' } },
    ]);
  });

  it('E2E-20 a losing activity is cancelled at once while its execution runs on', async () => {
    const clock = manualClock();
    const provider = await h.provider({ clock: clock.now });
    const rt = h.runtime(provider, {
      clock: clock.now,
      activityCancellationGracePeriodMs: 100,
      workerLockTimeoutMs: 2_000,
    });
    let aborted: unknown = null;
    let acked = 0;
    rt.registerActivity(
      'Endless',
      (ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            resolve('stopped');
          }),
        ),
    );
    rt.registerActivity('Then', () => {
      acked++;
      return 'then';
    });
    rt.registerOrchestration('LoserRunsOn', function* (ctx: OrchestrationContext) {
      const first = yield ctx.race(ctx.scheduleActivity('Endless'), ctx.scheduleTimer(1000));
      const then = yield ctx.scheduleActivity('Then');
      const done = yield ctx.waitForEvent('Done');
      return { first, then, done };
    });
    await rt.start();
    await rt.client.startOrchestration('loser', 'LoserRunsOn');
    await waitForHistory(provider, 'loser', hasKind('TimerCreated'));
    clock.advance(1000);
    await waitForSubscription(provider, 'loser', 'Done');
    await waitForHistory(provider, 'loser', () => aborted !== null);
    expect(aborted).toBe('cancelled');
    const history = await provider.read('loser');
    expect(history.filter((e) => 'ActivityCancelRequested' in e)).toMatchObject([
      { ActivityCancelRequested: { source_event_id: 2, reason: 'select_loser' } },
    ]);
    await rt.client.raiseEvent('loser', 'Done', 'd');
    expect(await rt.client.waitForOrchestration('loser')).toEqual({
      status: 'Completed',
      output: { first: { index: 1, value: null }, then: 'then', done: 'd' },
    });
    // The breadcrumb is recorded once (replays re-derive the loser without repeating it); the history replays.
    const final = await provider.read('loser');
    expect(final.filter((e) => 'ActivityCancelRequested' in e)).toHaveLength(1);
    expect(rt.replayCheck(final)).toMatchObject({ ok: true, newDecisions: 0 });
    expect(acked).toBe(1);
  });

  it('E2E-21 losing wait does not consume a later event', async () => {
    const clock = manualClock();
    const provider = await h.provider({ clock: clock.now });
    const rt = h.runtime(provider, { clock: clock.now });
    rt.registerOrchestration('LoseWait', function* (ctx: OrchestrationContext) {
      yield ctx.race(ctx.waitForEvent('X'), ctx.scheduleTimer(10));
      return yield ctx.waitForEvent('X');
    });
    await rt.start();
    await rt.client.startOrchestration('lw', 'LoseWait');
    await waitForHistory(provider, 'lw', hasKind('TimerCreated'));
    clock.advance(10);
    await waitForSubscription(provider, 'lw', 'X', 2);
    await rt.client.raiseEvent('lw', 'X', 'second-wait');
    expect(await rt.client.waitForOrchestration('lw')).toEqual({ status: 'Completed', output: 'second-wait' });
  });

  it('E2E-22 losing activity and timer', async () => {
    const clock = manualClock();
    const provider = await h.provider({ clock: clock.now });
    const rt = h.runtime(provider, { clock: clock.now });
    rt.registerActivity('FailFast', () => {
      throw new Error('fast');
    });
    rt.registerActivity('Then', () => 'then');
    rt.registerOrchestration('Losers', function* (ctx: OrchestrationContext) {
      const r = yield ctx.race(ctx.scheduleActivity('FailFast'), ctx.scheduleTimer(500));
      const t = yield ctx.scheduleActivity('Then');
      yield ctx.waitForEvent('Done');
      return { r, t };
    });
    await rt.start();
    await rt.client.startOrchestration('losers', 'Losers');
    await waitForSubscription(provider, 'losers', 'Done');
    clock.advance(500);
    await waitForHistory(provider, 'losers', hasKind('TimerFired'));
    await rt.client.raiseEvent('losers', 'Done');
    expect(await rt.client.waitForOrchestration('losers')).toEqual({
      status: 'Completed',
      output: { r: { index: 0, error: 'fast' }, t: 'then' },
    });
    expect(rt.replayCheck(await provider.read('losers'))).toMatchObject({ ok: true, newDecisions: 0 });
  });

  it('E2E-23 losing child is cancelled once', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('FastChild', function* (ctx: OrchestrationContext) {
      return yield ctx.utcNow();
    });
    rt.registerOrchestration('SlowChild', function* (ctx: OrchestrationContext) {
      return yield ctx.waitForEvent('never');
    });
    rt.registerOrchestration('RaceKids', function* (ctx: OrchestrationContext) {
      const r = yield ctx.race(ctx.scheduleSubOrchestration('FastChild'), ctx.scheduleSubOrchestration('SlowChild'));
      return r.index;
    });
    await rt.start();
    await rt.client.startOrchestration('rk', 'RaceKids');
    expect(await rt.client.waitForOrchestration('rk')).toEqual({ status: 'Completed', output: 0 });
    expect(await rt.client.waitForOrchestration('rk::sub::3')).toMatchObject({
      status: 'Failed',
      error: 'canceled: parent dropped sub-orchestration future',
    });
    expect(kinds(await provider.read('rk::sub::3')).filter((k) => k === 'OrchestrationCancelRequested')).toHaveLength(
      1,
    );
  });

  it('E2E-24 continue-as-new loop', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('Loop', function* (ctx: OrchestrationContext, n: number) {
      if (n < 3) return yield ctx.continueAsNew(n + 1);
      return `final:${n}`;
    });
    await rt.start();
    await rt.client.startOrchestration('loop', 'Loop', 0);
    expect(await rt.client.waitForOrchestration('loop')).toEqual({ status: 'Completed', output: 'final:3' });
    expect(await provider.listExecutions('loop')).toEqual([1, 2, 3, 4]);
    for (const execution of [1, 2, 3]) {
      const events = await provider.readExecution('loop', execution);
      expect(kinds(events).at(-1)).toBe('OrchestrationContinuedAsNew');
      expect(Object.values(events[0]!)[0]!.event_id).toBe(1);
      expect(await provider.getExecutionInfo('loop', execution)).toMatchObject({
        status: 'ContinuedAsNew',
        output: String(execution),
      });
    }
  });

  it('E2E-25 events across continue-as-new', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('Across', function* (ctx: OrchestrationContext, n: number) {
      if (n === 0) return yield ctx.continueAsNew(1);
      return yield ctx.waitForEvent('Go');
    });
    await rt.client.startOrchestration('across', 'Across', 0);
    await rt.client.raiseEvent('across', 'Go', 'early');
    await rt.start();
    await waitForSubscription(provider, 'across', 'Go');
    await rt.client.raiseEvent('across', 'Go', 'late');
    expect(await rt.client.waitForOrchestration('across')).toEqual({ status: 'Completed', output: 'late' });
    // 'early' arrived in the start's batch: recorded in execution 1 (audit), delivered to nobody.
    expect(kinds(await provider.readExecution('across', 1))).toEqual([
      'OrchestrationStarted',
      'ExternalEvent',
      'OrchestrationContinuedAsNew',
    ]);
  });

  it('E2E-26 completions of foreign executions are dropped', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('Foreign', function* (ctx: OrchestrationContext) {
      return yield ctx.waitForEvent('Go');
    });
    await rt.start();
    await rt.client.startOrchestration('foreign', 'Foreign');
    await waitForSubscription(provider, 'foreign', 'Go');
    for (const execution_id of [0, 999]) {
      await provider.enqueueOrchestratorWork({
        ActivityCompleted: { instance: 'foreign', execution_id, id: 2, result: '1' },
      });
    }
    await rt.client.raiseEvent('foreign', 'Go', 'ok');
    expect(await rt.client.waitForOrchestration('foreign')).toEqual({ status: 'Completed', output: 'ok' });
    expect(kinds(await provider.read('foreign'))).not.toContain('ActivityCompleted');
  });

  it('E2E-27 child continuing as new reports its final output', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('CanChild', function* (ctx: OrchestrationContext, n: number) {
      if (n < 2) return yield ctx.continueAsNew(n + 1);
      return `child-final:${n}`;
    });
    rt.registerOrchestration('CanParent', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleSubOrchestration('CanChild', 0);
    });
    await rt.start();
    await rt.client.startOrchestration('cp', 'CanParent');
    expect(await rt.client.waitForOrchestration('cp')).toEqual({ status: 'Completed', output: 'child-final:2' });
  });
});
