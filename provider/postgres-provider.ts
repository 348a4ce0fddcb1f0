import pg from 'pg';
import type { ProviderBackend } from './backend.js';
import { InlineBackend } from './inline/inline-backend.js';
import { type ClockReading, ClockSkewError, ClockSkewGuard } from './clock-skew-guard.js';
import {
  readClock,
  requireBoolean,
  requireCancelledActivities,
  requireCapabilityFilter,
  requireDelay,
  requireDuration,
  requireExecutionId,
  requireInstanceId,
  requireJson,
  requireJsonArray,
  requireMetadata,
  requireText,
} from './input-validation.js';
import { migrate } from './migrations/run-migrations.js';
import { ProceduresBackend } from './procedures/procedures-backend.js';
import type { ProviderEvent } from './provider-events.js';
import { type ProviderSettings, resolveSettings } from './provider-settings.js';
import { withReissue } from './reissue.js';
import { checkHistory, decodeFetchedTurn } from './stored-data.js';
import type { HistoryEvent } from './types/history-event.js';
import type {
  CapabilityFilter,
  ExecutionInfo,
  ExecutionMetadata,
  FetchedOrchestrationItem,
  InstanceInfo,
  QueueDepths,
  ScheduledActivityIdentifier,
  SemverRange,
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

/** Contract-v2 operations: they exist only as procedures, so `implementation` cannot send them to the inline SQL. */
export const V2_ONLY_METHODS = ['renewOrchestrationItemLock'] as const;

export type ProviderMethod = (typeof PROVIDER_METHODS)[number] | (typeof V2_ONLY_METHODS)[number];

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
  /**
   * How long a fetched orchestration item (when the fetch names no timeout) or dequeued work item stays locked
   * (default 30 s).
   */
  lockTimeoutMs?: number;
  /**
   * How long a fetch hides an orphan batch (messages other than QueueMessage for an instance that has not started yet,
   * contract v2 §3.2.3) before looking at it again (default 1000 ms).
   */
  orphanRetryMs?: number;
  /**
   * Epoch milliseconds; every time the database compares comes from here (default `Date.now`). A fractional reading is
   * floored; one that is not a number from 0 to 2^53 - 1 fails the call with 22023.
   */
  clock?: () => number;
  /** Apply the migrations on start (default true). */
  migrate?: boolean;
  /**
   * One implementation for every method, or a choice per method (unlisted methods use procedures). Contract-v2
   * operations always use the procedures: naming 'inline' for one of them is refused.
   */
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
    private readonly backends: Record<(typeof PROVIDER_METHODS)[number], ProviderBackend>,
    private readonly procedures: ProceduresBackend,
    private readonly clockGuard: ClockSkewGuard,
  ) {
    this.schema = settings.schema;
    this.lockTimeoutMs = settings.lockTimeoutMs;
    this.clock = settings.clock;
  }

  static async create(options: PostgresProviderOptions = {}): Promise<PostgresProvider> {
    const settings = resolveSettings(options);
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
      if (typeof choice === 'object') {
        const refused = V2_ONLY_METHODS.filter((method) => choice[method] === 'inline');
        if (refused.length > 0) {
          throw new Error(
            `implementation: ${refused.join(', ')} exist only as procedures (contract v2); the inline baseline ` +
              'implements contract v1',
          );
        }
      }
      const backends = {} as Record<(typeof PROVIDER_METHODS)[number], ProviderBackend>;
      for (const method of PROVIDER_METHODS) {
        const implementation = typeof choice === 'string' ? choice : (choice[method] ?? 'procedures');
        backends[method] = implementation === 'inline' ? inline : procedures;
      }
      // An all-inline provider (the baseline, e.g. for benchmarks) runs without the procedures; its v2-only methods
      // then fail when called.
      if (Object.values(backends).includes(procedures)) await procedures.assertProceduresMatchClient();
      clockGuard.startChecking(settings.clockCheckIntervalMs);
      return new PostgresProvider(pool, ownsPool, settings, backends, procedures, clockGuard);
    } catch (error) {
      if (ownsPool) await pool.end();
      throw error;
    }
  }

  /** Stops the clock checks, and closes the pool when the provider created it. */
  async close(): Promise<void> {
    this.clockGuard.stop();
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
  private run<T>(
    method: (typeof PROVIDER_METHODS)[number],
    call: (backend: ProviderBackend) => Promise<T>,
  ): Promise<T> {
    return this.runOn(method, this.backends[method], call, this.settings.retryPausesMs);
  }

  private async runOn<B, T>(
    method: ProviderMethod,
    backend: B,
    call: (backend: B) => Promise<T>,
    pausesMs: readonly number[],
  ): Promise<T> {
    this.clockGuard.assertAcceptable(method);
    return withReissue(method, () => call(backend), {
      pausesMs,
      onRetry: (attempt, error, pauseMs) =>
        this.settings.onEvent({ kind: 'retry', operation: method, attempt, pauseMs, error }),
    });
  }

  /** The clock's reading for one attempt of a call (see `readClock`). */
  private now(method: ProviderMethod): number {
    return readClock(method, this.clock);
  }

  // --- orchestrator queue -------------------------------------------------------------------------------------

  /**
   * Locks one instance with visible messages and returns its turn (contract v2 §3.3), or null when none is eligible.
   * `filter` limits it to instances whose current execution is pinned to a version inside
   * `filter.supportedVersions[0]` (or not pinned); an empty range list accepts nothing. A stored row that does not
   * decode is reported as `item.historyError`, never thrown: the lock is taken by then.
   * `pollTimeoutMs` is accepted and checked; this fetch still answers at once (short polling).
   */
  async fetchOrchestrationItem(
    lockTimeoutMs: number = this.lockTimeoutMs,
    pollTimeoutMs = 0,
    filter: CapabilityFilter | null = null,
  ): Promise<FetchedOrchestrationItem | null> {
    const operation = 'fetchOrchestrationItem';
    requireDuration(operation, 'lockTimeoutMs', lockTimeoutMs, 1);
    requireDuration(operation, 'pollTimeoutMs', pollTimeoutMs, 0);
    if (filter !== null && filter !== undefined) requireCapabilityFilter(operation, filter);
    const ranges = filter?.supportedVersions;
    if (ranges !== undefined && ranges.length === 0) return null;
    return this.fetchOnce(lockTimeoutMs, ranges?.[0] ?? null);
  }

  /** One fetch attempt (re-issued on retryable errors): the single database call a waiting fetch repeats. */
  private async fetchOnce(
    lockTimeoutMs: number,
    versions: SemverRange | null,
  ): Promise<FetchedOrchestrationItem | null> {
    const operation = 'fetchOrchestrationItem';
    const stored = await this.run(operation, (b) =>
      b.fetchOrchestrationItem(this.now(operation), lockTimeoutMs, versions, this.settings.orphanRetryMs),
    );
    return stored === null ? null : decodeFetchedTurn(stored);
  }

  ackOrchestrationItem(
    lockToken: string,
    executionId: number,
    historyDelta: HistoryEvent[],
    workerItems: WorkItem[],
    orchestratorItems: WorkItem[],
    metadata: ExecutionMetadata = {},
    cancelledActivities: ScheduledActivityIdentifier[] = [],
  ): Promise<void> {
    return this.run('ackOrchestrationItem', (b) => {
      const operation = 'ackOrchestrationItem';
      requireText(operation, 'lock token', lockToken);
      requireExecutionId(operation, executionId);
      requireJsonArray(operation, 'events', historyDelta);
      requireJsonArray(operation, 'worker items', workerItems);
      requireJsonArray(operation, 'orchestrator items', orchestratorItems);
      requireMetadata(operation, metadata);
      requireCancelledActivities(operation, cancelledActivities);
      return b.ackOrchestrationItem({
        lockToken,
        nowMs: this.now(operation),
        executionId,
        historyDelta,
        workerItems,
        orchestratorItems,
        metadata,
        cancelledActivities,
      });
    });
  }

  /**
   * Gives a fetched turn back (contract v2 §3.5): with `delayMs` > 0 the instance waits that long; `ignoreAttempt`
   * takes this fetch's attempt back (for abandons that are not the batch's fault).
   */
  abandonOrchestrationItem(lockToken: string, delayMs?: number | null, ignoreAttempt = false): Promise<void> {
    const operation = 'abandonOrchestrationItem';
    return this.run(operation, (b) => {
      requireText(operation, 'lock token', lockToken);
      requireDelay(operation, delayMs);
      requireBoolean(operation, 'ignoreAttempt', ignoreAttempt);
      return b.abandonOrchestrationItem(lockToken, this.now(operation), delayMs ?? null, ignoreAttempt);
    });
  }

  /**
   * Extends a live orchestration lock to now + `extendForMs` (contract v2 §3.6); DXL03 when the lock is gone. A
   * retryable failure is retried for at most a quarter of the extension (at least 250 ms), since the runtime takes any
   * renewal error for a lost lock.
   */
  renewOrchestrationItemLock(lockToken: string, extendForMs: number): Promise<void> {
    const operation = 'renewOrchestrationItemLock';
    const pauses = Number.isSafeInteger(extendForMs) ? renewalPauses(extendForMs) : [];
    return this.runOn(
      operation,
      this.procedures,
      (b) => {
        requireText(operation, 'lock token', lockToken);
        requireDuration(operation, 'extendForMs', extendForMs, 1);
        return b.renewOrchestrationItemLock(lockToken, this.now(operation), extendForMs);
      },
      pauses,
    );
  }

  /** Enqueues one message (contract v2 §3.7); creates no instance: a start becomes one with its first ack. */
  enqueueOrchestratorWork(item: WorkItem, delayMs?: number | null): Promise<void> {
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

  dequeueWorkerPeekLock(): Promise<WorkerLease | null> {
    return this.run('dequeueWorkerPeekLock', (b) =>
      b.dequeueWorkerPeekLock(this.now('dequeueWorkerPeekLock'), this.lockTimeoutMs),
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

/** Re-issue pauses of a renewal: 50, 100, 150 ms, … while they fit into a quarter of the extension (min 250 ms). */
export function renewalPauses(extendForMs: number): number[] {
  const budget = Math.max(250, Math.floor(extendForMs / 4));
  const pauses: number[] = [];
  for (let total = 0, pause = 50; total + pause <= budget; total += pause, pause += 50) pauses.push(pause);
  return pauses;
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
