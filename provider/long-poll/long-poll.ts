import type pg from 'pg';
import type { ProviderEvent } from '../provider-events.js';
import type { QueueName } from './channels.js';
import type { LongPollSettings } from './long-poll-options.js';
import { NotificationListener } from './notification-listener.js';
import { QueueSignals } from './queue-signals.js';
import { waitForWork } from './wait-for-work.js';

export interface LongPollStart {
  /** The provider's pool (its connection settings are reused, its connections never) or its connection string. */
  pool?: pg.Pool;
  connectionString?: string;
  schema: string;
  clock: () => number;
  settings: LongPollSettings;
  onEvent: (event: ProviderEvent) => void;
}

/** A provider's long polling: its listener and the signals its waiting fetches wait on. */
export class LongPoll {
  private constructor(
    private readonly signals: QueueSignals,
    private readonly listener: NotificationListener,
  ) {}

  /** Opens the listener; rejects when its first connection, LISTEN or refresh fails. */
  static async start(options: LongPollStart): Promise<LongPoll> {
    const signals = new QueueSignals();
    const listener = new NotificationListener({
      connection: listenerConnection(options.pool, options.connectionString),
      schema: options.schema,
      clock: options.clock,
      signals,
      onEvent: options.onEvent,
      refreshIntervalMs: options.settings.refreshIntervalMs,
      timerGraceMs: options.settings.timerGraceMs,
    });
    await listener.start();
    return new LongPoll(signals, listener);
  }

  /** `waitForWork` on this provider's signals. */
  waitForWork<T>(queue: QueueName, pollTimeoutMs: number, attempt: () => Promise<T | null>): Promise<T | null> {
    return waitForWork(this.signals, queue, pollTimeoutMs, attempt);
  }

  /** Ends every wait (the fetches return null) and closes the listener's connection. */
  async close(): Promise<void> {
    this.signals.close();
    await this.listener.close();
  }
}

/**
 * The listener's connection settings: the pool's own (pg-pool keeps what it was created with, the same object it
 * opens its clients from), or the connection string. TCP keep-alive, because a listener only reads: without it a
 * peer that vanished would go unnoticed until the next refresh query hangs.
 */
function listenerConnection(pool: pg.Pool | undefined, connectionString: string | undefined): pg.ClientConfig {
  const base: pg.ClientConfig = pool ? { ...pool.options } : { connectionString, connectionTimeoutMillis: 10_000 };
  return { ...base, keepAlive: true };
}
