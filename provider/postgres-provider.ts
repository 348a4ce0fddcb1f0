import pg from 'pg';
import type { ProviderBackend } from './backend.js';
import { InlineBackend } from './inline/inline-backend.js';
import { type ClockReading, ClockSkewError, ClockSkewGuard } from './clock-skew-guard.js';
import {
  readClock,
  requireDelay,
  requireExecutionId,
  requireInstanceId,
  requireJson,
  requireJsonArray,
  requireMetadata,
  requirePollTimeout,
  requireText,
} from './input-validation.js';
import type { QueueName } from './long-poll/channels.js';
import { LongPoll } from './long-poll/long-poll.js';
import { type LongPollOptions, resolveLongPoll } from './long-poll/long-poll-options.js';
import { migrate } from './migrations/run-migrations.js';
import { ProceduresBackend } from './procedures/procedures-backend.js';
import type { ProviderEvent } from './provider-events.js';
import { type ProviderSettings, resolveSettings } from './provider-settings.js';
import { withReissue } from './reissue.js';
import { checkHistory, checkOrchestrationItem } from './stored-data.js';
import type { HistoryEvent } from './types/history-event.js';
import type {
  ExecutionInfo,
  ExecutionMetadata,
  InstanceInfo,
  OrchestrationItem,
  QueueDepths,
  SystemMetrics,
  WorkerLease,
} from './types/provider-types.js';
import type { WorkItem } from './types/work-item.js';

/** Which code path does a method's database work: the generated procedure client (default) or inline SQL. */
export type Implementation = 'procedures' | 'inline';

export const PROVIDER_METHODS = [
  'fetchOrchestrationItem',
  'ackOrchestrationItem',
  'abandonOrchestrationItem',
  'read',
  'readWithExecution',
  'appendWithExecution',
  'enqueueWorkerWork',
  'dequeueWorkerPeekLock',
  'ackWorker',
  'enqueueOrchestratorWork',
  'latestExecutionId',
  'listInstances',
  'listExecutions',
  'listInstancesByStatus',
  'getInstanceInfo',
  'getExecutionInfo',
  'readExecution',
  'getSystemMetrics',
  'getQueueDepths',
] as const;

export type ProviderMethod = (typeof PROVIDER_METHODS)[number];

export interface PostgresProviderOptions {
  /** Where to connect; ignored when `pool` is given. The provider's own pool reports lost connections to `onEvent`. */
  connectionString?: string;
  /**
   * An existing pool; the provider then leaves closing it to the caller, and listening for its `error` events: a pool
   * without an `error` listener ends the process when an idle connection is lost.
   */
  pool?: pg.Pool;
  /** Schema holding this provider's tables and procedures (default `public`); any name works. */
  schema?: string;
  /** How long a fetched orchestration item or dequeued work item stays locked (default 30 s). */
  lockTimeoutMs?: number;
  /**
   * Epoch milliseconds; every time the database compares comes from here (default `Date.now`). A fractional reading is
   * floored; one that is not a number from 0 to 2^53 - 1 fails the call with 22023.
   */
  clock?: () => number;
  /** Apply the migrations on start (default true). */
  migrate?: boolean;
  /** One implementation for every method, or a choice per method (unlisted methods use procedures). */
  implementation?: Implementation | Partial<Record<ProviderMethod, Implementation>>;
  /** Pauses before each re-issue of a call that failed retryably (default 50, 100, 150 ms: three re-issues). */
  retryPausesMs?: readonly number[];
  /** Warn when `clock` and the server's clock differ by more than this (default 1000 ms). */
  clockSkewWarnMs?: number;
  /** Refuse to start, and refuse calls, while they differ by more than this (default 30,000 ms; `Infinity`: never). */
  clockSkewRefuseMs?: number;
  /** Compare the clocks again this often (default 60,000 ms; 0: only at start-up). */
  clockCheckIntervalMs?: number;
  /** Receives lost connections, re-issues and clock readings (default: problems are written to `console.warn`). */
  onEvent?: (event: ProviderEvent) => void;
  /**
   * Long polling (contract v2 §3.15, off by default): a fetch given a `pollTimeoutMs` waits for work on
   * LISTEN/NOTIFY instead of returning null at once. Opens one more connection, outside the pool, for listening;
   * it needs the procedures implementation for every method (the inline baseline sends no notifications).
   */
  longPoll?: LongPollOptions;
}

