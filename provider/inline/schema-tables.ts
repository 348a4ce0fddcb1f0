import { quoteIdentifier } from 'pg-sproc-gen/runtime';

/**
 * The provider's tables and the one procedure helper the inline SQL calls, qualified with the tenant schema (quoted
 * once, here).
 */
export interface SchemaTables {
  readonly instances: string;
  readonly executions: string;
  readonly history: string;
  readonly orchestratorQueue: string;
  readonly workerQueue: string;
  readonly instanceLocks: string;
  /** A call of `_sp_fetch_lock_class()`: the fetch's advisory-lock class, defined once, in the SQL. */
  readonly fetchLockClass: string;
}

export function schemaTables(schema: string): SchemaTables {
  const quoted = quoteIdentifier(schema);
  return {
    instances: `${quoted}.instances`,
    executions: `${quoted}.executions`,
    history: `${quoted}.history`,
    orchestratorQueue: `${quoted}.orchestrator_queue`,
    workerQueue: `${quoted}.worker_queue`,
    instanceLocks: `${quoted}.instance_locks`,
    fetchLockClass: `${quoted}._sp_fetch_lock_class()`,
  };
}

/**
 * SQL for the display timestamp of a caller-supplied epoch-ms parameter, computed exactly as the procedures do
 * (`to_timestamp(p_now_ms / 1000.0)`), so both backends store the same instants.
 */
export function timestampOf(parameter: string): string {
  return `to_timestamp(${parameter}::bigint / 1000.0)`;
}
