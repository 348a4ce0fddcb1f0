import pg from 'pg';
import type { ProviderBackend, ProceduresOnlyBackend } from './backend.js';
import { InlineBackend } from './inline/inline-backend.js';
import { type ClockReading, ClockSkewError, ClockSkewGuard } from './clock-skew-guard.js';
import {
  readClock,
  requireBoolean,
  requireCancelledActivities,
  requireCapabilityFilter,
  requireCount,
  requireDelay,
  requireDuration,
  requireExecutionId,
  requireInstanceId,
  requireJson,
  requireJsonArray,
  requireMetadata,
  requireText,
} from './input-validation.js';
import type { QueueName } from './long-poll/channels.js';
import { LongPoll } from './long-poll/long-poll.js';
import { type LongPollOptions, resolveLongPoll } from './long-poll/long-poll-options.js';
import {
  requireForce,
  requireInstanceFilter,
  requireInstanceIds,
  requireKey,
  requireLastSeenVersion,
  requirePruneOptions,
} from './management-validation.js';
import { migrate } from './migrations/run-migrations.js';
import { ManagementCalls } from './procedures/management-calls.js';
import { ProceduresBackend } from './procedures/procedures-backend.js';
import { ProviderError, toProviderError } from './provider-error.js';
import type { ProviderEvent } from './provider-events.js';
import { type ProviderSettings, resolveSettings } from './provider-settings.js';
import { renewalBudgetMs, withReissue } from './reissue.js';
import { checkHistory, checkWorkItem, decodeFetchedTurn } from './stored-data.js';
import type { HistoryEvent } from './types/history-event.js';
import type {
  CapabilityFilter,
  CustomStatusChange,
  DeleteInstanceResult,
  ExecutionInfo,
  ExecutionMetadata,
  FetchedOrchestrationItem,
  FetchedWorkItem,
  InstanceFilter,
  InstanceInfo,
  InstanceStats,
  InstanceTree,
  PruneOptions,
  PruneResult,
  QueueDepths,
  ScheduledActivityIdentifier,
  SemverRange,
  SessionFetchConfig,
  SystemMetrics,
  TagFilter,
  WorkerLease,
  WorkItemAck,
  WorkItemAckOutcome,
} from './types/provider-types.js';
import type { ActivityCompletion, WorkItem } from './types/work-item.js';
import { type WorkItemFetch, workItemFetch } from './work-item-fetch.js';

/** Which code path does a method's database work: the generated procedure client (default) or inline SQL. */
export type Implementation = 'procedures' | 'inline';

/** The most items one `fetchWorkItems` or `ackWorkItems` call takes (the procedures' limit too). */
export const MAX_BATCH_ITEMS = 1000;

/** Contract v2's queue operations: routed like the others, but only the procedures implement them. */
const PROCEDURES_ONLY_QUEUE_METHODS = [
  'renewOrchestrationItemLock',
  'fetchWorkItem',
  'ackWorkItem',
  'fetchWorkItems',
  'ackWorkItems',
  'renewWorkItemLock',
  'abandonWorkItem',
  'renewSessionLock',
  'cleanupOrphanedSessions',
] as const;

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
  ...PROCEDURES_ONLY_QUEUE_METHODS,
] as const;

export type ProviderMethod = (typeof PROVIDER_METHODS)[number];

/**
 * Contract v2 operations that exist only as procedures (the inline baseline stays at the v1 operations). They always
 * run on the generated client: `implementation: 'inline'` applies to the methods the baseline has, and a per-method
 * choice of 'inline' for one of these is refused by `create`.
 */
export const PROCEDURES_ONLY_METHODS: ReadonlySet<string> = new Set([
  ...PROCEDURES_ONLY_QUEUE_METHODS,
  'getCustomStatus',
  'getKvValue',
  'getKvAllValues',
  'getInstanceStats',
  'listChildren',
  'getParentId',
  'getInstanceTree',
  'deleteInstancesAtomic',
  'deleteInstance',
  'deleteInstanceBulk',
  'pruneExecutions',
  'pruneExecutionsBulk',
  'readHistory',
]);

