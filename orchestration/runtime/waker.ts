/** Idle waits that end early on a wake-up (§3.3): wake-ups only shorten waits, correctness never depends on them. */
export class Waker {
  private waiting = new Set<() => void>();
  /**
   * §3.3: of a dispatcher's idle slots only one polls (long-polls, when the provider does); the others wait until
   * it finds work (it then wakes one of them) or in-process work arrives. Set while that slot's fetch runs.
   */
  polling = false;

  wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
    });
  }

  /** Ends one idle wait. */
  wakeOne(): void {
    const first = this.waiting.values().next();
    if (!first.done) first.value();
  }

  wakeAll(): void {
    for (const done of [...this.waiting]) done();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `promise` settles, `ms` pass or `signal` aborts, whichever comes first; leaves no timer and no listener
 * behind (the signal lives as long as the runtime, and every wait would otherwise add to its listeners).
 */
export async function settledWithin(promise: Promise<unknown>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let timer: NodeJS.Timeout | undefined;
  let onAbort!: () => void;
  const ended = new Promise<void>((resolve) => {
    onAbort = resolve;
    timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([promise.then(noop, noop), ended]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

const noop = () => {};

/** ±10 % jitter so that slots of several processes spread out. */
export const jitter = (ms: number) => Math.max(0, Math.round(ms * (0.9 + Math.random() * 0.2)));
