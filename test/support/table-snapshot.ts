import type { TenantSchema } from './tenant-schema.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';

const TABLES = [
  'instances',
  'executions',
  'history',
  'orchestrator_queue',
  'worker_queue',
  'instance_locks',
  'sessions',
  'kv_store',
  'kv_delta',
] as const;

export type TableSnapshot = Record<(typeof TABLES)[number], unknown[]>;

/**
 * Every row of every provider table in a stable order, for asserting that a failed call changed nothing.
 * Sequence positions are left out on purpose: PostgreSQL does not roll back nextval(), and no contract depends on
 * gap-free ids.
 */
export async function snapshotTables(tenant: TenantSchema): Promise<TableSnapshot> {
  const snapshot = {} as Record<string, unknown[]>;
  for (const table of TABLES) {
    const result = await tenant.pool.query(
      `SELECT * FROM ${tenant.quoted}.${quoteIdentifier(table)} t ORDER BY to_jsonb(t)::text`,
    );
    snapshot[table] = result.rows;
  }
  return snapshot as TableSnapshot;
}

/**
 * Empties every provider table, so one test's rows cannot leak into the next. DELETE, not TRUNCATE: on tables this
 * small it is ~20 times cheaper (TRUNCATE gives every table and index new files), and it runs before every test and
 * round. Ids keep counting, which nothing depends on (see above).
 */
export async function emptyTables(tenant: TenantSchema): Promise<void> {
  await tenant.pool.query(TABLES.map((table) => `DELETE FROM ${tenant.quoted}.${quoteIdentifier(table)};`).join(' '));
}
