import type { GetSystemMetricsRow } from '../../generated/procedures.js';
import type { HistoryEvent } from './history-event.js';
import type { WorkItem } from './work-item.js';

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

export interface FetchedWorkItem {
  item: WorkItem;
  lockToken: string;
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

export interface SessionFetchConfig {
  ownerId: string;
  lockTimeoutMs: number;
}

export type TagFilter = 'defaultOnly' | 'any' | 'none' | { tags: string[] } | { defaultAnd: string[] };

export interface CustomStatusChange {
  customStatus: string | null;
  version: number;
}

export interface InstanceStats {
  historyEventCount: number;
  historySizeBytes: number;
  queuePendingCount: number;
  kvUserKeyCount: number;
  kvTotalValueBytes: number;
}

export interface InstanceFilter {
  instanceIds?: string[];
  /** Epoch milliseconds. */
  completedBefore?: number;
  limit?: number;
}

export interface PruneOptions {
  keepLast?: number;
  /** Epoch milliseconds. */
  completedBefore?: number;
}

export interface DeleteInstanceResult {
  instancesDeleted: number;
  executionsDeleted: number;
  eventsDeleted: number;
  queueMessagesDeleted: number;
}

export interface PruneResult {
  instancesProcessed: number;
  executionsDeleted: number;
  eventsDeleted: number;
}

export interface InstanceTree {
  rootId: string;
  allIds: string[];
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
  /** v2: the parent of a sub-orchestration (filled once the management procedures of 0010 return it). */
  parentInstanceId?: string | null;
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
