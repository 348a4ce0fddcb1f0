import pg from 'pg';
import { withPooledClient } from '../pooled-client.js';

/** First key of the advisory lock that serializes the runners of one schema; the second is the schema's hash. */
const SCHEMA_LOCK_CLASS = 1_937_008_487;

/**
 * Runs `work` on one connection while holding the schema's session advisory lock, so that migrations and grants of
 * one schema never interleave: processes starting together migrate once, and a grant sees every function the
 * migrations before it created. The session lock needs one session throughout: a client of its own when given a pool.
 */
export async function withSchemaLock<T>(
  db: pg.Pool | pg.ClientBase,
  schema: string,
  work: (client: pg.ClientBase) => Promise<T>,
): Promise<T> {
  const locked = async (client: pg.ClientBase): Promise<T> => {
    const unlock = () => client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SCHEMA_LOCK_CLASS, schema]);
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [SCHEMA_LOCK_CLASS, schema]);
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      // When the session died, its lock went with it and the unlock fails too: the first error is the one to report.
      await unlock().catch(() => {});
      throw error;
    }
    await unlock();
    return result;
  };
  return db instanceof pg.Pool ? withPooledClient(db, locked) : locked(db);
}
