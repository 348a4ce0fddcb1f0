import type { GetSystemMetricsRow } from '../../generated/procedures.js';
import type { HistoryEvent } from './history-event.js';
import type { WorkItem } from './work-item.js';

/** One orchestration turn's input, locked for this caller until `lockToken` is acked, abandoned or expires. */
export interface OrchestrationItem {
  instance: string;
  orchestrationName: string;
  executionId: number;
  version: string;
  /** The current execution's history, in event_id order. */
  history: HistoryEvent[];
  /** Every message that was visible for the instance at fetch time, in enqueue order. */
  messages: WorkItem[];
  lockToken: string;
}

export type ExecutionStatus = 'Running' | 'Completed' | 'Failed' | 'ContinuedAsNew';

/** What the runtime computed from a turn's history delta (contract §3.17); every field optional. */
export interface ExecutionMetadata {
  status?: Exclude<ExecutionStatus, 'Running'>;
  output?: string;
  orchestrationName?: string;
  orchestrationVersion?: string;
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

/** Which activities a worker takes by tag (contract v2 §3.2.7); `'none'` takes nothing. */
export type TagFilter = 'defaultOnly' | 'any' | 'none' | { tags: string[] } | { defaultAnd: string[] };
