import { describe, expect, it } from 'vitest';
import { main as eternal } from '../../examples/eternal.js';
import { main as fanOut } from '../../examples/fan-out-fan-in.js';
import { main as hello } from '../../examples/hello-world.js';
import { main as approval } from '../../examples/human-approval.js';
import { runOrder } from '../../orchestration/demo/run-order.js';
import { useHarness } from './support/harness.js';

const h = useHarness();

describe('examples and the npm start demo', () => {
  it('hello world', async () => {
    expect(await hello(await h.provider())).toBe('Hello, World!');
  });
  it('fan-out/fan-in', async () => {
    expect(await fanOut(await h.provider())).toEqual({ counts: [3, 2, 1, 3], total: 9 });
  });
  it('human approval with timeout', async () => {
    expect(await approval(await h.provider())).toEqual(['laptop: approved by ann', 'yacht: timed out']);
  });
  it('eternal orchestration with continue-as-new', async () => {
    expect(await eternal(await h.provider())).toEqual({
      log: ['round 0 cleaned', 'round 1 cleaned', 'round 2 cleaned'],
      executions: [1, 2, 3],
    });
  });
  it('npm start: the order orchestration', async () => {
    const provider = await h.provider();
    const lines: string[] = [];
    const status = await runOrder(provider, 'order-t', (line) => lines.push(line));
    expect(status).toMatchObject({
      status: 'Completed',
      output: { status: 'shipped', approvedBy: 'manager', tracking: 'parcel-42/TRACK-9' },
    });
    expect(await provider.listExecutions('order-t')).toEqual([1, 2]);
    expect(lines.filter((l) => l.includes('charging'))).toHaveLength(1);
  });
});
