import type pg from 'pg';
import type { ExecutionInfo, InstanceInfo, QueueDepths, SystemMetrics } from '../types/provider-types.js';
import { InlineSqlError } from './inline-sql-error.js';
import { toEpochMs, toNumber } from './row-values.js';
import type { SchemaTables } from './schema-tables.js';

interface InstanceRow {
  instance_id: string;
  orchestration_name: string;
  orchestration_version: string | null;
  current_execution_id: string;
  created_at: Date;
  updated_at: Date;
  status: string;
  output: string | null;
  parent_instance_id: string | null;
}

interface ExecutionRow {
  execution_id: string;
  status: string;
  output: string | null;
  started_at: Date;
  completed_at: Date | null;
  event_count: string;
}

/**
 * The management capability's reads. Status questions are about an instance's current execution; an instance whose
 * current execution has no row yet counts as 'Running'.
 */
export class ManagementReads {
  private readonly instanceInfo: string;
  private readonly executionInfo: string;
  private readonly instancesByStatus: string;
  private readonly systemMetrics: string;
  private readonly queueDepths: string;

  constructor(
    private readonly pool: pg.Pool,
    tables: SchemaTables,
  ) {
    const withCurrentExecution = `
        FROM ${tables.instances} i
        LEFT JOIN ${tables.executions} e
          ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id`;
    this.instanceInfo = `
      SELECT i.instance_id, i.orchestration_name, i.orchestration_version, i.current_execution_id,
             i.created_at, i.updated_at, COALESCE(e.status, 'Running') AS status, e.output, i.parent_instance_id
        ${withCurrentExecution}
       WHERE i.instance_id = $1`;
    this.executionInfo = `
      SELECT e.execution_id, e.status, e.output, e.started_at, e.completed_at,
             (SELECT count(*) FROM ${tables.history} h
               WHERE h.instance_id = e.instance_id AND h.execution_id = e.execution_id) AS event_count
        FROM ${tables.executions} e
       WHERE e.instance_id = $1 AND e.execution_id = $2::bigint`;
    this.instancesByStatus = `
      SELECT i.instance_id
        ${withCurrentExecution}
       WHERE COALESCE(e.status, 'Running') = $1
       ORDER BY i.created_at DESC, i.instance_id`;
    this.systemMetrics = `
      SELECT s.total_instances,
             (SELECT count(*) FROM ${tables.executions}) AS total_executions,
             s.running_instances, s.completed_instances, s.failed_instances,
             (SELECT count(*) FROM ${tables.history}) AS total_events
        FROM (SELECT count(*) AS total_instances,
                     count(*) FILTER (WHERE COALESCE(e.status, 'Running') = 'Running') AS running_instances,
                     count(*) FILTER (WHERE e.status = 'Completed') AS completed_instances,
                     count(*) FILTER (WHERE e.status = 'Failed') AS failed_instances
                ${withCurrentExecution}) s`;
    // Messages a fetch or dequeue could take now: visible and not under a live lock (both queues have visible_at).
    this.queueDepths = `
      SELECT (SELECT count(*) FROM ${tables.orchestratorQueue} q
               WHERE q.visible_at <= $1::bigint
                 AND (q.lock_token IS NULL OR q.locked_until <= $1::bigint)) AS orchestrator_queue,
             (SELECT count(*) FROM ${tables.workerQueue} w
               WHERE w.visible_at <= $1::bigint
                 AND (w.lock_token IS NULL OR w.locked_until <= $1::bigint)) AS worker_queue`;
  }

  async getInstanceInfo(instance: string): Promise<InstanceInfo> {
    const result = await this.pool.query<InstanceRow>(this.instanceInfo, [instance]);
    const row = result.rows[0];
    if (row === undefined) throw new InlineSqlError('P0002', `Instance not found: ${instance}`);
    return {
      instanceId: row.instance_id,
      orchestrationName: row.orchestration_name,
      // NULL until an ack names it; 'unknown' as fetch says (contract v2 §3.21).
      orchestrationVersion: row.orchestration_version ?? 'unknown',
      currentExecutionId: toNumber(row.current_execution_id),
      status: row.status,
      output: row.output,
      createdAt: toEpochMs(row.created_at),
      updatedAt: toEpochMs(row.updated_at),
      parentInstanceId: row.parent_instance_id,
    };
  }

  async getExecutionInfo(instance: string, executionId: number): Promise<ExecutionInfo> {
    const result = await this.pool.query<ExecutionRow>(this.executionInfo, [instance, executionId]);
    const row = result.rows[0];
    if (row === undefined) {
      throw new InlineSqlError('P0002', `Execution not found: ${executionId} of instance ${instance}`);
    }
    return {
      executionId: toNumber(row.execution_id),
      status: row.status,
      output: row.output,
      startedAt: toEpochMs(row.started_at),
      completedAt: row.completed_at === null ? null : toEpochMs(row.completed_at),
      eventCount: toNumber(row.event_count),
    };
  }

  /** Instances whose current execution has exactly this status, newest first. */
  async listInstancesByStatus(status: string): Promise<string[]> {
    const result = await this.pool.query<{ instance_id: string }>(this.instancesByStatus, [status]);
    return result.rows.map((row) => row.instance_id);
  }

  async getSystemMetrics(): Promise<SystemMetrics> {
    const result = await this.pool.query<Record<string, string>>(this.systemMetrics);
    const row = result.rows[0]!;
    return {
      totalInstances: toNumber(row.total_instances!),
      totalExecutions: toNumber(row.total_executions!),
      runningInstances: toNumber(row.running_instances!),
      completedInstances: toNumber(row.completed_instances!),
      failedInstances: toNumber(row.failed_instances!),
      totalEvents: toNumber(row.total_events!),
    };
  }

  async getQueueDepths(nowMs: number): Promise<QueueDepths> {
    const result = await this.pool.query<{ orchestrator_queue: string; worker_queue: string }>(this.queueDepths, [
      nowMs,
    ]);
    const row = result.rows[0]!;
    return {
      orchestratorQueue: toNumber(row.orchestrator_queue),
      workerQueue: toNumber(row.worker_queue),
      timerQueue: 0,
    };
  }
}
