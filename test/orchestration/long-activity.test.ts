import { describe, expect, it } from 'vitest';
import type { OrchestrationContext, OrchestrationFn } from '../../orchestration/index.js';
import { faultyProvider } from './support/faulty-provider.js';
import { eventually, offsetClock, useHarness } from './support/harness.js';

const h = useHarness();

describe('E2E long activities with lock renewal (contract v2)', () => {
  it('E2E-46 an activity running 3× the worker lock runs once and completes once, its lock renewed', async () => {
    const provider = await h.provider();
    let renewals = 0;
    const observed = faultyProvider(provider, {
      renewWorkItemLock: async (_args, call) => {
        await call();
        renewals++;
      },
    });
    // A 600 ms lock is renewed every 300 ms; a second worker slot would take the item if a renewal were missed.
    const lockMs = 600;
    const rt = h.runtime(observed, { workerConcurrency: 2, workerLockTimeoutMs: lockMs });
    let invocations = 0;
    rt.registerActivity('Long', async () => {
      invocations++;
      await new Promise((resolve) => setTimeout(resolve, 3 * lockMs));
      return 'done';
    });
    rt.registerOrchestration('LongRunner', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('Long');
    });
    await rt.start();
    await rt.client.startOrchestration('long', 'LongRunner');
    expect(await rt.client.waitForOrchestration('long')).toEqual({ status: 'Completed', output: 'done' });
    expect(invocations).toBe(1);
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect((await provider.read('long')).filter((e) => 'ActivityCompleted' in e)).toHaveLength(1);
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
