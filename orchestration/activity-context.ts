import type { Client } from './client.js';
import type { Logger } from './logger.js';

export type CancellationReason = 'orchestration-terminal' | 'shutdown';

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
    /** This process's dequeue count for the activity (§3.5), for log correlation. */
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
