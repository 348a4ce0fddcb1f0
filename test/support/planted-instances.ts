import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import type { TenantSchema } from './tenant-schema.js';

/**
 * Instance state written straight into a provider's tables, for procedure tests of reads, deletion and pruning that
 * need states (parents, statuses, completion times, key-value rows, custom status) independent of how the ack
 * writes them. Times are epoch milliseconds, stored as the procedures store them.
 */

export interface PlantedInstance {
  parent?: string | null;
  name?: string;
  version?: string | null;
  currentExecutionId?: number;
  createdAtMs?: number;
  customStatus?: string | null;
  customStatusVersion?: number;
}

export async function plantInstance(tenant: TenantSchema, id: string, options: PlantedInstance = {}): Promise<void> {
  const createdAtMs = options.createdAtMs ?? 0;
  await tenant.pool.query(
    `INSERT INTO ${tenant.quoted}.instances (instance_id, orchestration_name, orchestration_version,
                                             current_execution_id, created_at, updated_at, parent_instance_id,
                                             custom_status, custom_status_version)
     VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), to_timestamp($5 / 1000.0), $6, $7, $8)`,
    [
      id,
      options.name ?? 'TestOrch',
      options.version === undefined ? '1.0.0' : options.version,
      options.currentExecutionId ?? 1,
      createdAtMs,
      options.parent ?? null,
      options.customStatus ?? null,
      options.customStatusVersion ?? 0,
    ],
  );
}

export type PlantedStatus = 'Running' | 'Completed' | 'Failed' | 'ContinuedAsNew';

/** An execution row; `completedAtMs` defaults to 1000 for a finished status and NULL for Running. */
export async function plantExecution(
  tenant: TenantSchema,
  id: string,
  executionId: number,
  status: PlantedStatus,
  completedAtMs: number | null = status === 'Running' ? null : 1000,
): Promise<void> {
  await tenant.pool.query(
    `INSERT INTO ${tenant.quoted}.executions (instance_id, execution_id, status, started_at, completed_at)
     VALUES ($1, $2, $3, to_timestamp(0), to_timestamp($4 / 1000.0))`,
    [id, executionId, status, completedAtMs],
  );
}

/** History events of one execution, as given (valid JSON; the event type is the single top-level key). */
export async function plantHistory(
  tenant: TenantSchema,
  id: string,
  executionId: number,
  events: readonly unknown[],
): Promise<void> {
  for (const event of events) {
    const kind = Object.keys(event as object)[0]!;
    const eventId = (event as Record<string, { event_id: number }>)[kind]!.event_id;
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.history (instance_id, execution_id, event_id, event_type, event_data, created_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, to_timestamp(0))`,
      [id, executionId, eventId, kind, JSON.stringify(event)],
    );
  }
}

/** An instance with executions 1..n of the given statuses (the last is current), one event each. */
export async function plantInstanceWithExecutions(
  tenant: TenantSchema,
  id: string,
  statuses: readonly PlantedStatus[],
  options: Omit<PlantedInstance, 'currentExecutionId'> & { completedAtMs?: number } = {},
): Promise<void> {
  await plantInstance(tenant, id, { ...options, currentExecutionId: statuses.length });
  for (const [index, status] of statuses.entries()) {
    const completedAtMs = status === 'Running' ? null : (options.completedAtMs ?? 1000 + index);
    await plantExecution(tenant, id, index + 1, status, completedAtMs);
    await plantHistory(tenant, id, index + 1, [
      { OrchestrationStarted: { event_id: 1, name: 'TestOrch', version: '1.0.0', input: '{}' } },
    ]);
  }
}

/** A row of `kv_store` (values of finished executions) or `kv_delta` (the current execution; NULL = tombstone). */
export async function plantKv(
  tenant: TenantSchema,
  table: 'kv_store' | 'kv_delta',
  id: string,
  key: string,
  value: string | null,
  lastUpdatedAtMs = 0,
): Promise<void> {
  await tenant.pool.query(
    `INSERT INTO ${tenant.quoted}.${quoteIdentifier(table)} (instance_id, key, value, last_updated_at_ms) VALUES ($1, $2, $3, $4)`,
    [id, key, value, lastUpdatedAtMs],
  );
}

/** A lock row for the instance, as a fetch leaves it. */
export async function plantLock(tenant: TenantSchema, id: string, token: string, lockedUntilMs: number): Promise<void> {
  await tenant.pool.query(
    `INSERT INTO ${tenant.quoted}.instance_locks (instance_id, lock_token, locked_until, locked_at)
     VALUES ($1, $2, $3, 0)`,
    [id, token, lockedUntilMs],
  );
}

/** How many rows of `table` belong to the instance. */
export async function rowsOf(tenant: TenantSchema, table: string, id: string): Promise<number> {
  const result = await tenant.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${tenant.quoted}.${quoteIdentifier(table)} WHERE instance_id = $1`,
    [id],
  );
  return Number(result.rows[0]!.n);
}
