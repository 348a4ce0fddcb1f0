import pg from 'pg';
import type { ProviderBackend } from './backend.js';
import { InlineBackend } from './inline/inline-backend.js';
import {
  readClock,
  requireDelay,
  requireExecutionId,
  requireInstanceId,
  requireJson,
  requireJsonArray,
  requireMetadata,
  requireText,
} from './input-validation.js';
import { migrate } from './migrations/run-migrations.js';
import { ProceduresBackend } from './procedures/procedures-backend.js';
import { toProviderError } from './provider-error.js';
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

/** Pauses before re-issuing a call that failed with a retryable SQLSTATE (duroxide-pg: 3 retries, 50/100/150 ms). */
const RETRY_PAUSES_MS = [50, 100, 150];

export interface PostgresProviderOptions {
  /** Where to connect; ignored when `pool` is given. */
  connectionString?: string;
  /** An existing pool; the provider then leaves closing it to the caller. */
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
}

/**
 * The durable-orchestration storage provider (contract §3) on PostgreSQL. Every method is one database call, i.e.
 * one transaction (re-issued when the server reports a retryable failure); every failure is a `ProviderError` and
 * leaves the database as it was.
 */
export class PostgresProvider {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    readonly schema: string,
    readonly lockTimeoutMs: number,
    private readonly clock: () => number,
    private readonly backends: Record<ProviderMethod, ProviderBackend>,
  ) {}

  static async create(options: PostgresProviderOptions = {}): Promise<PostgresProvider> {
    const schema = options.schema ?? 'public';
    const lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs <= 0) {
      throw new Error(`lockTimeoutMs must be a positive integer, got ${lockTimeoutMs}`);
    }
    if (!options.pool && !options.connectionString) {
      throw new Error('PostgresProvider needs a connectionString or a pool');
    }
    const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString });
    const ownsPool = !options.pool;
    try {
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
      return new PostgresProvider(pool, ownsPool, schema, lockTimeoutMs, options.clock ?? Date.now, backends);
    } catch (error) {
      if (ownsPool) await pool.end();
      throw error;
    }
  }

  /** Closes the pool when the provider created it. */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  /**
   * Runs one method's database call. A call the server failed with a retryable SQLSTATE (deadlock, serialization or
   * lock timeout, a plan invalidated by a concurrent migration, a dropped session) was rolled back as a whole, so it
   * is re-issued — with a fresh clock reading — a few times with growing pauses before the error is reported
   * (contract §3.16). Errors without a SQLSTATE are not retried: whether such a write committed is unknown.
   */
  private async run<T>(method: ProviderMethod, call: (backend: ProviderBackend) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(this.backends[method]);
      } catch (thrown) {
        const error = toProviderError(method, thrown);
        const pause = RETRY_PAUSES_MS[attempt];
        if (!error.retryable || error.sqlstate === null || pause === undefined) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** The clock's reading for one attempt of a call (see `readClock`). */
  private now(method: ProviderMethod): number {
    return readClock(method, this.clock);
  }

  // --- orchestrator queue -------------------------------------------------------------------------------------

  fetchOrchestrationItem(): Promise<OrchestrationItem | null> {
    return this.run('fetchOrchestrationItem', async (b) =>
      checkOrchestrationItem(
        'fetchOrchestrationItem',
        await b.fetchOrchestrationItem(this.now('fetchOrchestrationItem'), this.lockTimeoutMs),
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
