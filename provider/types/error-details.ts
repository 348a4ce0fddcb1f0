/** `ErrorDetails` as the runtime serializes it (contract §2.2): externally tagged, unit variants as bare strings. */

export type ConfigErrorKind =
  | 'UnregisteredOrchestration'
  | 'UnregisteredActivity'
  | { MissingVersion: { requested_version: string } }
  | 'Nondeterminism';

export type AppErrorKind = 'ActivityFailed' | 'OrchestrationFailed' | 'Panicked' | { Cancelled: { reason: string } };

/** What a poisoned message was (v2 §2.2). */
export type PoisonMessageType =
  | { Orchestration: { instance: string; execution_id: number } }
  | { Activity: { instance: string; execution_id: number; activity_name: string; activity_id: number } }
  | { FailedDeserialization: { instance: string; execution_id: number; error: string } };

export type ErrorDetails =
  | { Infrastructure: { operation: string; message: string; retryable: boolean } }
  | { Configuration: { kind: ConfigErrorKind; resource: string; message: string | null } }
  | { Application: { kind: AppErrorKind; message: string; retryable: boolean } }
  | {
      Poison: { attempt_count: number; max_attempts: number; message_type: PoisonMessageType; message: string };
    };
