import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../orchestration/index.js';
import { childInstanceId } from '../../orchestration/engine/child-id.js';
import { useHarness } from './support/harness.js';

const h = useHarness();

describe('auto child ids', () => {
  it('stay unique across continue-as-new: every execution runs its own child', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    const childRuns: number[] = [];
    rt.registerActivity('Record', (_c, n: number) => {
      childRuns.push(n);
      return n;
    });
    rt.registerOrchestration('Square', function* (ctx: OrchestrationContext, n: number) {
      yield ctx.scheduleActivity('Record', n);
      return n * n;
    });
    // The child is scheduled at the same event id (2) in every execution.
    rt.registerOrchestration('Loop', function* (ctx: OrchestrationContext, state: { n: number; squares: number[] }) {
      const square = (yield ctx.scheduleSubOrchestration('Square', state.n)) as number;
      const squares = [...state.squares, square];
      if (state.n < 3) return yield ctx.continueAsNew({ n: state.n + 1, squares });
      return squares;
    });
    await rt.start();
    await rt.client.startOrchestration('loop', 'Loop', { n: 1, squares: [] });
    expect(await rt.client.waitForOrchestration('loop')).toEqual({ status: 'Completed', output: [1, 4, 9] });
    expect(childRuns).toEqual([1, 2, 3]);
    const children = (await provider.listInstances()).filter((id) => id !== 'loop').sort();
    expect(children).toEqual(['loop::sub::2', 'loop::sub::2.2', 'loop::sub::3.2']);
    for (const [execution, child] of [
      [1, 'loop::sub::2'],
      [2, 'loop::sub::2.2'],
      [3, 'loop::sub::3.2'],
    ] as const) {
      const [scheduled] = (await provider.readExecution('loop', execution)).filter(
        (e) => 'SubOrchestrationScheduled' in e,
      );
      expect(scheduled).toMatchObject({ SubOrchestrationScheduled: { event_id: 2, instance: child } });
      const [started] = await provider.readExecution(child, 1);
      expect(started).toMatchObject({
        OrchestrationStarted: { parent_instance: 'loop', parent_id: 2, parent_execution_id: execution },
      });
    }
  });

  it('the two forms cannot produce the same id', () => {
    expect(childInstanceId('p', 1, 12)).toBe('p::sub::12');
    expect(childInstanceId('p', 2, 12)).toBe('p::sub::2.12');
    // Event ids and execution ids are integers, so a dot appears after the last `::sub::` only in the second form.
    const ids = new Set<string>();
    for (const parent of ['p', 'p::sub::1', 'p::sub::1.2'])
      for (let execution = 1; execution <= 4; execution++)
        for (let event = 1; event <= 15; event++) ids.add(childInstanceId(parent, execution, event));
    expect(ids.size).toBe(3 * 4 * 15);
  });
});
