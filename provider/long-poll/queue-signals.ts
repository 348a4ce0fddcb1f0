import { QUEUES, type QueueName } from './channels.js';

/**
 * Wake-ups of long-polling fetches, per queue. Each wake advances the queue's generation and releases every waiter;
 * a fetch reads the generation before its database attempt and waits only while it is unchanged, so a wake that
 * lands between the attempt and the wait is not lost (the wait returns at once).
 */
export class QueueSignals {
  private readonly generations: Record<QueueName, number> = { orch: 0, work: 0 };
  private readonly waiters: Record<QueueName, Set<(woken: boolean) => void>> = { orch: new Set(), work: new Set() };
  private closed = false;

  generation(queue: QueueName): number {
    return this.generations[queue];
  }

  /** Releases every waiter of `queue`; they attempt again, and those that find nothing wait again. */
  wake(queue: QueueName): void {
    this.generations[queue]++;
    this.release(queue, true);
  }

  wakeAll(): void {
    for (const queue of QUEUES) this.wake(queue);
  }

  /**
   * Resolves true as soon as `queue` was woken after `generation` was read (at once if it was already), false when
   * `timeoutMs` passes first or the signals are closed.
   */
  wait(queue: QueueName, generation: number, timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.generations[queue] !== generation) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = (woken: boolean) => {
        clearTimeout(timer);
        this.waiters[queue].delete(waiter);
        resolve(woken);
      };
      const timer = setTimeout(() => waiter(false), Math.max(0, Math.ceil(timeoutMs)));
      this.waiters[queue].add(waiter);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** How many fetches wait on `queue` now. */
  waiting(queue: QueueName): number {
    return this.waiters[queue].size;
  }

  /** Ends every wait (as a timeout: the fetch returns null) and every later one at once. */
  close(): void {
    this.closed = true;
    for (const queue of QUEUES) this.release(queue, false);
  }

  private release(queue: QueueName, woken: boolean): void {
    for (const waiter of [...this.waiters[queue]]) waiter(woken);
  }
}
