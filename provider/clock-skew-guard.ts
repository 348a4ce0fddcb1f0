import type pg from 'pg';
import { ProviderError, toProviderError } from './provider-error.js';

/** One comparison of the caller's clock with the database server's. */
export interface ClockReading {
  /** The caller's clock minus the server's at the middle of the round trip; positive when the caller runs ahead. */
  skewMs: number;
  /** The round trip by the caller's clock: the skew is known to within half of it. */
  roundTripMs: number;
  /** `warn` or `refuse` when the skew, less that uncertainty, is past the limit. */
  verdict: 'ok' | 'warn' | 'refuse';
}

export interface ClockSkewLimits {
  warnMs: number;
  refuseMs: number;
}

/**
 * The one place the database's clock is read. Every time the procedures compare comes from the caller's clock (so
 * one clock decides, contract §5.4); the server's is only the common reference the nodes' clocks are checked against.
 */
const SERVER_CLOCK_SQL = 'SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS server_ms';

/** Refused: the caller's clock is too far from the server's for its lock and timer decisions to be trusted. */
export class ClockSkewError extends ProviderError {
  override readonly name = 'ClockSkewError';
  constructor(
    operation: string,
    readonly reading: ClockReading,
    limitMs: number,
  ) {
    super(
      operation,
      `this host's clock is ${Math.abs(reading.skewMs)} ms ${reading.skewMs > 0 ? 'ahead of' : 'behind'} the ` +
        `database server's (measured over a ${reading.roundTripMs} ms round trip), past clockSkewRefuseMs = ` +
        `${limitMs} ms. Every lock and timer is compared with the caller's clock, so a node this far off would take ` +
        "locks other nodes hold and fire timers early or late; the provider refuses to work until the host's " +
        'clock is synchronised (NTP).',
      null,
      false,
    );
  }
}

/**
 * Compares the caller's clock with the server's at start-up and every `intervalMs`, reports each reading, and
 * refuses the provider's calls while the last reading is past the refusal limit.
 */
export class ClockSkewGuard {
  private last: ClockReading | null = null;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<ClockReading> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: () => number,
    private readonly limits: ClockSkewLimits,
    private readonly onReading: (reading: ClockReading) => void,
    private readonly onCheckFailed: (error: ProviderError) => void,
  ) {}

  /** Measures now (sharing a measurement already under way), records and reports the reading. */
  check(): Promise<ClockReading> {
    this.inFlight ??= this.measure().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Checks every `intervalMs` until `stop()`; the timer keeps no process alive. */
  startChecking(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      // A failed check (server down) keeps the last verdict; the provider's own calls report the outage.
      this.check().catch((error: unknown) => this.onCheckFailed(toProviderError('checkClock', error)));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Throws when the last reading was past the refusal limit. */
  assertAcceptable(operation: string): void {
    if (this.last?.verdict === 'refuse') throw new ClockSkewError(operation, this.last, this.limits.refuseMs);
  }

  private async measure(): Promise<ClockReading> {
    const before = this.clock();
    const result = await this.pool.query<{ server_ms: string }>(SERVER_CLOCK_SQL);
    const after = this.clock();
    const serverMs = Number(result.rows[0]?.server_ms);
    const roundTripMs = Math.max(0, after - before);
    const skewMs = Math.round((before + after) / 2 - serverMs);
    const leastSkewMs = Math.abs(skewMs) - roundTripMs / 2;
    const verdict = leastSkewMs > this.limits.refuseMs ? 'refuse' : leastSkewMs > this.limits.warnMs ? 'warn' : 'ok';
    const reading: ClockReading = { skewMs, roundTripMs, verdict };
    this.last = reading;
    this.onReading(reading);
    return reading;
  }
}
