import type { TenantSchema } from './tenant-schema.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';

const TABLES = ['instances', 'executions', 'history', 'orchestrator_queue', 'worker_queue', 'instance_locks'] as const;

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

/** Empties every provider table, so one test's rows cannot leak into the next. */
export async function truncateTables(tenant: TenantSchema): Promise<void> {
  const list = TABLES.map((table) => `${tenant.quoted}.${quoteIdentifier(table)}`).join(', ');
  await tenant.pool.query(`TRUNCATE ${list} RESTART IDENTITY`);
}
