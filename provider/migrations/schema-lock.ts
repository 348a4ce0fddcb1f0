import pg from 'pg';

/** First key of the advisory lock that serializes the runners of one schema; the second is the schema's hash. */
const SCHEMA_LOCK_CLASS = 1_937_008_487;

/**
 * Runs `work` on one connection while holding the schema's session advisory lock, so that migrations and grants of
 * one schema never interleave: processes starting together migrate once, and a grant sees every function the
 * migrations before it created.
 */
export async function withSchemaLock<T>(
  db: pg.Pool | pg.ClientBase,
  schema: string,
  work: (client: pg.ClientBase) => Promise<T>,
): Promise<T> {
  const client = db instanceof pg.Pool ? await db.connect() : db;
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [SCHEMA_LOCK_CLASS, schema]);
    try {
      return await work(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SCHEMA_LOCK_CLASS, schema]);
    }
  } finally {
    if (db instanceof pg.Pool) (client as pg.PoolClient).release();
  }
}