/**
 * The durable-orchestration storage provider (contract §3) on PostgreSQL. Every method is one database call, i.e.
 * one transaction (re-issued when the server reports a retryable failure); every failure is a `ProviderError` and
 * leaves the database as it was.
 */
export class PostgresProvider {
  readonly schema: string;
  readonly lockTimeoutMs: number;
  private readonly clock: () => number;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    private readonly settings: ProviderSettings,
    private readonly backends: Record<ProviderMethod, ProviderBackend>,
    private readonly clockGuard: ClockSkewGuard,
    private readonly longPoll: LongPoll | null,
  ) {
    this.schema = settings.schema;
    this.lockTimeoutMs = settings.lockTimeoutMs;
    this.clock = settings.clock;
  }

  static async create(options: PostgresProviderOptions = {}): Promise<PostgresProvider> {
    const settings = resolveSettings(options);
    const longPollSettings = resolveLongPoll(options.longPoll);
    const { schema, onEvent } = settings;
    const pool = options.pool ?? openOwnPool(options.connectionString!, onEvent);
    const ownsPool = !options.pool;
    const clockGuard = new ClockSkewGuard(
      pool,
      settings.clock,
      settings.clockSkew,
      (reading) => onEvent({ kind: 'clock-reading', reading }),
      (error) => onEvent({ kind: 'clock-check-failed', error }),
    );
    try {
      const reading = await clockGuard.check();
      if (reading.verdict === 'refuse') throw new ClockSkewError('create', reading, settings.clockSkew.refuseMs);
      if (options.migrate ?? true) await migrate(pool, { schema });
      const procedures = new ProceduresBackend(pool, schema);
      const inline = new InlineBackend(pool, schema);
      const choice = options.implementation ?? 'procedures';
      const backends = {} as Record<ProviderMethod, ProviderBackend>;
      for (const method of PROVIDER_METHODS) {
        const implementation = typeof choice === 'string' ? choice : (choice[method] ?? 'procedures');
        backends[method] = implementation === 'inline' ? inline : procedures;
      }
      if (Object.values(backends).includes(procedures)) await procedures.assertProceduresMatchClient();
      if (longPollSettings.enabled && Object.values(backends).includes(inline)) {
        throw new Error(
          'longPoll needs the procedures implementation for every method: the inline baseline sends no notifications',
        );
      }
      const longPoll = longPollSettings.enabled
        ? await LongPoll.start({
            pool: options.pool,
            connectionString: options.connectionString,
            schema,
            clock: settings.clock,
            settings: longPollSettings,
            onEvent,
          })
        : null;
      clockGuard.startChecking(settings.clockCheckIntervalMs);
      return new PostgresProvider(pool, ownsPool, settings, backends, clockGuard, longPoll);
    } catch (error) {
      if (ownsPool) await pool.end();
      throw error;
    }
  }

  /** Stops the clock checks and the long-poll listener (waiting fetches return null), and closes its own pool. */
  async close(): Promise<void> {
    this.clockGuard.stop();
    await this.longPoll?.close();
    if (this.ownsPool) await this.pool.end();
  }

  /** Compares this host's clock with the server's now (as the periodic check does) and returns the reading. */
  checkClock(): Promise<ClockReading> {
    return this.clockGuard.check();
  }

  /**
   * Runs one method's database call, refused while the clocks disagree too much, and re-issued when it fails
   * retryably (`reissue.ts`). Every failure is a `ProviderError` and leaves the database as it was.
   */
  private async run<T>(method: ProviderMethod, call: (backend: ProviderBackend) => Promise<T>): Promise<T> {
    this.clockGuard.assertAcceptable(method);
    return withReissue(method, () => call(this.backends[method]), {
      pausesMs: this.settings.retryPausesMs,
      onRetry: (attempt, error, pauseMs) =>
        this.settings.onEvent({ kind: 'retry', operation: method, attempt, pauseMs, error }),
    });
  }

  /**
   * A fetch's poll: one attempt in short-poll mode; in long-poll mode attempts again on every wake of `queue` until
   * one finds work or `pollTimeoutMs` has passed (`long-poll/wait-for-work.ts`). No connection is held while waiting.
   */
  private async waitForWork<T>(
    method: ProviderMethod,
    queue: QueueName,
    pollTimeoutMs: number,
    attempt: () => Promise<T | null>,
  ): Promise<T | null> {
    requirePollTimeout(method, pollTimeoutMs);
    return this.longPoll ? this.longPoll.waitForWork(queue, pollTimeoutMs, attempt) : attempt();
  }

  /** The clock's reading for one attempt of a call (see `readClock`). */
  private now(method: ProviderMethod): number {
    return readClock(method, this.clock);
  }

  // --- orchestrator queue -------------------------------------------------------------------------------------

  /** `pollTimeoutMs`: how long a long-polling provider may wait for work (default 0: answer at once). */
  fetchOrchestrationItem(pollTimeoutMs = 0): Promise<OrchestrationItem | null> {
    return this.waitForWork('fetchOrchestrationItem', 'orch', pollTimeoutMs, () =>
      this.run('fetchOrchestrationItem', async (b) =>
        checkOrchestrationItem(
          'fetchOrchestrationItem',
          await b.fetchOrchestrationItem(this.now('fetchOrchestrationItem'), this.lockTimeoutMs),
        ),
      ),
    );
  }

  ackOrchestrationItem(
    lockToken: string,
    executionId: number,
    historyDelta: HistoryEvent[],
    workerItems: WorkItem[],
    orchestratorItems: WorkItem[],
    metadata: ExecutionMetadata = {},
  ): Promise<void> {
    return this.run('ackOrchestrationItem', (b) => {
      const operation = 'ackOrchestrationItem';
      requireText(operation, 'lock token', lockToken);
      requireExecutionId(operation, executionId);
      requireJsonArray(operation, 'events', historyDelta);
      requireJsonArray(operation, 'worker items', workerItems);
      requireJsonArray(operation, 'orchestrator items', orchestratorItems);
      requireMetadata(operation, metadata);
      return b.ackOrchestrationItem({
        lockToken,
        nowMs: this.now(operation),
        executionId,
        historyDelta,
        workerItems,
        orchestratorItems,
        metadata,
      });
    });
  }

  abandonOrchestrationItem(lockToken: string, delayMs?: number): Promise<void> {
    return this.run('abandonOrchestrationItem', (b) => {
      requireText('abandonOrchestrationItem', 'lock token', lockToken);
      requireDelay('abandonOrchestrationItem', delayMs);
      return b.abandonOrchestrationItem(lockToken, this.now('abandonOrchestrationItem'), delayMs ?? null);
    });
  }

  enqueueOrchestratorWork(item: WorkItem, delayMs?: number): Promise<void> {
    return this.run('enqueueOrchestratorWork', (b) => {
      requireJson('enqueueOrchestratorWork', 'work item', item);
      requireDelay('enqueueOrchestratorWork', delayMs);
      return b.enqueueOrchestratorWork(item, this.now('enqueueOrchestratorWork'), delayMs ?? null);
    });
  }

  // --- worker queue -------------------------------------------------------------------------------------------

  enqueueWorkerWork(item: WorkItem): Promise<void> {
    return this.run('enqueueWorkerWork', (b) => {
      requireJson('enqueueWorkerWork', 'work item', item);
      return b.enqueueWorkerWork(item, this.now('enqueueWorkerWork'));
    });
  }

  /** `pollTimeoutMs`: how long a long-polling provider may wait for work (default 0: answer at once). */
  dequeueWorkerPeekLock(pollTimeoutMs = 0): Promise<WorkerLease | null> {
    return this.waitForWork('dequeueWorkerPeekLock', 'work', pollTimeoutMs, () =>
      this.run('dequeueWorkerPeekLock', (b) =>
        b.dequeueWorkerPeekLock(this.now('dequeueWorkerPeekLock'), this.lockTimeoutMs),
      ),
    );
  }

  ackWorker(lockToken: string, completion: WorkItem): Promise<void> {
    return this.run('ackWorker', (b) => {
      requireText('ackWorker', 'lock token', lockToken);
      requireJson('ackWorker', 'completion', completion);
      return b.ackWorker(lockToken, completion, this.now('ackWorker'));
    });
  }

  // --- history ------------------------------------------------------------------------------------------------

  /** The current execution's events; empty for an unknown instance. */
  read(instance: string): Promise<HistoryEvent[]> {
    return this.run('read', async (b) => {
      requireInstanceId('read', instance);
      return checkHistory('read', instance, await b.read(instance));
    });
  }

  readWithExecution(instance: string, executionId: number): Promise<HistoryEvent[]> {
    return this.run('readWithExecution', async (b) => {
      requireInstanceId('readWithExecution', instance);
      requireExecutionId('readWithExecution', executionId);
      return checkHistory('readWithExecution', instance, await b.readWithExecution(instance, executionId));
    });
  }

  appendWithExecution(instance: string, executionId: number, events: HistoryEvent[]): Promise<void> {
    return this.run('appendWithExecution', (b) => {
      requireInstanceId('appendWithExecution', instance);
      requireExecutionId('appendWithExecution', executionId);
      requireJsonArray('appendWithExecution', 'events', events);
      return b.appendWithExecution(instance, executionId, events, this.now('appendWithExecution'));
    });
  }

  latestExecutionId(instance: string): Promise<number | null> {
    return this.run('latestExecutionId', (b) => {
      requireInstanceId('latestExecutionId', instance);
      return b.latestExecutionId(instance);
    });
  }

  listInstances(): Promise<string[]> {
    return this.run('listInstances', (b) => b.listInstances());
  }

  listExecutions(instance: string): Promise<number[]> {
    return this.run('listExecutions', (b) => {
      requireInstanceId('listExecutions', instance);
      return b.listExecutions(instance);
    });
  }

  // --- management ---------------------------------------------------------------------------------------------

  listInstancesByStatus(status: string): Promise<string[]> {
    return this.run('listInstancesByStatus', (b) => {
      requireText('listInstancesByStatus', 'status', status);
      return b.listInstancesByStatus(status);
    });
  }

  getInstanceInfo(instance: string): Promise<InstanceInfo> {
    return this.run('getInstanceInfo', (b) => {
      requireInstanceId('getInstanceInfo', instance);
      return b.getInstanceInfo(instance);
    });
  }

  getExecutionInfo(instance: string, executionId: number): Promise<ExecutionInfo> {
    return this.run('getExecutionInfo', (b) => {
      requireInstanceId('getExecutionInfo', instance);
      requireExecutionId('getExecutionInfo', executionId);
      return b.getExecutionInfo(instance, executionId);
    });
  }

  readExecution(instance: string, executionId: number): Promise<HistoryEvent[]> {
    return this.run('readExecution', async (b) => {
      requireInstanceId('readExecution', instance);
      requireExecutionId('readExecution', executionId);
      return checkHistory('readExecution', instance, await b.readWithExecution(instance, executionId));
    });
  }

  getSystemMetrics(): Promise<SystemMetrics> {
    return this.run('getSystemMetrics', (b) => b.getSystemMetrics());
  }

  getQueueDepths(): Promise<QueueDepths> {
    return this.run('getQueueDepths', (b) => b.getQueueDepths(this.now('getQueueDepths')));
  }
}

/**
 * The pool the provider opens for a connection string. Its `error` listener is what keeps a connection lost while
 * idle (server restart, failover, a proxy's or `idle_session_timeout`'s close) from ending the process: pg-pool has
 * already discarded the client when it emits, so reporting is all that is left to do. TCP keep-alive notices a
 * peer that vanished; the connect timeout turns an unreachable server into a retryable error instead of a hang.
 */
function openOwnPool(connectionString: string, onEvent: (event: ProviderEvent) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString, keepAlive: true, connectionTimeoutMillis: 10_000 });
  pool.on('error', (error) => onEvent({ kind: 'connection-lost', error }));
  return pool;
}
