import type { Client } from './client.js';
import type { Logger } from './logger.js';

/**
 * Why `signal` aborted: the execution ended (its ack deleted this activity's queue row), the activity was cancelled
 * while its execution runs on (it lost a race), its lock expired before a renewal (another worker may run it), or the
 * runtime reached its shutdown deadline.
 */
export type CancellationReason = 'orchestration-terminal' | 'cancelled' | 'lock-lost' | 'shutdown';

/** What an activity sees (§1.5). */
export class ActivityContext {
  constructor(
    readonly instanceId: string,
    readonly executionId: number,
    readonly orchestrationName: string,
    readonly orchestrationVersion: string,
    readonly activityName: string,
    readonly activityId: number,
    readonly workerId: string,
    /** The provider's fetch count for the activity (v2 §3.2.1), for log correlation. */
    private readonly attempt: number,
    readonly signal: AbortSignal,
    private readonly logger: Logger,
    private readonly client: Client,
  ) {}

  readonly sessionId = null;
  tag(): null {
    return null;
  }
  isCancelled(): boolean {
    return this.signal.aborted;
  }
  getClient(): Client {
    return this.client;
  }
  private fields() {
    return {
      instance_id: this.instanceId,
      execution_id: this.executionId,
      orchestration_name: this.orchestrationName,
      orchestration_version: this.orchestrationVersion,
      activity_name: this.activityName,
      activity_id: this.activityId,
      worker_id: this.workerId,
      attempt: this.attempt,
    };
  }
  traceInfo(message: string): void {
    this.logger.info(this.fields(), message);
  }
  traceWarn(message: string): void {
    this.logger.warn(this.fields(), message);
  }
  traceError(message: string): void {
    this.logger.error(this.fields(), message);
  }
  traceDebug(message: string): void {
    this.logger.debug(this.fields(), message);
  }
}
