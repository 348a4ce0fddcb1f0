import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * A LOGIN role of the test server, created for one test file. Roles are cluster-wide, so the name is random; `drop`
 * closes the pools opened as the role, revokes what it was granted in this database and drops it.
 */
export interface LoginRole {
  readonly name: string;
  /** The test server's connection string with this role's name and password. */
  readonly connectionString: string;
  /** A pool connecting as this role (its idle-connection errors are ignored, as `openPool` does). */
  openPool(options?: Omit<pg.PoolConfig, 'connectionString'>): pg.Pool;
  drop(): Promise<void>;
}

export async function createLoginRole(admin: pg.Pool, label = 'role'): Promise<LoginRole> {
  const name = `pgsp_${label}_${randomBytes(8).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  const statement = await admin.query<{ sql: string }>(
    `SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) AS sql`,
    [name, password],
  );
  await admin.query(statement.rows[0]!.sql);
  const url = new URL(inject('databaseUrl'));
  url.username = name;
  url.password = password;
  const connectionString = url.toString();
  const pools: pg.Pool[] = [];
  return {
    name,
    connectionString,
    openPool(options = {}) {
      const pool = new pg.Pool({ ...options, connectionString });
      pool.on('error', () => {});
      pools.push(pool);
      return pool;
    },
    async drop() {
      await Promise.all(pools.filter((pool) => !pool.ending).map((pool) => pool.end()));
      const drops = await admin.query<{ sql: string }>(
        `SELECT format('DROP OWNED BY %1$I; DROP ROLE %1$I', $1::text) AS sql`,
        [name],
      );
      await admin.query(drops.rows[0]!.sql);
    },
  };
}
