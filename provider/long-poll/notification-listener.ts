import pg from 'pg';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { createClient } from '../../generated/procedures.js';
import type { ProviderEvent } from '../provider-events.js';
import { listenerApplicationName, notifyChannel, QUEUES, type QueueName } from './channels.js';
import type { QueueSignals } from './queue-signals.js';
import { REAL_TIMERS, type TimerHost } from './timer-host.js';

export interface LongPollTiming {
  /** How often, and how far ahead, the listener asks the database when work next becomes visible. */
  refreshIntervalMs: number;
  /** Timers fire this long after the announced moment, so a woken fetch does not arrive before the row is visible. */
  timerGraceMs: number;
}

export interface ListenerOptions extends LongPollTiming {
  /** The listener's own connection; never a pooled one, whose session (and LISTEN) would be handed to others. */
  connection: pg.ClientConfig;
  schema: string;
  /** The provider's clock: notification payloads and `visible_at` are times of this clock. */
  clock: () => number;
  signals: QueueSignals;
  onEvent: (event: ProviderEvent) => void;
  timers?: TimerHost;
  /** Pauses before successive reconnect attempts; the last one repeats. */
  reconnectPausesMs?: readonly number[];
}

export const DEFAULT_RECONNECT_PAUSES_MS: readonly number[] = [100, 250, 500, 1000, 2000, 5000];

/** A refresh asked for by a timer runs at most this often (a clock standing still would otherwise spin). */
const MIN_CHAINED_REFRESH_SPACING_MS = 50;

interface ArmedTimer {
  handle: unknown;
  /** Armed from the database's answer: when it fires, ask for the next moment. */
  thenRefresh: boolean;
}

