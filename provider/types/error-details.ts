/** `ErrorDetails` as the runtime serializes it (contract §2.2): externally tagged, unit variants as bare strings. */

export type ConfigErrorKind =
  | 'UnregisteredOrchestration'
  | 'UnregisteredActivity'
  | { MissingVersion: { requested_version: string } }
  | 'Nondeterminism';

export type AppErrorKind = 'ActivityFailed' | 'OrchestrationFailed' | { Cancelled: { reason: string } };

export type ErrorDetails =
  | { Infrastructure: { operation: string; message: string; retryable: boolean } }
  | { Configuration: { kind: ConfigErrorKind; resource: string; message: string | null } }
  | { Application: { kind: AppErrorKind; message: string; retryable: boolean } };
