import type { GetSystemMetricsRow } from '../../generated/procedures.js';
import type { HistoryEvent } from './history-event.js';
import type { ActivityCompletion, WorkItem } from './work-item.js';

/** A runtime (replay-engine) version, e.g. the one that started an execution (v2 §3.2.4). */
export interface Semver {
  major: number;
  minor: number;
  patch: number;
}

/** Inclusive on both ends. */
export interface SemverRange {
  min: Semver;
  max: Semver;
}

/** Which pinned versions a fetch accepts; only `supportedVersions[0]` is used, an empty list accepts nothing. */
export interface CapabilityFilter {
  supportedVersions: SemverRange[];
}

export interface KvEntry {
  value: string;
  lastUpdatedAtMs: number;
}

/** One orchestration turn's input (v2 §2.6); the lock token comes with it in `FetchedOrchestrationItem`. */
export interface OrchestrationItem {
  instance: string;
  orchestrationName: string;
  executionId: number;
  version: string;
  /** The chosen execution's history, in event_id order; `[]` when `historyError` is set. */
  history: HistoryEvent[];
  /** Every message that was visible for the instance at fetch time, in enqueue order. */
  messages: WorkItem[];
  /** Why the stored history (or a message) could not be decoded; null when it could (v2 §3.2.5). */
  historyError: string | null;
  /** The instance's key-value state as of the end of its last finished execution (kv_store only, v2 §3.2.8). */
  kvSnapshot: Record<string, KvEntry>;
}

/** A fetched turn, locked for this caller until `lockToken` is acked, abandoned or expires. */
export interface FetchedOrchestrationItem {
  item: OrchestrationItem;
  lockToken: string;
  /** The highest attempt count of the batch after this fetch's increment (poison detection, v2 §3.2.1). */
  attemptCount: number;
}

export type ExecutionStatus = 'Running' | 'Completed' | 'Failed' | 'ContinuedAsNew';

/** What the runtime computed from a turn's history delta (v2 §3.4); every field optional. */
export interface ExecutionMetadata {
  /** 'Running' is legal and sets no completion time. */
  status?: ExecutionStatus;
  output?: string;
  orchestrationName?: string;
  /** The instance row is created/updated only when name AND version are given. */
  orchestrationVersion?: string;
  /** The parent of a sub-orchestration; written by the ack that creates the instance row, never changed after. */
  parentInstanceId?: string;
  /** The runtime version that started this execution; stored whenever given. */
  pinnedVersion?: Semver;
}

/** An in-flight activity the ack cancels by deleting its worker row (v2 §3.2.10). */
export interface ScheduledActivityIdentifier {
  instance: string;
  executionId: number;
  activityId: number;
}

export interface WorkerLease {
  item: WorkItem;
  lockToken: string;
}

export interface InstanceInfo {
  instanceId: string;
  orchestrationName: string;
  orchestrationVersion: string;
  currentExecutionId: number;
  status: ExecutionStatus | (string & {});
  output: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** The parent of a sub-orchestration; null for a root or a detached start. */
  parentInstanceId: string | null;
}

export interface ExecutionInfo {
  executionId: number;
  status: ExecutionStatus | (string & {});
  output: string | null;
  /** Epoch milliseconds. */
  startedAt: number;
  completedAt: number | null;
  eventCount: number;
}

/** Counts over the whole store: exactly the row `sp_get_system_metrics` returns. */
export type SystemMetrics = GetSystemMetricsRow;

export interface QueueDepths {
  orchestratorQueue: number;
  workerQueue: number;
  /** Always 0: timers are delayed orchestrator messages. */
  timerQueue: number;
}

// --- Contract v2 §2.6: custom status, instance statistics, deletion and pruning -----------------------------------

/** A custom status newer than the version the caller has seen; `customStatus` null = cleared. */
export interface CustomStatusChange {
  customStatus: string | null;
  version: number;
}

/** Size figures of one instance (contract v2 §3.19): its current execution's history, carried queue events, KV. */
export interface InstanceStats {
  historyEventCount: number;
  historySizeBytes: number;
  /** Persistent-queue messages carried across ContinueAsNew into the current execution and not yet consumed. */
  queuePendingCount: number;
  /** Live keys of the merged key-value view. */
  kvUserKeyCount: number;
  /** Bytes of every stored value, the current execution's changes included. */
  kvTotalValueBytes: number;
}

/** Which instances a bulk operation selects; every given filter must hold. */
export interface InstanceFilter {
  /** Only these ids; an empty list selects nothing. */
  instanceIds?: string[];
  /** Epoch milliseconds: only instances whose current execution completed before this. */
  completedBefore?: number;
  /** At most this many instances (default 1000). */
  limit?: number;
}

/** Which old executions pruning removes: never the current one, never a running one. */
export interface PruneOptions {
  /** Keep this many of the highest execution ids (absent, 0 and 1 all keep only the current execution). */
  keepLast?: number;
  /** Epoch milliseconds: only executions completed before this. */
  completedBefore?: number;
}

export interface DeleteInstanceResult {
  instancesDeleted: number;
  executionsDeleted: number;
  eventsDeleted: number;
  /** Orchestrator and worker queue rows. */
  queueMessagesDeleted: number;
}

export interface PruneResult {
  instancesProcessed: number;
  executionsDeleted: number;
  eventsDeleted: number;
}

/** An instance and all its descendants (sub-orchestrations, recursively), in no particular order. */
export interface InstanceTree {
  rootId: string;
  allIds: string[];
}

// --- Contract v2 §2.6: the worker queue (fetchWorkItem and sessions) ---------------------------------------------

/** A fetched activity, locked for this caller until `lockToken` is acked, abandoned or its lock expires. */
export interface FetchedWorkItem {
  item: WorkItem;
  lockToken: string;
  /** How many fetches took this item so far, this one included (poison detection, contract v2 §3.2.1). */
  attemptCount: number;
}

/** Session-aware fetch: `ownerId` may take items of sessions it owns or nobody owns, claiming them for `lockTimeoutMs`. */
export interface SessionFetchConfig {
  ownerId: string;
  lockTimeoutMs: number;
}

/** One completion of `ackWorkItems`: the fetched item's token and its completion (null: the activity was cancelled). */
export interface WorkItemAck {
  lockToken: string;
  completion: ActivityCompletion | null;
}

/**
 * What `ackWorkItems` did with one ack: `'acked'`; `'expired'`, the lock had expired (the item stays, fetchable again:
 * `ackWorkItem`'s DXW02); `'notFound'`, no item holds the token (acked, cancelled, deleted or fetched again: DXW01).
 */
export type WorkItemAckOutcome = 'acked' | 'expired' | 'notFound';

/** Which activities a worker takes by tag (contract v2 §3.2.7); `'none'` takes nothing. */
export type TagFilter = 'defaultOnly' | 'any' | 'none' | { tags: string[] } | { defaultAnd: string[] };
