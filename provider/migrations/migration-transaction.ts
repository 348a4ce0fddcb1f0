import type pg from 'pg';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';

/**
 * The provider's tables, in the order a migration locks them: roughly the order the operations reach them (a fetch
 * starts at the queue, then the instance lock, the instance, its execution and history). The order only has to be
 * fixed; the timeouts below are what keep the migration out of deadlocks with calls that take another order.
 */
export const PROVIDER_TABLES: readonly string[] = [
  'orchestrator_queue',
  'instance_locks',
  'instances',
  'executions',
  'history',
  'worker_queue',
  'sessions',
  'kv_store',
  'kv_delta',
];

export interface MigrationLocking {
  /**
   * How long one attempt waits for the first table (ms). Calls that reach that table meanwhile queue behind the
   * migration, so this is also how long one attempt can stall them. Default 500.
   */
  lockTimeoutMs?: number;
  /** Attempts before giving up (default 30). */
  attempts?: number;
  /** Pause after the first failed attempt (ms), doubled after each one up to `maxBackoffMs` (defaults 50 and 1000). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Told of each attempt that lost to a running transaction (for logs), before the pause. */
  onRetry?: (attempt: number, error: Error) => void;
}

/** SQLSTATEs that mean "another transaction was in the way": the attempt is rolled back and made again. */
const CONTENTION = new Set(['55P03', '40P01']);

export class LockContentionError extends Error {
  override readonly name = 'LockContentionError';
}

/**
 * Runs `work` in one transaction that first takes ACCESS EXCLUSIVE on every existing provider table of the schema,
 * in `PROVIDER_TABLES` order, so that no call runs between two migration files and no call holds a table the
 * migration reaches later. Only the wait for the first table may be long: while the migration waits for it, it holds
 * nothing a call needs. The later waits are bounded so that together they stay under half the server's
 * `deadlock_timeout`: a call that needs a table the migration holds while holding one the migration waits for is
 * released (the migration's attempt times out and rolls back) before the server's deadlock check could pick either
 * side. Each wait of `work` has the same bound. A lock timeout or deadlock rolls the attempt back, files included;
 * after a pause it is made again.
 * Calls that arrive meanwhile queue on the table locks. A call issued after the commit resolves the new functions;
 * one already inside a function when it queued finishes that function's old body against the new tables (PL/pgSQL
 * fixed the body when the call began; each statement is planned after its lock is granted, so it sees the new
 * columns). Cached plans in pooled sessions are revalidated by the server; one that can no longer keep its result
 * type fails with 0A000, which the provider re-issues.
 */
export async function inMigrationTransaction<T>(
  client: pg.ClientBase,
  schema: string,
  locking: MigrationLocking,
  work: () => Promise<T>,
): Promise<T> {
  const { lockTimeoutMs = 500, attempts = 30, backoffMs = 50, maxBackoffMs = 1_000 } = locking;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await client.query('BEGIN');
    try {
      await lockProviderTables(client, schema, lockTimeoutMs);
      const result = await work();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A lost connection has rolled the transaction back already, and fails the ROLLBACK: report the cause.
      await client.query('ROLLBACK').catch(() => {});
      if (!isLockContention(error)) throw error;
      lastError = error;
      locking.onRetry?.(attempt, error as Error);
    }
    if (attempt < attempts) {
      const pause = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
      // Jitter: runners of several schemas that met the same long call do not come back in step.
      await new Promise((resolve) => setTimeout(resolve, pause / 2 + Math.random() * (pause / 2)));
    }
  }
  throw new LockContentionError(
    `could not take the provider's tables in ${attempts} attempts (${(lastError as Error).message}): ` +
      'a long-running transaction holds one of them; end it, or run the migration again',
    { cause: lastError },
  );
}

/** A lock timeout or deadlock: another transaction was in the way, and the whole attempt can be made again. */
export function isLockContention(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONTENTION.has(code);
}

async function lockProviderTables(client: pg.ClientBase, schema: string, firstTimeoutMs: number): Promise<void> {
  const found = await client.query<{ names: string[]; deadlock_ms: number }>(
    `SELECT ARRAY(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p')) AS names,
            (SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout') AS deadlock_ms`,
    [schema, PROVIDER_TABLES],
  );
  const { names, deadlock_ms: deadlockMs } = found.rows[0]!;
  const tables = PROVIDER_TABLES.filter((table) => names.includes(table));
  const laterTimeoutMs = Math.max(1, Math.min(firstTimeoutMs, Math.floor(deadlockMs / (2 * tables.length))));
  for (const [index, table] of tables.entries()) {
    // SET takes no parameters; the value is an integer computed here.
    await client.query(
      `SET LOCAL lock_timeout = ${index === 0 ? Math.max(1, Math.floor(firstTimeoutMs)) : laterTimeoutMs}`,
    );
    await client.query(`LOCK TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(table)} IN ACCESS EXCLUSIVE MODE`);
  }
  // The files' own waits (a table one of them creates and the next alters, the tracking table) are bounded alike.
  await client.query(`SET LOCAL lock_timeout = ${laterTimeoutMs}`);
}