/**
 * The long-polling listener of one provider (contract v2 §3.15, §5.9): one dedicated connection that LISTENs on the
 * schema's two channels and turns notifications into wake-ups of waiting fetches — at once for work visible now, by
 * timer for work visible within the refresh window. After every (re)connect, every refresh interval and every timer
 * armed from the database, it asks `sp_next_visible_at` for the next moment a queue changes by time alone (lock and
 * lease expiries, delayed messages) and wakes every waiter once: notifications lost while disconnected, and expiries
 * that send none, are caught up that way. A lost connection is re-opened with backoff.
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private closed = false;
  private readonly queueOfChannel: Map<string, QueueName>;
  private readonly armed = new Map<string, ArmedTimer>();
  private readonly timers: TimerHost;
  private refreshing: Promise<void> | null = null;
  private lastRefreshAt = -Infinity;
  private refreshTimer: ReturnType<typeof setInterval> | null = null;
  private chainedRefresh: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: ListenerOptions) {
    this.queueOfChannel = new Map(QUEUES.map((queue) => [notifyChannel(options.schema, queue), queue]));
    this.timers = options.timers ?? REAL_TIMERS;
  }

  /** Connects, listens and refreshes once; rejects when that fails (later losses reconnect on their own). */
  async start(): Promise<void> {
    await this.connect();
    // Its timers never keep a process alive on their own (the connection does, until `close()`).
    this.refreshTimer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs).unref();
  }

  /** Whether the listening connection is up now. */
  get connected(): boolean {
    return this.client !== null;
  }

  /** How many visibility timers are armed now. */
  get armedTimers(): number {
    return this.armed.size;
  }

  /** Asks the database for the next moments, arms their timers and wakes every waiter; failures are reported. */
  refresh(): Promise<void> {
    const client = this.client;
    if (client === null || this.closed) return Promise.resolve();
    this.refreshing ??= this.refreshOn(client)
      .catch((error: unknown) => this.options.onEvent({ kind: 'listener-refresh-failed', error: asError(error) }))
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer !== null) clearInterval(this.refreshTimer);
    if (this.chainedRefresh !== null) clearTimeout(this.chainedRefresh);
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    for (const { handle } of this.armed.values()) this.timers.clear(handle);
    this.armed.clear();
    const client = this.client;
    this.client = null;
    // Its `error` listener stays: an error while ending must not become an uncaught one.
    if (client !== null) await client.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    // Named as the schema's listener: the procedures notify only while such a connection is open (0015).
    const client = new pg.Client({
      ...this.options.connection,
      application_name: listenerApplicationName(this.options.schema),
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the long-poll listener connection ended')));
    client.on('notification', (message) => this.notified(message.channel, message.payload));
    try {
      await client.connect();
      const channels = [...this.queueOfChannel.keys()].map((channel) => `LISTEN ${quoteIdentifier(channel)}`);
      await client.query(channels.join('; '));
      await this.refreshOn(client);
      if (this.closed) throw new Error('the provider was closed while its listener connected');
      this.client = client;
    } catch (error) {
      client.removeAllListeners('notification');
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw error;
    }
  }

  /** The connection died (server restart, network, a terminated backend): reconnect, unless it is an old one. */
  private lost(client: pg.Client, error: Error): void {
    if (client !== this.client) return;
    this.client = null;
    client.removeAllListeners('notification');
    void client.end().catch(() => {});
    this.reconnect(0, error);
  }

  private reconnect(attempt: number, error: Error): void {
    if (this.closed) return;
    const pauses = this.options.reconnectPausesMs ?? DEFAULT_RECONNECT_PAUSES_MS;
    const pauseMs = pauses[Math.min(attempt, pauses.length - 1)] ?? 1000;
    this.options.onEvent({ kind: 'listener-lost', error, attempt: attempt + 1, reconnectInMs: pauseMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.connect().then(
        () => this.options.onEvent({ kind: 'listener-reconnected', attempts: attempt + 1 }),
        (failure: unknown) => this.reconnect(attempt + 1, asError(failure)),
      );
    }, pauseMs).unref();
  }

  /**
   * A payload at or before now + grace wakes the queue now; one after now also gets a timer at payload + grace (a
   * producer whose clock runs slightly ahead announces rows this clock does not see yet); one beyond the refresh
   * window is left to a later refresh. An unreadable payload wakes the queue: the fetch decides.
   */
  private notified(channel: string, payload: string | undefined): void {
    const queue = this.queueOfChannel.get(channel);
    if (queue === undefined) return;
    const atMs = Number(payload);
    const now = this.now();
    if (now === null || !Number.isSafeInteger(atMs)) {
      this.options.signals.wake(queue);
      return;
    }
    const { timerGraceMs, refreshIntervalMs } = this.options;
    if (atMs <= now + timerGraceMs) this.options.signals.wake(queue);
    if (atMs > now && atMs <= now + refreshIntervalMs) this.arm(queue, atMs + timerGraceMs, false);
  }

  private async refreshOn(client: pg.Client): Promise<void> {
    this.lastRefreshAt = performance.now();
    const now = this.now();
    if (now !== null) {
      const { refreshIntervalMs, timerGraceMs } = this.options;
      const db = createClient(client, { schema: this.options.schema });
      for (const row of await db.nextVisibleAt({ nowMs: now, horizonMs: refreshIntervalMs })) {
        if (row.queue === 'orch' || row.queue === 'work') this.arm(row.queue, row.visibleAt + timerGraceMs, true);
      }
    }
    this.options.signals.wakeAll();
  }

  /** One timer per queue and moment; it wakes the queue, and asks for the next moment when the database named it. */
  private arm(queue: QueueName, atMs: number, thenRefresh: boolean): void {
    if (this.closed) return;
    const key = `${queue}@${atMs}`;
    const existing = this.armed.get(key);
    if (existing !== undefined) {
      existing.thenRefresh ||= thenRefresh;
      return;
    }
    const delayMs = Math.max(0, atMs - (this.now() ?? atMs));
    const timer: ArmedTimer = {
      thenRefresh,
      handle: this.timers.set(delayMs, () => {
        this.armed.delete(key);
        this.options.signals.wake(queue);
        if (timer.thenRefresh) this.refreshSoon();
      }),
    };
    this.armed.set(key, timer);
  }

  private refreshSoon(): void {
    if (this.chainedRefresh !== null || this.closed) return;
    const waitMs = Math.max(0, this.lastRefreshAt + MIN_CHAINED_REFRESH_SPACING_MS - performance.now());
    this.chainedRefresh = setTimeout(() => {
      this.chainedRefresh = null;
      void this.refresh();
    }, waitMs).unref();
  }

  /** The provider's clock, or null when it gives no usable time (the provider's calls report that themselves). */
  private now(): number | null {
    try {
      const value = this.options.clock();
      return Number.isFinite(value) ? Math.floor(value) : null;
    } catch {
      return null;
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
