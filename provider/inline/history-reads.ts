import type pg from 'pg';
import type { HistoryEvent } from '../types/history-event.js';
import { toNullableNumber, toNumber } from './row-values.js';
import type { SchemaTables } from './schema-tables.js';

/** Reads of instances, executions and history (single statements, autocommit). */
export class HistoryReads {
  private readonly latestExecution: string;
  private readonly currentHistory: string;
  private readonly executionHistory: string;
  private readonly instances: string;
  private readonly executions: string;

  constructor(
    private readonly pool: pg.Pool,
    tables: SchemaTables,
  ) {
    // The instance's pointer, else the highest execution or history row (instances written only through
    // appendWithExecution have no instances row).
    const latestExecutionOf = (instance: string) => `COALESCE(
        (SELECT i.current_execution_id FROM ${tables.instances} i WHERE i.instance_id = ${instance}),
        (SELECT max(e.execution_id) FROM ${tables.executions} e WHERE e.instance_id = ${instance}),
        (SELECT max(h.execution_id) FROM ${tables.history} h WHERE h.instance_id = ${instance}))`;
    this.latestExecution = `SELECT ${latestExecutionOf('$1')} AS execution_id`;
    this.currentHistory = `
      SELECT h.event_data FROM ${tables.history} h
       WHERE h.instance_id = $1 AND h.execution_id = ${latestExecutionOf('$1')}
       ORDER BY h.event_id`;
    this.executionHistory = `
      SELECT h.event_data FROM ${tables.history} h
       WHERE h.instance_id = $1 AND h.execution_id = $2::bigint
       ORDER BY h.event_id`;
    this.instances = `SELECT i.instance_id FROM ${tables.instances} i ORDER BY i.created_at DESC, i.instance_id`;
    this.executions = `
      SELECT e.execution_id FROM ${tables.executions} e
       WHERE e.instance_id = $1
       ORDER BY e.execution_id`;
  }

  /** The current execution's events only, never several executions'; empty for an unknown instance. */
  async read(instance: string): Promise<HistoryEvent[]> {
    const result = await this.pool.query<{ event_data: HistoryEvent }>(this.currentHistory, [instance]);
    return result.rows.map((row) => row.event_data);
  }

  async readWithExecution(instance: string, executionId: number): Promise<HistoryEvent[]> {
    const result = await this.pool.query<{ event_data: HistoryEvent }>(this.executionHistory, [instance, executionId]);
    return result.rows.map((row) => row.event_data);
  }

  async latestExecutionId(instance: string): Promise<number | null> {
    const result = await this.pool.query<{ execution_id: string | null }>(this.latestExecution, [instance]);
    return toNullableNumber(result.rows[0]?.execution_id);
  }

  /** Newest first. */
  async listInstances(): Promise<string[]> {
    const result = await this.pool.query<{ instance_id: string }>(this.instances);
    return result.rows.map((row) => row.instance_id);
  }

  async listExecutions(instance: string): Promise<number[]> {
    const result = await this.pool.query<{ execution_id: string }>(this.executions, [instance]);
    return result.rows.map((row) => toNumber(row.execution_id));
  }
}
