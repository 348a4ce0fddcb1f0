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
      };
    }
  | { OrchestrationCompleted: { event_id: number; output: string } }
  | { OrchestrationFailed: { event_id: number; details: ErrorDetails } }
  | { ActivityScheduled: { event_id: number; name: string; input: string; execution_id: number } }
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
  | { SystemCall: { event_id: number; op: string; value: string; execution_id: number } };

export type HistoryEventKind = HistoryEvent extends infer T ? (T extends unknown ? keyof T : never) : never;
