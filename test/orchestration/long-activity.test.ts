import { describe, expect, it } from 'vitest';
import type { OrchestrationContext, OrchestrationFn } from '../../orchestration/index.js';
import { eventually, hasKind, offsetClock, useHarness, waitForHistory } from './support/harness.js';

const h = useHarness();

describe('E2E long activities without lock renewal (contract v1)', () => {
  it('E2E-46 an activity outliving its lease runs at most twice and completes once', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const provider = await h.provider({ clock });
    const rt = h.runtime(provider, { clock, workerConcurrency: 2 });
    let invocations = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    rt.registerActivity('Long', async () => {
      invocations++;
      await gate;
      return 'done';
    });
    rt.registerOrchestration('LongRunner', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('Long');
    });
    await rt.start();
    await rt.client.startOrchestration('long', 'LongRunner');
    await waitForHistory(provider, 'long', hasKind('ActivityScheduled'));
    await eventually(async () => (invocations === 1 ? true : undefined));
    offset += 3_000; // three lock timeouts pass while the activity runs
    await eventually(async () => (invocations === 2 ? true : undefined));
    release();
    expect(await rt.client.waitForOrchestration('long')).toEqual({ status: 'Completed', output: 'done' });
    expect((await provider.read('long')).filter((e) => 'ActivityCompleted' in e)).toHaveLength(1);
    expect(invocations).toBeLessThanOrEqual(2);
  });
});

describe('E2E graceful shutdown with activities in flight', () => {
  it('E2E-50 an activity finishing before the deadline is acked; one still running at it is redelivered', async () => {
    const clock = offsetClock();
    const provider = await h.provider({ clock: clock.now });
    const first = h.runtime(provider, { clock: clock.now });
    let releaseQuick!: () => void;
    const quickGate = new Promise<void>((resolve) => (releaseQuick = resolve));
    const started: string[] = [];
    let signalled: unknown = null;
    first.registerActivity('Quick', async () => {
      started.push('Quick');
      await quickGate;
      return 'quick';
    });
    first.registerActivity('Slow', (ctx) => {
      started.push('Slow');
      return new Promise((resolve) =>
        ctx.signal.addEventListener('abort', () => {
          signalled = ctx.signal.reason;
          resolve('too late');
        }),
      );
    });
    const twoActivities: OrchestrationFn = function* (ctx: OrchestrationContext) {
      return yield ctx.all([ctx.scheduleActivity('Quick'), ctx.scheduleActivity('Slow')]);
    };
    first.registerOrchestration('Two', twoActivities);
    await first.start();
    await first.client.startOrchestration('two', 'Two');
    await eventually(async () => (started.length === 2 ? true : undefined));
    const stopped = first.shutdown(300);
    releaseQuick();
    await stopped;
    expect(signalled).toBe('shutdown');
    clock.advance(provider.lockTimeoutMs + 100); // the abandoned lease expires
    const second = h.runtime(provider, { clock: clock.now });
    second.registerActivity('Quick', () => 'again').registerActivity('Slow', () => 'slow');
    second.registerOrchestration('Two', twoActivities);
    await second.start();
    // 'quick' is the first runtime's acked result; 'slow' comes from the redelivery.
    expect(await second.client.waitForOrchestration('two')).toEqual({
      status: 'Completed',
      output: [{ ok: 'quick' }, { ok: 'slow' }],
    });
  });
});
