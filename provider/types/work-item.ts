import type { ErrorDetails } from './error-details.js';

/**
 * Queue messages (contract §2.3) in the runtime's JSON shape: one key naming the kind. `input`, `result` and `data`
 * are strings that usually hold JSON text. Narrow with `'TimerFired' in item`, or with `workItemKind(item)`.
 */
export type WorkItem =
  | {
      StartOrchestration: {
        instance: string;
        orchestration: string;
        input: string;
        version: string | null;
        parent_instance: string | null;
        parent_id: number | null;
        execution_id: number;
      };
    }
  | {
      ActivityExecute: {
        instance: string;
        execution_id: number;
        id: number;
        name: string;
        input: string;
        /** v2: omitted when the activity is not session-bound. */
        session_id?: string;
        /** v2: omitted when untagged (the default queue). */
        tag?: string;
      };
    }
  | { ActivityCompleted: { instance: string; execution_id: number; id: number; result: string } }
  | { ActivityFailed: { instance: string; execution_id: number; id: number; details: ErrorDetails } }
  | { TimerFired: { instance: string; execution_id: number; id: number; fire_at_ms: number } }
  | { ExternalRaised: { instance: string; name: string; data: string } }
  | { SubOrchCompleted: { parent_instance: string; parent_execution_id: number; parent_id: number; result: string } }
  | {
      SubOrchFailed: {
        parent_instance: string;
        parent_execution_id: number;
        parent_id: number;
        details: ErrorDetails;
      };
    }
  | { CancelInstance: { instance: string; reason: string } }
  | {
      ContinueAsNew: {
        instance: string;
        orchestration: string;
        input: string;
        version: string | null;
        /** v2: unconsumed queue messages as `[name, data]`; absent means none. */
        carry_forward_events?: [string, string][];
        /** v2: omitted when there is no custom status to carry over. */
        initial_custom_status?: string;
      };
    }
  /** v2: a message for the instance's persistent FIFO mailbox; orchestrator queue, routed by `instance`. */
  | { QueueMessage: { instance: string; name: string; data: string } };

/** The kinds (keys) of a union of externally tagged items, e.g. `KindOf<WorkItem>`. */
export type KindOf<T> = T extends unknown ? keyof T : never;

/** Union of every key, e.g. `'StartOrchestration'`. */
export type WorkItemKind = KindOf<WorkItem>;

/** The kinds that complete an activity, the only ones `ackWorker` accepts. */
export type ActivityCompletion = Extract<WorkItem, { ActivityCompleted: unknown } | { ActivityFailed: unknown }>;
