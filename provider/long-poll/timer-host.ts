/**
 * Where the listener's visibility timers run. The default is the event loop's `setTimeout`; tests on a manual clock
 * pass a host that fires due timers when the test moves its clock, so delayed visibility needs no real waiting.
 */
export interface TimerHost {
  set(delayMs: number, run: () => void): unknown;
  clear(handle: unknown): void;
}

export const REAL_TIMERS: TimerHost = {
  set: (delayMs, run) => setTimeout(run, delayMs).unref(),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
