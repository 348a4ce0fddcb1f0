import type { QueueName } from './channels.js';
import type { QueueSignals } from './queue-signals.js';

/**
 * A fetch's poll (contract v2 §3.15). Short polling (`signals` null, or no time to wait) makes one attempt and returns
 * its answer. Long polling attempts, and while the attempt finds nothing waits for a wake of `queue` — holding no
 * connection — and attempts again, until an attempt returns something or `pollTimeoutMs` has passed. The generation
 * is read before each attempt, so work announced while the attempt ran is not slept through.
 */
export async function waitForWork<T>(
  signals: QueueSignals | null,
  queue: QueueName,
  pollTimeoutMs: number,
  attempt: () => Promise<T | null>,
): Promise<T | null> {
  if (signals === null || pollTimeoutMs <= 0) return attempt();
  const deadline = performance.now() + pollTimeoutMs;
  for (;;) {
    const generation = signals.generation(queue);
    const found = await attempt();
    if (found !== null) return found;
    // A timer can fire a millisecond early (the event loop's cached time): wait out what is left.
    for (;;) {
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0 || signals.isClosed) return null;
      if (await signals.wait(queue, generation, remainingMs)) break;
    }
  }
}
