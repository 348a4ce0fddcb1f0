import type { TimerHost } from '../../../../provider/long-poll/timer-host.js';
import type { ManualClock } from '../../support/test-clocks.js';

interface ManualTimer {
  dueAt: number;
  run: () => void;
}

/** A timer host on a manual clock: timers fire when the test moves the clock and calls `runDue`, never by themselves. */
export interface ManualTimers {
  readonly host: TimerHost;
  /** The clock times at which armed timers are due, earliest first. */
  dueTimes(): number[];
  /** Runs, in due order, every timer due at the clock's current time. */
  runDue(): void;
}

export function manualTimers(clock: ManualClock): ManualTimers {
  const pending = new Set<ManualTimer>();
  return {
    host: {
      set: (delayMs, run) => {
        const timer = { dueAt: clock.now() + delayMs, run };
        pending.add(timer);
        return timer;
      },
      clear: (handle) => {
        pending.delete(handle as ManualTimer);
      },
    },
    dueTimes: () => [...pending].map((timer) => timer.dueAt).sort((a, b) => a - b),
    runDue: () => {
      const due = [...pending].filter((timer) => timer.dueAt <= clock.now()).sort((a, b) => a.dueAt - b.dueAt);
      for (const timer of due) {
        pending.delete(timer);
        timer.run();
      }
    },
  };
}