/** Refuses a per-method choice of the inline baseline for an operation it does not have. */
function refuseInlineForProceduresOnly(choice: PostgresProviderOptions['implementation']): void {
  if (choice === undefined || typeof choice === 'string') return;
  const refused = Object.entries(choice)
    .filter(([method, implementation]) => implementation === 'inline' && PROCEDURES_ONLY_METHODS.has(method))
    .map(([method]) => method);
  if (refused.length > 0) {
    throw new Error(
      `implementation 'inline' cannot serve ${refused.join(', ')}: contract v2's operations exist only as procedures`,
    );
  }
}

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
   * One implementation for every method, or a choice per method (unlisted methods use procedures). The operations of
   * `PROCEDURES_ONLY_METHODS` always use procedures; naming one of them 'inline' is refused.
   */
  implementation?:
    Implementation | (Partial<Record<ProviderMethod, Implementation>> & Partial<Record<string, Implementation>>);
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
    private readonly management: ManagementCalls,
    private readonly proceduresOnly: ProceduresOnlyBackend,
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
      refuseInlineForProceduresOnly(options.implementation);
      const reading = await clockGuard.check();
      if (reading.verdict === 'refuse') throw new ClockSkewError('create', reading, settings.clockSkew.refuseMs);
      if (options.migrate ?? true) await migrate(pool, { schema });
      const procedures = new ProceduresBackend(pool, schema);
      const inline = new InlineBackend(pool, schema);
      const choice = options.implementation ?? 'procedures';
      const backends = {} as Record<(typeof PROVIDER_METHODS)[number], ProviderBackend>;
      for (const method of PROVIDER_METHODS) {
        const implementation = typeof choice === 'string' ? choice : (choice[method] ?? 'procedures');
        backends[method] = implementation === 'inline' && !PROCEDURES_ONLY_METHODS.has(method) ? inline : procedures;
      }
      // An all-inline provider (the baseline, e.g. for benchmarks) runs without the procedures; its v2-only methods
      // then fail when called.
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
      const management = new ManagementCalls(pool, schema);
      return new PostgresProvider(pool, ownsPool, settings, backends, management, procedures, clockGuard, longPoll);
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
  private run<T>(method: ProviderMethod, call: (backend: ProviderBackend) => Promise<T>): Promise<T> {
    return this.attempt(method, () => call(this.backends[method]), this.settings.retryPausesMs);
  }

  /**
   * `run` for contract v2's worker-queue methods, on the procedures. Their re-issue policy (§3.0.2): fetches as
   * `run`; renewals for a time budget (`budgetMs`); acks, abandons and the session sweep never — the runtime decides.
   */
  private runProceduresOnly<T>(
    method: ProviderMethod,
    call: (backend: ProceduresOnlyBackend) => Promise<T>,
    reissue: { pausesMs: readonly number[]; budgetMs?: number } = { pausesMs: [] },
  ): Promise<T> {
    return this.attempt(method, () => call(this.proceduresOnly), reissue.pausesMs, reissue.budgetMs);
  }

  private async attempt<T>(
    method: ProviderMethod,
    call: () => Promise<T>,
    pausesMs: readonly number[],
    budgetMs?: number,
  ): Promise<T> {
    this.clockGuard.assertAcceptable(method);
    return withReissue(method, call, {
      pausesMs,
      budgetMs,
      onRetry: (attempt, error, pauseMs) =>
        this.settings.onEvent({ kind: 'retry', operation: method, attempt, pauseMs, error }),
    });
  }

  /**
   * A fetch's poll: one attempt in short-poll mode; in long-poll mode attempts again on every wake of `queue` until
   * one finds work or `pollTimeoutMs` has passed (`long-poll/wait-for-work.ts`). No connection is held while waiting.
   */
  private waitForWork<T>(queue: QueueName, pollTimeoutMs: number, attempt: () => Promise<T | null>): Promise<T | null> {
    return this.longPoll ? this.longPoll.waitForWork(queue, pollTimeoutMs, attempt) : attempt();
  }

  /** Runs one procedure-only operation: refused while the clocks disagree too much, never re-issued. */
  private async runProcedure<T>(method: string, call: (calls: ManagementCalls) => Promise<T>): Promise<T> {
    this.clockGuard.assertAcceptable(method);
    try {
      return await call(this.management);
    } catch (error) {
      throw toProviderError(method, error);
    }
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
   * With long polling (the `longPoll` option) a fetch that finds nothing waits up to `pollTimeoutMs` for work
   * (contract v2 §3.15); otherwise it answers at once.
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
    return this.waitForWork('orch', pollTimeoutMs, () => this.fetchOnce(lockTimeoutMs, ranges?.[0] ?? null));
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
  async renewOrchestrationItemLock(lockToken: string, extendForMs: number): Promise<void> {
    const operation = 'renewOrchestrationItemLock';
    const extendMs = requireDuration(operation, 'extendForMs', extendForMs, 1);
    return this.runProceduresOnly(
      operation,
      (b) => {
        requireText(operation, 'lock token', lockToken);
        return b.renewOrchestrationItemLock(lockToken, this.now(operation), extendMs);
      },
      { pausesMs: this.settings.retryPausesMs, budgetMs: renewalBudgetMs(extendMs) },
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

  /**
   * Locks the oldest eligible activity for `lockTimeoutMs` (contract v2 §3.9): untagged unless `tagFilter` says
   * otherwise (`'none'` returns null without a database call), and session-bound items only with `session`, for
   * sessions its owner holds or nobody holds (taking one claims the session). Null when nothing is eligible.
   * With long polling (the `longPoll` option) a fetch that finds nothing waits up to `pollTimeoutMs` for work
   * (contract v2 §3.15); otherwise it answers at once.
   */
  async fetchWorkItem(
    lockTimeoutMs: number,
    pollTimeoutMs = 0,
    session: SessionFetchConfig | null = null,
    tagFilter: TagFilter = 'defaultOnly',
  ): Promise<FetchedWorkItem | null> {
    const fetch = workItemFetch('fetchWorkItem', lockTimeoutMs, pollTimeoutMs, session, tagFilter);
    return fetch === null ? null : this.waitForWork('work', pollTimeoutMs, () => this.fetchWorkItemOnce(fetch));
  }

  /** One database attempt of `fetchWorkItem` (re-issued on retryable failures): the unit a long poll repeats. */
  private fetchWorkItemOnce(fetch: WorkItemFetch): Promise<FetchedWorkItem | null> {
    const operation = 'fetchWorkItem';
    return this.runProceduresOnly(
      operation,
      async (b) => {
        const row = await b.fetchWorkItem(this.now(operation), fetch);
        if (row === null) return null;
        return {
          item: checkWorkItem(operation, row.id, row.item),
          lockToken: row.lockToken,
          attemptCount: row.attemptCount,
        };
      },
      { pausesMs: this.settings.retryPausesMs },
    );
  }

  /**
   * Completes a fetched activity (contract v2 §3.10): deletes it and enqueues `completion` for its orchestration, or
   * nothing when `completion` is null (a cancelled activity). Fails with DXW02 once the lock expired, DXW01 when the
   * item is gone (acked, cancelled, deleted, or fetched again by someone else).
   */
  async ackWorkItem(lockToken: string, completion: ActivityCompletion | null): Promise<void> {
    return this.runProceduresOnly('ackWorkItem', (b) => {
      requireText('ackWorkItem', 'lock token', lockToken);
      if (completion !== null) requireJson('ackWorkItem', 'completion', completion);
      return b.ackWorkItem(lockToken, completion, this.now('ackWorkItem'));
    });
  }

  /**
   * Locks up to `maxItems` (1–1000) activities in one transaction, hence one commit (beyond contract v2): what that many
   * `fetchWorkItem` calls without a session would take, oldest first, each under a lock token of its own (ack, renew or
   * abandon them one by one or with `ackWorkItems`). Session-bound items are never taken; no long polling. Empty when
   * nothing is eligible.
   */
  async fetchWorkItems(
    maxItems: number,
    lockTimeoutMs: number,
    tagFilter: TagFilter = 'defaultOnly',
  ): Promise<FetchedWorkItem[]> {
    const operation = 'fetchWorkItems';
    const count = requireCount(operation, 'maxItems', maxItems, MAX_BATCH_ITEMS);
    const fetch = workItemFetch(operation, lockTimeoutMs, 0, null, tagFilter);
    if (fetch === null) return [];
    return this.runProceduresOnly(
      operation,
      async (b) => {
        const rows = await b.fetchWorkItems(this.now(operation), fetch, count);
        return rows.map((row) => ({
          item: checkWorkItem(operation, row.id, row.item),
          lockToken: row.lockToken,
          attemptCount: row.attemptCount,
        }));
      },
      { pausesMs: this.settings.retryPausesMs },
    );
  }

  /**
   * Completes fetched activities in one transaction (beyond contract v2), each as `ackWorkItem` would, and answers
   * one outcome per ack, in order: an expired lock or a missing item does not stop the others (`WorkItemAckOutcome`).
   * Malformed input (1–1000 acks, distinct tokens, completions of activities) fails the whole call before any change.
   */
  async ackWorkItems(acks: readonly WorkItemAck[]): Promise<WorkItemAckOutcome[]> {
    const operation = 'ackWorkItems';
    const given: unknown = acks;
    if (!Array.isArray(given)) throw ProviderError.invalidInput(operation, 'acks must be an array');
    requireCount(operation, 'the number of acks', given.length, MAX_BATCH_ITEMS);
    return this.runProceduresOnly(operation, (b) => {
      const tokens = new Set<unknown>();
      for (const ack of given as unknown[]) {
        if (typeof ack !== 'object' || ack === null) {
          throw ProviderError.invalidInput(operation, 'each ack must be an object');
        }
        const { lockToken, completion } = ack as Partial<Record<keyof WorkItemAck, unknown>>;
        requireText(operation, 'lock token', lockToken);
        if (tokens.has(lockToken))
          throw ProviderError.invalidInput(operation, `lock token ${String(lockToken)} is acked twice`);
        tokens.add(lockToken);
        if (completion !== null) requireJson(operation, 'completion', completion);
      }
      return b.ackWorkItems(acks, this.now(operation));
    });
  }

  /** Extends a live activity lock to now + `extendForMs` (contract v2 §3.11); DXW02 after expiry, DXW01 when gone. */
  async renewWorkItemLock(lockToken: string, extendForMs: number): Promise<void> {
    const extendMs = requireDuration('renewWorkItemLock', 'extendForMs', extendForMs, 1);
    return this.runProceduresOnly(
      'renewWorkItemLock',
      (b) => {
        requireText('renewWorkItemLock', 'lock token', lockToken);
        return b.renewWorkItemLock(lockToken, this.now('renewWorkItemLock'), extendMs);
      },
      { pausesMs: this.settings.retryPausesMs, budgetMs: renewalBudgetMs(extendMs) },
    );
  }

  /**
   * Gives a fetched activity back (contract v2 §3.12), fetchable again after `delayMs` (default at once); with
   * `ignoreAttempt` this fetch does not count towards its attempts. DXW01 when the token matches no item.
   */
  async abandonWorkItem(lockToken: string, delayMs?: number | null, ignoreAttempt = false): Promise<void> {
    return this.runProceduresOnly('abandonWorkItem', (b) => {
      requireText('abandonWorkItem', 'lock token', lockToken);
      if (delayMs !== undefined && delayMs !== null) requireDuration('abandonWorkItem', 'delayMs', delayMs, 0);
      if (typeof ignoreAttempt !== 'boolean') {
        throw ProviderError.invalidInput('abandonWorkItem', 'ignoreAttempt must be a boolean');
      }
      return b.abandonWorkItem(lockToken, this.now('abandonWorkItem'), delayMs ?? null, ignoreAttempt);
    });
  }

  /**
   * Extends to now + `extendForMs` the sessions these owners hold whose lease is live and that saw activity within
   * `idleTimeoutMs` (contract v2 §3.13); returns how many. An empty list renews nothing, without a database call.
   */
  async renewSessionLock(ownerIds: string[], extendForMs: number, idleTimeoutMs: number): Promise<number> {
    const operation = 'renewSessionLock';
    if (!Array.isArray(ownerIds) || !ownerIds.every((id) => typeof id === 'string' && id.length > 0)) {
      throw ProviderError.invalidInput(operation, 'ownerIds must be an array of non-empty strings');
    }
    ownerIds.forEach((id) => requireText(operation, 'ownerIds', id));
    const extendMs = requireDuration(operation, 'extendForMs', extendForMs, 1);
    const idleMs = requireDuration(operation, 'idleTimeoutMs', idleTimeoutMs, 0);
    if (ownerIds.length === 0) return 0;
    return this.runProceduresOnly(
      operation,
      (b) => b.renewSessionLock(ownerIds, this.now(operation), extendMs, idleMs),
      {
        pausesMs: this.settings.retryPausesMs,
        budgetMs: renewalBudgetMs(extendMs),
      },
    );
  }

  /**
   * Removes sessions whose lease expired and that have no queued or locked items (contract v2 §3.14); returns how
   * many. `idleTimeoutMs` is checked and otherwise unused, as upstream.
   */
  async cleanupOrphanedSessions(idleTimeoutMs: number): Promise<number> {
    const operation = 'cleanupOrphanedSessions';
    const idleMs = requireDuration(operation, 'idleTimeoutMs', idleTimeoutMs, 0);
    return this.runProceduresOnly(operation, (b) => b.cleanupOrphanedSessions(this.now(operation), idleMs));
  }

  /**
   * @deprecated Use `fetchWorkItem(lockTimeoutMs)`; kept for one release (contract v2 §3.1). Locks the oldest untagged,
   * session-free activity for the provider's `lockTimeoutMs`.
   */
  dequeueWorkerPeekLock(): Promise<WorkerLease | null> {
    return this.run('dequeueWorkerPeekLock', (b) =>
      b.dequeueWorkerPeekLock(this.now('dequeueWorkerPeekLock'), this.lockTimeoutMs),
    );
  }

  /** @deprecated Use `ackWorkItem`; kept for one release (contract v2 §3.1). */
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

  // --- custom status and key-value state (contract v2 §3.16–§3.18) -------------------------------------------

  /** The custom status if its version is newer than `lastSeenVersion`, else null (also for an unknown instance). */
  getCustomStatus(instance: string, lastSeenVersion: number): Promise<CustomStatusChange | null> {
    return this.runProcedure('getCustomStatus', (m) => {
      requireInstanceId('getCustomStatus', instance);
      requireLastSeenVersion('getCustomStatus', lastSeenVersion);
      return m.getCustomStatus(instance, lastSeenVersion);
    });
  }

  /** One key of the instance's key-value state (the current execution's changes included); null when absent. */
  getKvValue(instance: string, key: string): Promise<string | null> {
    return this.runProcedure('getKvValue', (m) => {
      requireInstanceId('getKvValue', instance);
      requireKey('getKvValue', key);
      return m.getKvValue(instance, key);
    });
  }

  /** Every key of the instance's key-value state; `{}` when none. */
  getKvAllValues(instance: string): Promise<Record<string, string>> {
    return this.runProcedure('getKvAllValues', (m) => {
      requireInstanceId('getKvAllValues', instance);
      return m.getKvAllValues(instance);
    });
  }

  // --- instance reads (contract v2 §3.19–§3.24) ----------------------------------------------------------------

  /** Size figures of the instance; null for an unknown instance. */
  getInstanceStats(instance: string): Promise<InstanceStats | null> {
    return this.runProcedure('getInstanceStats', (m) => {
      requireInstanceId('getInstanceStats', instance);
      return m.getInstanceStats(instance);
    });
  }

  /** The admin twin of `read`: the current execution's events; empty for an unknown instance, DXC01 for a bad row. */
  readHistory(instance: string): Promise<HistoryEvent[]> {
    return this.runProcedure('readHistory', async (m) => {
      requireInstanceId('readHistory', instance);
      return checkHistory('readHistory', instance, await m.readHistory(instance));
    });
  }

  /** Direct sub-orchestrations, oldest first; empty for a leaf or an unknown instance. */
  listChildren(instance: string): Promise<string[]> {
    return this.runProcedure('listChildren', (m) => {
      requireInstanceId('listChildren', instance);
      return m.listChildren(instance);
    });
  }

  /** The parent of a sub-orchestration, null for a root; P0002 for an unknown instance. */
  getParentId(instance: string): Promise<string | null> {
    return this.runProcedure('getParentId', (m) => {
      requireInstanceId('getParentId', instance);
      return m.getParentId(instance);
    });
  }

  /** The instance and all its descendants; an unknown id is a tree of itself alone. */
  getInstanceTree(instance: string): Promise<InstanceTree> {
    return this.runProcedure('getInstanceTree', (m) => {
      requireInstanceId('getInstanceTree', instance);
      return m.getInstanceTree(instance);
    });
  }

  // --- deletion and pruning (contract v2 §3.25–§3.29) ----------------------------------------------------------

  /**
   * Deletes exactly these instances, or nothing: DXD01 when one is running and `force` is false, DXD02 when a child
   * of one of them is not in the list.
   */
  deleteInstancesAtomic(instanceIds: string[], force: boolean): Promise<DeleteInstanceResult> {
    return this.runProcedure('deleteInstancesAtomic', (m) => {
      requireInstanceIds('deleteInstancesAtomic', 'instance ids', instanceIds);
      requireForce('deleteInstancesAtomic', force);
      return m.deleteInstancesAtomic(instanceIds, force);
    });
  }

  /** Deletes a root instance with all its descendants: P0002 unknown, DXD03 a sub-orchestration, DXD01 running. */
  deleteInstance(instance: string, force = false): Promise<DeleteInstanceResult> {
    return this.runProcedure('deleteInstance', (m) => {
      requireInstanceId('deleteInstance', instance);
      requireForce('deleteInstance', force);
      return m.deleteInstance(instance, force);
    });
  }

  /** Deletes finished (Completed or Failed) root instances selected by `filter`, each with its descendants. */
  deleteInstanceBulk(filter: InstanceFilter = {}): Promise<DeleteInstanceResult> {
    return this.runProcedure('deleteInstanceBulk', (m) =>
      m.deleteInstanceBulk(requireInstanceFilter('deleteInstanceBulk', filter)),
    );
  }

  /** Deletes old executions of one instance (never the current or a running one); P0002 for an unknown instance. */
  pruneExecutions(instance: string, options: PruneOptions = {}): Promise<PruneResult> {
    return this.runProcedure('pruneExecutions', (m) => {
      requireInstanceId('pruneExecutions', instance);
      return m.pruneExecutions(instance, requirePruneOptions('pruneExecutions', options));
    });
  }

  /** `pruneExecutions` for every instance `filter` selects, running ones included. */
  pruneExecutionsBulk(filter: InstanceFilter = {}, options: PruneOptions = {}): Promise<PruneResult> {
    return this.runProcedure('pruneExecutionsBulk', (m) =>
      m.pruneExecutionsBulk(
        requireInstanceFilter('pruneExecutionsBulk', filter),
        requirePruneOptions('pruneExecutionsBulk', options),
      ),
    );
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
