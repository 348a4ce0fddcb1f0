/** The two implementations on schemas of their own, on one pool; emptied between runs rather than re-created. */
import pg from 'pg';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { type Implementation, PostgresProvider } from '../../provider/postgres-provider.js';
import { MIGRATIONS_TABLE } from '../../provider/migrations/run-migrations.js';
import { registerProvider } from '../provider-calls.js';

export const IMPLEMENTATIONS: readonly Implementation[] = ['procedures', 'inline'];

export interface Providers {
  schemas: Record<Implementation, string>;
  /** Providers on a pool of `size` connections to `connectionString` (default: the run's server). */
  open(size: number, connectionString?: string): Promise<OpenProviders>;
  /** Empties the tables of `implementation`'s schema (its migrations stay). */
  reset(implementation: Implementation): Promise<void>;
  drop(): Promise<void>;
}

export interface OpenProviders {
  pool: pg.Pool;
  byImplementation: Record<Implementation, PostgresProvider>;
  close(): Promise<void>;
}

export function newPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  // A lost idle connection must not end the run; the next query reports it.
  pool.on('error', () => {});
  return pool;
}

async function openOn(
  pool: pg.Pool,
  schemas: Record<Implementation, string>,
  migrate: boolean,
): Promise<OpenProviders> {
  const byImplementation = {} as Record<Implementation, PostgresProvider>;
  for (const implementation of IMPLEMENTATIONS) {
    byImplementation[implementation] = await PostgresProvider.create({
      pool,
      schema: schemas[implementation],
      implementation,
      migrate,
      clockCheckIntervalMs: 0,
      onEvent: () => {},
    });
    registerProvider(byImplementation[implementation], implementation);
  }
  return {
    pool,
    byImplementation,
    async close() {
      for (const provider of Object.values(byImplementation)) await provider.close();
      await pool.end();
    },
  };
}

export async function createProviders(admin: pg.Pool, connectionString: string): Promise<Providers> {
  const schemas = {
    procedures: `bench_procedures_${process.pid}`,
    inline: `bench_inline_${process.pid}`,
  } satisfies Record<Implementation, string>;
  // Migrate once; every later pool opens with migrate: false.
  await (await openOn(admin, schemas, true)).byImplementation.procedures.close();
  return {
    schemas,
    async open(size, url = connectionString) {
      return openOn(newPool(url, size), schemas, false);
    },
    async reset(implementation) {
      const { rows } = await admin.query<{ tablename: string }>(
        `SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename <> $2`,
        [schemas[implementation], MIGRATIONS_TABLE],
      );
      const schema = quoteIdentifier(schemas[implementation]);
      const tables = rows.map((row) => `${schema}.${quoteIdentifier(row.tablename)}`);
      if (tables.length > 0) await admin.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY`);
    },
    async drop() {
      for (const schema of Object.values(schemas)) {
        await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      }
    },
  };
}
