import type { ErrorDetails } from './error-details.js';

/**
 * History events (contract §2.4) in the runtime's JSON shape: one key naming the kind, every kind carries the
 * runtime-assigned `event_id` (≥ 1).
 */
export type HistoryEvent =
  | {
      OrchestrationStarted: {
        event_id: number;
        name: string;
        version: string;
        input: string;
        parent_instance: string | null;
        parent_id: number | null;
        /** Unconsumed queue messages carried over by ContinueAsNew, as `[name, data]` (v2 §2.4). */
        carry_forward_events?: [string, string][];
        /** The custom status carried over by ContinueAsNew. */
        initial_custom_status?: string;
        /** Semantic version of the runtime that started the execution (ours; the runtime pins it, §3.2.4). */
        runtime_version?: string;
      };
    }
  | { OrchestrationCompleted: { event_id: number; output: string } }
  | { OrchestrationFailed: { event_id: number; details: ErrorDetails } }
  | {
      ActivityScheduled: {
        event_id: number;
        name: string;
        input: string;
        execution_id: number;
        session_id?: string;
        tag?: string;
      };
    }
  | { ActivityCompleted: { event_id: number; source_event_id: number; result: string } }
  | { ActivityFailed: { event_id: number; source_event_id: number; details: ErrorDetails } }
  | { TimerCreated: { event_id: number; fire_at_ms: number; execution_id: number } }
  | { TimerFired: { event_id: number; source_event_id: number; fire_at_ms: number } }
  | { ExternalSubscribed: { event_id: number; name: string } }
  | { ExternalEvent: { event_id: number; name: string; data: string } }
  | { OrchestrationChained: { event_id: number; name: string; instance: string; input: string } }
  | {
      SubOrchestrationScheduled: {
        event_id: number;
        name: string;
        instance: string;
        input: string;
        execution_id: number;
      };
    }
  | { SubOrchestrationCompleted: { event_id: number; source_event_id: number; result: string } }
  | { SubOrchestrationFailed: { event_id: number; source_event_id: number; details: ErrorDetails } }
  | { OrchestrationContinuedAsNew: { event_id: number; input: string } }
  | { OrchestrationCancelRequested: { event_id: number; reason: string } }
  | { SystemCall: { event_id: number; op: string; value: string; execution_id: number } }
  // v2 §2.4: cancellation breadcrumbs, the persistent mailbox, custom status and key-value state.
  | { ActivityCancelRequested: { event_id: number; source_event_id: number; reason: string } }
  | { SubOrchestrationCancelRequested: { event_id: number; source_event_id: number; reason: string } }
  | { ExternalSubscribedCancelled: { event_id: number; source_event_id: number; reason: string } }
  | { ExternalSubscribedPersistent: { event_id: number; name: string } }
  | { ExternalEventPersistent: { event_id: number; name: string; data: string } }
  | { ExternalSubscribedPersistentCancelled: { event_id: number; source_event_id: number; reason: string } }
  /** `status: null` clears the custom status. */
  | { CustomStatusUpdated: { event_id: number; status: string | null } }
  | { KeyValueSet: { event_id: number; key: string; value: string; last_updated_at_ms?: number } }
  | { KeyValueCleared: { event_id: number; key: string } }
  | { KeyValuesCleared: { event_id: number } };

export type HistoryEventKind = HistoryEvent extends infer T ? (T extends unknown ? keyof T : never) : never;
