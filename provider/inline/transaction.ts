import type pg from 'pg';
import { withPooledClient } from '../pooled-client.js';

/** A pool for single statements (autocommit) or a client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * Runs `work` in one client-side transaction on one pooled client. Any failure rolls everything back, so a failed
 * operation leaves the database exactly as before: a lost connection ends the server's session and with it the
 * open transaction. A client whose rollback failed is discarded, not reused.
 */
export function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withPooledClient(pool, async (client, discard) => {
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        discard(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
      }
      throw error;
    }
  });
}
