import { describe, expect, it } from 'vitest';
import { QueueSignals } from '../../../provider/long-poll/queue-signals.js';
import { waitForWork } from '../../../provider/long-poll/wait-for-work.js';

/** An attempt that answers from a list, one answer per call, counting its calls. */
function answers<T>(...results: (T | null)[]) {
  const attempt = async () => {
    attempt.calls++;
    await Promise.resolve();
    return results.shift() ?? null;
  };
  attempt.calls = 0;
  return attempt;
}

describe('QueueSignals', () => {
  it('returns at once from a wait whose generation is already stale: a wake before the wait is not lost', async () => {
    const signals = new QueueSignals();
    const generation = signals.generation('work');
    signals.wake('work');
    expect(await signals.wait('work', generation, 60_000)).toBe(true);
  });

  it('wakes every waiter of a queue, and only that queue', async () => {
    const signals = new QueueSignals();
    const orch = signals.generation('orch');
    const work = signals.generation('work');
    const waits = [signals.wait('work', work, 60_000), signals.wait('work', work, 60_000)];
    const other = signals.wait('orch', orch, 60_000);
    expect(signals.waiting('work')).toBe(2);
    signals.wake('work');
    expect(await Promise.all(waits)).toEqual([true, true]);
    expect(signals.waiting('work')).toBe(0);
    expect(signals.generation('orch')).toBe(orch);
    expect(signals.waiting('orch')).toBe(1);
    signals.wakeAll();
    expect(await other).toBe(true);
  });

  it('ends a wait with false at its timeout, and every wait at once when closed', async () => {
    const signals = new QueueSignals();
    expect(await signals.wait('orch', signals.generation('orch'), 1)).toBe(false);
    const pending = signals.wait('orch', signals.generation('orch'), 60_000);
    signals.close();
    expect(await pending).toBe(false);
    expect(await signals.wait('orch', signals.generation('orch'), 60_000)).toBe(false);
  });
});

describe('waitForWork', () => {
  it('short polling (no signals, or a zero timeout) makes exactly one attempt', async () => {
    const once = answers<string>(null, 'late');
    expect(await waitForWork(null, 'orch', 60_000, once)).toBeNull();
    expect(once.calls).toBe(1);
    const zero = answers<string>(null, 'late');
    expect(await waitForWork(new QueueSignals(), 'orch', 0, zero)).toBeNull();
    expect(zero.calls).toBe(1);
  });

  it('returns the first attempt that finds work without waiting', async () => {
    const attempt = answers('item');
    expect(await waitForWork(new QueueSignals(), 'work', 60_000, attempt)).toBe('item');
    expect(attempt.calls).toBe(1);
  });

  it('attempts again after a wake that arrived while the previous attempt ran', async () => {
    const signals = new QueueSignals();
    let calls = 0;
    // The notification lands between the attempt's query and the wait: the generation read before it has moved.
    const attempt = async () => {
      calls++;
      if (calls === 1) {
        signals.wake('work');
        return null;
      }
      return 'item';
    };
    expect(await waitForWork(signals, 'work', 60_000, attempt)).toBe('item');
    expect(calls).toBe(2);
  });

  it('attempts again on each wake of its queue, not on wakes of the other', async () => {
    const signals = new QueueSignals();
    const attempt = answers<string>(null, null, 'item');
    const polled = waitForWork(signals, 'orch', 60_000, attempt);
    await expect.poll(() => signals.waiting('orch')).toBe(1);
    signals.wake('work');
    expect(attempt.calls).toBe(1);
    signals.wake('orch');
    await expect.poll(() => attempt.calls).toBe(2);
    await expect.poll(() => signals.waiting('orch')).toBe(1);
    signals.wake('orch');
    expect(await polled).toBe('item');
    expect(attempt.calls).toBe(3);
  });

  it('returns null once the poll timeout has passed, and at once when the signals close', async () => {
    const signals = new QueueSignals();
    const started = performance.now();
    expect(await waitForWork(signals, 'orch', 30, answers<string>())).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
    const attempt = answers<string>();
    const polled = waitForWork(signals, 'orch', 60_000, attempt);
    await expect.poll(() => signals.waiting('orch')).toBe(1);
    signals.close();
    expect(await polled).toBeNull();
    expect(attempt.calls).toBe(1);
  });
});
