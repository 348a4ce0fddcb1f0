import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ActivityContext, OrchestrationContext, Runtime } from '../../orchestration/index.js';
import { faultyProvider } from './support/faulty-provider.js';
import { eventually, hasKind, useHarness, waitForHistory } from './support/harness.js';

const h = useHarness();

const describeContext = (ctx: ActivityContext) => `${ctx.orchestrationName}@${ctx.orchestrationVersion}`;

function registerUpgrade(rt: Runtime) {
  rt.registerActivity('Who', describeContext);
  rt.registerOrchestrationVersioned('Up', '1.0.0', function* (ctx: OrchestrationContext) {
    const first = (yield ctx.scheduleActivity('Who')) as string;
    return yield ctx.continueAsNewVersioned(first, '2.0.0');
  });
  rt.registerOrchestrationVersioned('Up', '2.0.0', function* (ctx: OrchestrationContext, first: string) {
    return [first, yield ctx.scheduleActivity('Who')];
  });
}

describe('ActivityContext: orchestration name and version (§1.5)', () => {
  it('come from the turns this runtime acked, without a provider call per activity, per execution', async () => {
    const provider = await h.provider();
    let lookups = 0;
    const counted = faultyProvider(provider, {
      getInstanceInfo: (_args, call) => {
        lookups++;
        return call();
      },
    });
    const rt = h.runtime(counted);
    registerUpgrade(rt);
    await rt.start();
    await rt.client.startOrchestrationVersioned('up', 'Up', null, '1.0.0');
    expect(await rt.client.waitForOrchestration('up')).toEqual({
      status: 'Completed',
      output: ['Up@1.0.0', 'Up@2.0.0'],
    });
    expect(lookups).toBe(0);
  });

  it('are read from the instance row when another runtime acked the turn', async () => {
    const provider = await h.provider();
    const orchestrator = h.runtime(provider, { workerConcurrency: 0 });
    registerUpgrade(orchestrator);
    await orchestrator.start();
    await orchestrator.client.startOrchestrationVersioned('up', 'Up', null, '1.0.0');
    await waitForHistory(provider, 'up', hasKind('ActivityScheduled'));
    await orchestrator.shutdown();

    let lookups = 0;
    const counted = faultyProvider(provider, {
      getInstanceInfo: (_args, call) => {
        lookups++;
        return call();
      },
    });
    const fresh = h.runtime(counted);
    registerUpgrade(fresh);
    await fresh.start();
    expect(await fresh.client.waitForOrchestration('up')).toEqual({
      status: 'Completed',
      output: ['Up@1.0.0', 'Up@2.0.0'],
    });
    // Only the activity the other runtime scheduled needed a look-up.
    expect(lookups).toBe(1);
  });
});

describe('worker cancellation grace period', () => {
  it('leaves no listener on the shutdown-deadline signal once cancelled activities settle', async () => {
    const provider = await h.provider({ lockTimeoutMs: 400 });
    const rt = h.runtime(provider, { workerConcurrency: 8, activityCancellationGracePeriodMs: 5_000 });
    const deadline = (rt as unknown as { deadline: AbortController }).deadline.signal;
    const cancelled: unknown[] = [];
    let running = 0;
    rt.registerActivity('Quick', () => 'quick');
    rt.registerActivity('Blocked', (ctx: ActivityContext) => {
      running++;
      return new Promise((resolve) =>
        ctx.signal.addEventListener('abort', () => {
          cancelled.push(ctx.signal.reason);
          resolve('cancelled');
        }),
      );
    });
    const losers = 6;
    rt.registerOrchestration('Losers', function* (ctx: OrchestrationContext) {
      for (let i = 0; i < 10; i++) yield ctx.scheduleActivity('Quick', i);
      const blocked = Array.from({ length: losers }, (_, i) => ctx.scheduleActivity('Blocked', i));
      // The event wins once every blocked activity runs: the completing ack deletes their rows (v2 §6).
      return yield ctx.race(ctx.all(blocked), ctx.waitForEvent('Go'));
    });
    await rt.start();
    await rt.client.startOrchestration('losers', 'Losers');
    await eventually(async () => (running === losers ? true : undefined));
    await rt.client.raiseEvent('losers', 'Go');
    expect(await rt.client.waitForOrchestration('losers')).toMatchObject({ status: 'Completed' });
    await eventually(async () => (cancelled.length === losers ? true : undefined));
    // Each cancelled activity's wait ended when its handler returned: none may leave its listener behind.
    await eventually(async () => (getEventListeners(deadline, 'abort').length === 0 ? true : undefined), 3_000);
    expect(cancelled).toEqual(Array.from({ length: losers }, () => 'orchestration-terminal'));
  });
});
