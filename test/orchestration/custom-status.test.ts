import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../orchestration/index.js';
import { eventually, useHarness, waitForSubscription } from './support/harness.js';

const h = useHarness();

describe('E2E custom status', () => {
  it('E2E-55 custom status: latest value, growing version, change waits, survives continue-as-new, reset', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerOrchestration('Progress', function* (ctx: OrchestrationContext, round: number) {
      if (round === 0) {
        ctx.setCustomStatus('started');
        yield ctx.waitForEvent('Next');
        ctx.setCustomStatus('half');
        yield ctx.waitForEvent('Next');
        return yield ctx.continueAsNew(1);
      }
      const carried = ctx.getCustomStatus();
      yield ctx.waitForEvent('Next');
      ctx.resetCustomStatus();
      yield ctx.waitForEvent('Done');
      return { carried, now: ctx.getCustomStatus() };
    });
    await rt.start();
    await rt.client.startOrchestration('cs', 'Progress', 0);
    await waitForSubscription(provider, 'cs', 'Next');
    expect(await rt.client.getStatus('cs')).toEqual({
      status: 'Running',
      customStatus: 'started',
      customStatusVersion: 1,
    });

    const changed = rt.client.waitForStatusChange('cs', 1, 50, 10_000);
    await rt.client.raiseEvent('cs', 'Next');
    expect(await changed).toMatchObject({ status: 'Running', customStatus: 'half', customStatusVersion: 2 });

    // Continue-as-new: the next execution starts with the value, which the client keeps seeing unchanged.
    await rt.client.raiseEvent('cs', 'Next');
    await eventually(async () => ((await provider.listExecutions('cs')).length === 2 ? true : undefined));
    await waitForSubscription(provider, 'cs', 'Next');
    expect(await rt.client.getStatus('cs')).toMatchObject({ customStatus: 'half', customStatusVersion: 2 });
    expect((await provider.readExecution('cs', 2))[0]).toMatchObject({
      OrchestrationStarted: { initial_custom_status: 'half' },
    });

    const reset = rt.client.waitForStatusChange('cs', 2, 50, 10_000);
    await rt.client.raiseEvent('cs', 'Next');
    expect(await reset).toMatchObject({ status: 'Running', customStatus: null, customStatusVersion: 3 });
    await waitForSubscription(provider, 'cs', 'Done');
    await rt.client.raiseEvent('cs', 'Done');
    expect(await rt.client.waitForOrchestration('cs')).toEqual({
      status: 'Completed',
      output: { carried: 'half', now: null },
      customStatus: null,
      customStatusVersion: 3,
    });

    // Each live change is recorded once (replays rebuild the value without recording), and histories replay.
    const first = await provider.readExecution('cs', 1);
    const updates = first.filter((e) => 'CustomStatusUpdated' in e);
    expect(updates).toMatchObject([
      { CustomStatusUpdated: { status: 'started' } },
      { CustomStatusUpdated: { status: 'half' } },
    ]);
    const second = await provider.readExecution('cs', 2);
    expect(second.filter((e) => 'CustomStatusUpdated' in e)).toMatchObject([{ CustomStatusUpdated: { status: null } }]);
    expect(rt.replayCheck(first)).toMatchObject({ ok: true, newDecisions: 0 });
    expect(rt.replayCheck(second)).toMatchObject({ ok: true, newDecisions: 0 });
    // A terminal instance ends the wait even without a change.
    expect(await rt.client.waitForStatusChange('cs', 3, 50, 10_000)).toMatchObject({ status: 'Completed' });
  });
});
