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
 * SQL for the display timestamp of a caller-supplied epoch-ms parameter: the instant the procedures store
 * (`to_timestamp(p_now_ms / 1000.0)`, exact in numeric and then rounded once to double precision; the double division
 * of a whole number of milliseconds below 2^53 by 1000 rounds the same exact quotient once).
 *
 * Inline SQL runs on the caller's search_path, where the procedures' spelling is an inexact match (pg_catalog has
 * no `to_timestamp(numeric)` and no `/`(bigint, numeric)) that an exact `to_timestamp(numeric)` or `/` planted in
 * any schema on that path would beat. Qualified, with argument types that match exactly, only pg_catalog's run.
 */
export function timestampOf(parameter: string): string {
  return `pg_catalog.to_timestamp(${parameter}::bigint::double precision OPERATOR(pg_catalog./) 1000::double precision)`;
}
