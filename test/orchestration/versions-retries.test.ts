import { describe, expect, it } from 'vitest';
import type { OrchestrationContext, OrchestrationFn } from '../../orchestration/index.js';
import {
  eventually,
  hasKind,
  kinds,
  manualClock,
  useHarness,
  waitForHistory,
  waitForSubscription,
} from './support/harness.js';

const h = useHarness();

describe('E2E versions and retries', () => {
  it('E2E-28 versions at start', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestrationVersioned('V', '1.0.0', function* (ctx: OrchestrationContext) {
      yield ctx.utcNow();
      return 'v1.0.0';
    });
    rt.registerOrchestrationVersioned('V', '1.0.1', function* (ctx: OrchestrationContext) {
      yield ctx.utcNow();
      return 'v1.0.1';
    });
    await rt.start();
    await rt.client.startOrchestration('plain', 'V');
    await rt.client.startOrchestrationVersioned('pinned', 'V', null, '1.0.0');
    expect(await rt.client.waitForOrchestration('plain')).toEqual({ status: 'Completed', output: 'v1.0.1' });
    expect(await rt.client.waitForOrchestration('pinned')).toEqual({ status: 'Completed', output: 'v1.0.0' });
    expect((await provider.read('pinned'))[0]).toMatchObject({ OrchestrationStarted: { version: '1.0.0' } });
    expect((await provider.getInstanceInfo('pinned')).orchestrationVersion).toBe('1.0.0');
    expect((await provider.getInstanceInfo('plain')).orchestrationVersion).toBe('1.0.1');
  });

  it('E2E-29 pinning across deployments', async () => {
    const provider = await h.provider();
    const v1: OrchestrationFn = function* (ctx: OrchestrationContext) {
      return `v1:${yield ctx.waitForEvent('Go')}`;
    };
    const v2: OrchestrationFn = function* (ctx: OrchestrationContext) {
      yield ctx.utcNow();
      return `v2:${yield ctx.waitForEvent('Go')}`;
    };
    const first = h.runtime(provider).registerOrchestrationVersioned('Pin', '1.0.0', v1);
    await first.start();
    await first.client.startOrchestration('pin-a', 'Pin');
    await first.client.startOrchestration('pin-b', 'Pin');
    await waitForSubscription(provider, 'pin-a', 'Go');
    await waitForSubscription(provider, 'pin-b', 'Go');
    await first.shutdown();
    const second = h
      .runtime(provider)
      .registerOrchestrationVersioned('Pin', '1.0.0', v1)
      .registerOrchestrationVersioned('Pin', '2.0.0', v2);
    await second.start();
    await second.client.raiseEvent('pin-a', 'Go', 'a');
    expect(await second.client.waitForOrchestration('pin-a')).toEqual({ status: 'Completed', output: 'v1:a' });
    await second.shutdown();
    const third = h.runtime(provider, { maxAttempts: 3, unregisteredBackoff: { baseDelayMs: 10, maxDelayMs: 50 } });
    third.registerOrchestrationVersioned('Pin', '2.0.0', v2);
    await third.start();
    await third.client.raiseEvent('pin-b', 'Go', 'b');
    expect(await third.client.waitForOrchestration('pin-b')).toMatchObject({
      status: 'Failed',
      error: 'canceled: missing version Pin@1.0.0',
      details: { Configuration: { kind: { MissingVersion: { requested_version: '1.0.0' } } } },
    });
  });

  it('E2E-30 upgrade at continue-as-new', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestrationVersioned('Up', '1.0.0', function* (ctx: OrchestrationContext, pin: boolean) {
      yield ctx.waitForEvent('Go');
      if (pin) return yield ctx.continueAsNewVersioned({ previousVersion: ctx.orchestrationVersion }, '1.0.0');
      return yield ctx.continueAsNew({ previousVersion: ctx.orchestrationVersion });
    });
    rt.registerOrchestrationVersioned('Up', '1.0.1', function* (ctx: OrchestrationContext, input: unknown) {
      yield* [];
      return { version: ctx.orchestrationVersion, input };
    });
    rt.setVersionPolicy('Up', { exact: '1.0.0' });
    await rt.start();
    await rt.client.startOrchestration('up', 'Up', false);
    await waitForSubscription(provider, 'up', 'Go');
    rt.setVersionPolicy('Up', 'latest');
    await rt.client.raiseEvent('up', 'Go');
    expect(await rt.client.waitForOrchestration('up')).toEqual({
      status: 'Completed',
      output: { version: '1.0.1', input: { previousVersion: '1.0.0' } },
    });
    await rt.client.startOrchestrationVersioned('up-pin', 'Up', true, '1.0.0');
    await waitForSubscription(provider, 'up-pin', 'Go');
    await rt.client.raiseEvent('up-pin', 'Go');
    await eventually(async () => ((await provider.listExecutions('up-pin')).length === 2 ? true : undefined));
    await waitForSubscription(provider, 'up-pin', 'Go');
    expect((await provider.read('up-pin'))[0]).toMatchObject({ OrchestrationStarted: { version: '1.0.0' } });
  });

  it('E2E-31 unregistered handlers', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider, { maxAttempts: 2, unregisteredBackoff: { baseDelayMs: 10, maxDelayMs: 20 } });
    rt.registerOrchestration('Known', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('Unknown');
    });
    await rt.start();
    await rt.client.startOrchestration('nope', 'NoSuchOrchestration');
    expect(await rt.client.waitForOrchestration('nope')).toMatchObject({
      status: 'Failed',
      error: 'unregistered:NoSuchOrchestration',
      details: { Configuration: { kind: 'UnregisteredOrchestration' } },
    });
    const history = await provider.read('nope');
    expect(history).toMatchObject([{ OrchestrationStarted: { version: '0.0.0' } }, { OrchestrationFailed: {} }]);
    await rt.client.startOrchestration('known', 'Known');
    expect(await rt.client.waitForOrchestration('known', 20_000)).toMatchObject({
      status: 'Failed',
      details: { Configuration: { kind: 'UnregisteredActivity', resource: 'Unknown' } },
    });
  });

  it('E2E-32 retry success', async () => {
    const clock = manualClock();
    const provider = await h.provider({ clock: clock.now });
    const rt = h.runtime(provider, { clock: clock.now });
    let calls = 0;
    rt.registerActivity('Flaky', () => {
      calls++;
      if (calls < 3) throw new Error(`fail ${calls}`);
      return `ok-after-${calls}`;
    });
    rt.registerOrchestration('Retry', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivityWithRetry('Flaky', null, {
        maxAttempts: 5,
        backoff: { kind: 'fixed', baseMs: 1000 },
      });
    });
    await rt.start();
    await rt.client.startOrchestration('retry', 'Retry');
    await waitForHistory(provider, 'retry', hasKind('TimerCreated'));
    clock.advance(1000);
    await waitForHistory(provider, 'retry', hasKind('TimerCreated', 2));
    clock.advance(1000);
    expect(await rt.client.waitForOrchestration('retry')).toEqual({ status: 'Completed', output: 'ok-after-3' });
    const k = kinds(await provider.read('retry'));
    expect(k.filter((x) => x === 'ActivityScheduled')).toHaveLength(3);
    expect(k.filter((x) => x === 'ActivityFailed')).toHaveLength(2);
    expect(k.filter((x) => x === 'TimerCreated')).toHaveLength(2);
  });

  it('E2E-33 retry exhaustion and compensation', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    let n = 0;
    rt.registerActivity('Always', () => {
      throw new Error(`attempt ${++n}`);
    });
    rt.registerActivity('Compensate', () => 'compensated');
    rt.registerOrchestration('Exhaust', function* (ctx: OrchestrationContext) {
      try {
        yield ctx.scheduleActivityWithRetry('Always', null, { maxAttempts: 2, backoff: 'none' });
        return 'unreachable';
      } catch (e) {
        const c = yield ctx.scheduleActivity('Compensate');
        return { c, message: (e as Error).message };
      }
    });
    await rt.start();
    await rt.client.startOrchestration('ex', 'Exhaust');
    expect(await rt.client.waitForOrchestration('ex')).toEqual({
      status: 'Completed',
      output: { c: 'compensated', message: 'attempt 2' },
    });
  });

  it('E2E-34 retry timeouts', async () => {
    const clock = manualClock();
    const provider = await h.provider({ clock: clock.now });
    const rt = h.runtime(provider, { clock: clock.now });
    let release!: () => void;
    const never = new Promise<void>((r) => (release = r));
    rt.registerActivity('Hang', async () => {
      await never;
      return 'late';
    });
    let tries = 0;
    rt.registerActivity('ErrThenOk', () => {
      if (++tries === 1) throw new Error('first');
      return 'second-ok';
    });
    rt.registerOrchestration('Timeouts', function* (ctx: OrchestrationContext, which: string) {
      try {
        if (which === 'attempt')
          return yield ctx.scheduleActivityWithRetry('Hang', null, { maxAttempts: 3, timeoutMs: 100 });
        if (which === 'retry')
          return yield ctx.scheduleActivityWithRetry('ErrThenOk', null, {
            maxAttempts: 3,
            timeoutMs: 100,
            backoff: 'none',
          });
        return yield ctx.scheduleActivityWithRetry('Hang', null, { maxAttempts: 3, totalTimeoutMs: 200 });
      } catch (e) {
        return (e as Error).message;
      }
    });
    await rt.start();
    await rt.client.startOrchestration('t-attempt', 'Timeouts', 'attempt');
    await rt.client.startOrchestration('t-retry', 'Timeouts', 'retry');
    await rt.client.startOrchestration('t-total', 'Timeouts', 'total');
    await waitForHistory(provider, 't-attempt', hasKind('TimerCreated'));
    await waitForHistory(provider, 't-total', hasKind('TimerCreated'));
    expect(await rt.client.waitForOrchestration('t-retry')).toEqual({ status: 'Completed', output: 'second-ok' });
    clock.advance(200);
    expect(await rt.client.waitForOrchestration('t-attempt')).toEqual({
      status: 'Completed',
      output: 'timeout: activity timed out',
    });
    expect(kinds(await provider.read('t-attempt')).filter((k) => k === 'ActivityScheduled')).toHaveLength(1);
    expect(await rt.client.waitForOrchestration('t-total')).toEqual({
      status: 'Completed',
      output: 'timeout: retry deadline exceeded',
    });
    release();
  });
});
