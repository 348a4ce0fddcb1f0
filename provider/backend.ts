import type { HistoryEvent } from './types/history-event.js';
import type {
  ExecutionInfo,
  ExecutionMetadata,
  InstanceInfo,
  QueueDepths,
  ScheduledActivityIdentifier,
  SemverRange,
  SystemMetrics,
  WorkerLease,
  WorkItemAck,
  WorkItemAckOutcome,
} from './types/provider-types.js';
import type { ActivityCompletion, WorkItem } from './types/work-item.js';
import type { WorkItemFetch } from './work-item-fetch.js';

export interface TurnAck {
  lockToken: string;
  nowMs: number;
  executionId: number;
  historyDelta: HistoryEvent[];
  workerItems: WorkItem[];
  orchestratorItems: WorkItem[];
  metadata: ExecutionMetadata;
  /** Contract v2 only (the procedures); the inline baseline refuses a non-empty list. */
  cancelledActivities: ScheduledActivityIdentifier[];
}

/**
 * A fetched turn as the database returned it: history, messages and KV snapshot still undecoded, so that a row the
 * runtime cannot read becomes `historyError` (`stored-data.ts`) instead of an exception after the lock was taken.
 */
export interface StoredTurn {
  instance: string;
  orchestrationName: string;
  executionId: number;
  version: string;
  history: unknown;
  messages: unknown;
  kvSnapshot: unknown;
  lockToken: string;
  attemptCount: number;
}

/**
 * One implementation of the provider's database work. `PostgresProvider` validates plain arguments, supplies the
 * clock and the lock timeout, picks a backend per method, and turns every error into a `ProviderError`; a backend
 * talks to the database, whose procedures check work items and events (the inline backend checks them as they do).
 * Errors a backend raises itself carry the procedures' SQLSTATE in `code`, so both backends fail alike.
 */
export interface ProviderBackend {
  /**
   * One fetch attempt. `versions` (contract v2, the inline baseline refuses it): the capability filter's range, null =
   * none; `orphanRetryMs` (v2): how long an orphan batch is hidden.
   */
  fetchOrchestrationItem(
    nowMs: number,
    lockTimeoutMs: number,
    versions?: SemverRange | null,
    orphanRetryMs?: number,
  ): Promise<StoredTurn | null>;
  ackOrchestrationItem(ack: TurnAck): Promise<void>;
  /** `ignoreAttempt` is contract v2 only: the inline baseline refuses `true`. */
  abandonOrchestrationItem(
    lockToken: string,
    nowMs: number,
    delayMs: number | null,
    ignoreAttempt?: boolean,
  ): Promise<void>;
  read(instance: string): Promise<HistoryEvent[]>;
  readWithExecution(instance: string, executionId: number): Promise<HistoryEvent[]>;
  appendWithExecution(instance: string, executionId: number, events: HistoryEvent[], nowMs: number): Promise<void>;
  enqueueWorkerWork(item: WorkItem, nowMs: number): Promise<void>;
  dequeueWorkerPeekLock(nowMs: number, lockTimeoutMs: number): Promise<WorkerLease | null>;
  /** Fails with DXI01 unless the completion is an ActivityCompleted or ActivityFailed. */
  ackWorker(lockToken: string, completion: WorkItem, nowMs: number): Promise<void>;
  enqueueOrchestratorWork(item: WorkItem, nowMs: number, delayMs: number | null): Promise<void>;
  latestExecutionId(instance: string): Promise<number | null>;
  listInstances(): Promise<string[]>;
  listExecutions(instance: string): Promise<number[]>;
  listInstancesByStatus(status: string): Promise<string[]>;
  /** Throws with code P0002 when the instance does not exist. */
  getInstanceInfo(instance: string): Promise<InstanceInfo>;
  /** Throws with code P0002 when the execution does not exist. */
  getExecutionInfo(instance: string, executionId: number): Promise<ExecutionInfo>;
  getSystemMetrics(): Promise<SystemMetrics>;
  getQueueDepths(nowMs: number): Promise<QueueDepths>;
}

/** A worker row as `sp_fetch_work_item` returns it: the item is not decoded yet (`stored-data.ts`). */
export interface StoredWorkItem {
  id: number;
  item: unknown;
  lockToken: string;
  attemptCount: number;
}

/**
 * The operations of contract v2 only the procedures implement (the inline baseline stays at the v1 operations): the
 * orchestration lock renewal (§3.6) and the worker queue (§3.9–§3.14; v1's `dequeueWorkerPeekLock`, `ackWorker` above),
 * with its batches (beyond the contract).
 */
export interface ProceduresOnlyBackend {
  renewOrchestrationItemLock(lockToken: string, nowMs: number, extendMs: number): Promise<void>;
  fetchWorkItem(nowMs: number, fetch: WorkItemFetch): Promise<StoredWorkItem | null>;
  ackWorkItem(lockToken: string, completion: ActivityCompletion | null, nowMs: number): Promise<void>;
  fetchWorkItems(nowMs: number, fetch: WorkItemFetch, maxItems: number): Promise<StoredWorkItem[]>;
  ackWorkItems(acks: readonly WorkItemAck[], nowMs: number): Promise<WorkItemAckOutcome[]>;
  renewWorkItemLock(lockToken: string, nowMs: number, extendMs: number): Promise<void>;
  abandonWorkItem(lockToken: string, nowMs: number, delayMs: number | null, ignoreAttempt: boolean): Promise<void>;
  renewSessionLock(ownerIds: string[], nowMs: number, extendMs: number, idleTimeoutMs: number): Promise<number>;
  cleanupOrphanedSessions(nowMs: number, idleTimeoutMs: number): Promise<number>;
}
