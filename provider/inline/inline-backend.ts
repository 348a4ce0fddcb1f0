import type pg from 'pg';
import type { ProviderBackend, StoredTurn, TurnAck } from '../backend.js';
import type { HistoryEvent } from '../types/history-event.js';
import type {
  ExecutionInfo,
  InstanceInfo,
  QueueDepths,
  SemverRange,
  SystemMetrics,
  WorkerLease,
} from '../types/provider-types.js';
import type { WorkItem } from '../types/work-item.js';
import { HistoryReads } from './history-reads.js';
import { InlineSqlError } from './inline-sql-error.js';
import { ManagementReads } from './management-reads.js';
import { OrchestrationAck } from './orchestration-ack.js';
import { OrchestrationFetch } from './orchestration-fetch.js';
import { schemaTables } from './schema-tables.js';
import { StoreWrites } from './store-writes.js';
import { inTransaction } from './transaction.js';
import { WorkerQueue } from './worker-queue.js';
import { checkItemGiven } from './work-item-checks.js';

/**
 * The provider's operations as inline SQL (the plan's "Option C" baseline), for parity tests and benchmarks against
 * the stored procedures, whose behaviour it reproduces: single statements where one suffices, otherwise one
 * client-side transaction on one pooled client. Plain arguments are validated by `PostgresProvider`; work items and
 * events are checked here as the procedures check them (`work-item-checks.ts`). Errors this code raises itself carry
 * the procedures' SQLSTATE in `code` and their message text.
 */
export class InlineBackend implements ProviderBackend {
  private readonly writes: StoreWrites;
  private readonly fetchTurn: OrchestrationFetch;
  private readonly ackTurn: OrchestrationAck;
  private readonly worker: WorkerQueue;
  private readonly history: HistoryReads;
  private readonly management: ManagementReads;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    const tables = schemaTables(schema);
    this.writes = new StoreWrites(tables);
    this.fetchTurn = new OrchestrationFetch(pool, tables);
    this.ackTurn = new OrchestrationAck(pool, tables, this.writes);
    this.worker = new WorkerQueue(pool, tables, this.writes);
    this.history = new HistoryReads(pool, tables);
    this.management = new ManagementReads(pool, tables);
  }

  /** Contract v1: no capability filter, and orphan batches are returned (as 'Unknown'), so no orphan retry delay. */
  async fetchOrchestrationItem(
    nowMs: number,
    lockTimeoutMs: number,
    versions: SemverRange | null = null,
  ): Promise<StoredTurn | null> {
    if (versions !== null) refuseV2('a capability filter');
    return this.fetchTurn.fetch(nowMs, lockTimeoutMs);
  }

  async ackOrchestrationItem(ack: TurnAck): Promise<void> {
    if (ack.cancelledActivities.length > 0) refuseV2('cancelledActivities');
    if (ack.metadata.parentInstanceId !== undefined) refuseV2('metadata.parentInstanceId');
    if (ack.metadata.pinnedVersion !== undefined) refuseV2('metadata.pinnedVersion');
    return this.ackTurn.ack(ack);
  }

  async abandonOrchestrationItem(
    lockToken: string,
    nowMs: number,
    delayMs: number | null,
    ignoreAttempt = false,
  ): Promise<void> {
    if (ignoreAttempt) refuseV2('ignoreAttempt');
    return this.ackTurn.abandon(lockToken, nowMs, delayMs);
  }

  async enqueueOrchestratorWork(item: WorkItem, nowMs: number, delayMs: number | null): Promise<void> {
    checkItemGiven(item);
    await this.writes.insertOrchestratorItems(this.pool, [item], nowMs, delayMs);
  }

  enqueueWorkerWork(item: WorkItem, nowMs: number): Promise<void> {
    return this.worker.enqueue(item, nowMs);
  }

  dequeueWorkerPeekLock(nowMs: number, lockTimeoutMs: number): Promise<WorkerLease | null> {
    return this.worker.dequeuePeekLock(nowMs, lockTimeoutMs);
  }

  ackWorker(lockToken: string, completion: WorkItem, nowMs: number): Promise<void> {
    return this.worker.ack(lockToken, completion, nowMs);
  }

  async appendWithExecution(
    instance: string,
    executionId: number,
    events: HistoryEvent[],
    nowMs: number,
  ): Promise<void> {
    if (events.length === 0) return;
    // Duplicate check and insert in one transaction, so a failed insert leaves nothing behind.
    await inTransaction(this.pool, (client) => this.writes.insertHistory(client, instance, executionId, events, nowMs));
  }

  read(instance: string): Promise<HistoryEvent[]> {
    return this.history.read(instance);
  }

  readWithExecution(instance: string, executionId: number): Promise<HistoryEvent[]> {
    return this.history.readWithExecution(instance, executionId);
  }

  latestExecutionId(instance: string): Promise<number | null> {
    return this.history.latestExecutionId(instance);
  }

  listInstances(): Promise<string[]> {
    return this.history.listInstances();
  }

  listExecutions(instance: string): Promise<number[]> {
    return this.history.listExecutions(instance);
  }

  listInstancesByStatus(status: string): Promise<string[]> {
    return this.management.listInstancesByStatus(status);
  }

  getInstanceInfo(instance: string): Promise<InstanceInfo> {
    return this.management.getInstanceInfo(instance);
  }

  getExecutionInfo(instance: string, executionId: number): Promise<ExecutionInfo> {
    return this.management.getExecutionInfo(instance, executionId);
  }

  getSystemMetrics(): Promise<SystemMetrics> {
    return this.management.getSystemMetrics();
  }

  getQueueDepths(nowMs: number): Promise<QueueDepths> {
    return this.management.getQueueDepths(nowMs);
  }
}

/** A contract-v2 argument on this contract-v1 baseline: refused (permanently), never silently ignored. */
function refuseV2(argument: string): never {
  throw new InlineSqlError(
    '22023',
    `${argument} is contract v2, which only the procedures implement; the inline baseline implements contract v1 ` +
      "(use implementation: 'procedures' for this method)",
  );
}
