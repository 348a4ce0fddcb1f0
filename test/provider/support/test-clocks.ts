/** Time sources for the provider: every time it compares comes from its `clock` option, so tests never sleep. */

export interface TestClock {
  /** A property, not a method: it is handed to the provider as its `clock` on its own. */
  now: () => number;
  advance(ms: number): void;
}

export interface ManualClock extends TestClock {
  set(ms: number): void;
}

/** Stands still at `startMs` until the test moves it. */
export function manualClock(startMs = Date.now()): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/** Real time shifted by `skewMs`, as an application host whose clock disagrees with the database's. */
export function skewedClock(skewMs: number): TestClock {
  let offset = skewMs;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}
