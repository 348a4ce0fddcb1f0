import type { ClockReading } from './clock-skew-guard.js';
import type { ProviderError } from './provider-error.js';

/** What the provider reports besides its calls' results: the `onEvent` option receives each. */
export type ProviderEvent =
  /** A connection of the provider's own pool died while idle (server restart, proxy, idle timeout); it is replaced. */
  | { kind: 'connection-lost'; error: Error }
  /** A call failed retryably and is re-issued after `pauseMs`; `attempt` counts re-issues from 1. */
  | { kind: 'retry'; operation: string; attempt: number; pauseMs: number; error: ProviderError }
  /** A comparison of this host's clock with the server's (at start-up and every `clockCheckIntervalMs`). */
  | { kind: 'clock-reading'; reading: ClockReading }
  /** A periodic clock comparison could not reach the server; the last verdict stands. */
  | { kind: 'clock-check-failed'; error: ProviderError }
  /** The long-poll listener's connection was lost (or a reconnect failed); attempt `attempt` follows after the pause. */
  | { kind: 'listener-lost'; error: Error; attempt: number; reconnectInMs: number }
  /** The long-poll listener listens again, after `attempts` attempts; its refresh has woken every waiting fetch. */
  | { kind: 'listener-reconnected'; attempts: number }
  /** The long-poll listener's periodic look at the queues failed; waiting fetches still end at their poll timeout. */
  | { kind: 'listener-refresh-failed'; error: Error };

/** The default `onEvent`: what an operator should see goes to `console.warn`; retries and good readings do not. */
export function warnOnConsole(event: ProviderEvent): void {
  switch (event.kind) {
    case 'connection-lost':
      console.warn(`PostgresProvider: a pooled connection was lost and will be replaced: ${event.error.message}`);
      break;
    case 'clock-reading':
      if (event.reading.verdict !== 'ok') {
        console.warn(
          `PostgresProvider: this host's clock is ${event.reading.skewMs} ms off the database server's ` +
            `(round trip ${event.reading.roundTripMs} ms)${event.reading.verdict === 'refuse' ? '; calls are refused' : ''}`,
        );
      }
      break;
    case 'clock-check-failed':
      console.warn(`PostgresProvider: the clock check could not reach the server: ${event.error.message}`);
      break;
    case 'listener-lost':
      console.warn(
        `PostgresProvider: the long-poll listener lost its connection (${event.error.message}); ` +
          `reconnect attempt ${event.attempt} in ${event.reconnectInMs} ms`,
      );
      break;
    case 'listener-refresh-failed':
      console.warn(`PostgresProvider: the long-poll listener could not read the queues: ${event.error.message}`);
      break;
    case 'retry':
    case 'listener-reconnected':
      break;
  }
}
