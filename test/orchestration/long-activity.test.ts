import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../orchestration/index.js';
import { eventually, hasKind, useHarness, waitForHistory } from './support/harness.js';

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
