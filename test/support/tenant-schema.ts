import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { PROCEDURES_DIR, readMigrationFiles } from '../../provider/migrations/migration-files.js';
import { migrate } from '../../provider/migrations/run-migrations.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';

/** A migrated schema of its own for one test file, and a pool to reach it. */
export interface TenantSchema {
  readonly pool: pg.Pool;
  /** The raw schema name. */
  readonly name: string;
  /** The schema name quoted as an identifier, for building calls in tests. */
  readonly quoted: string;
}

/** A random schema name; `label` keeps it recognisable when a test leaves one behind. */
export function randomSchemaName(label = 't'): string {
  return `${label}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

export function openPool(max = 20): pg.Pool {
  const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max });
  // An idle client that loses its connection (server shutdown at the end of the run) must not crash the worker.
  pool.on('error', () => {});
  return pool;
}

/** Drops a test schema with everything in it. */
export async function dropSchema(pool: pg.Pool, name: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
}

/**
 * Registers beforeAll/afterAll hooks that create and migrate a fresh schema for the calling test file and drop it
 * afterwards. The returned object is filled in by the time tests run.
 */
export function useTenantSchema(
  options: {
    name?: string;
    poolSize?: number;
    /** Apply every migration but these versions. */
    except?: readonly number[];
  } = {},
): TenantSchema {
  const tenant = {} as { pool: pg.Pool; name: string; quoted: string };
  beforeAll(async () => {
    tenant.pool = openPool(options.poolSize);
    tenant.name = options.name ?? randomSchemaName();
    tenant.quoted = quoteIdentifier(tenant.name);
    if (options.except === undefined) {
      await migrate(tenant.pool, { schema: tenant.name });
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      for (const file of await readMigrationFiles()) {
        if (!options.except.includes(file.version))
          await copyFile(join(PROCEDURES_DIR, file.name), join(dir, file.name));
      }
      await migrate(tenant.pool, { schema: tenant.name, dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    if (!tenant.pool) return;
    await dropSchema(tenant.pool, tenant.name);
    await tenant.pool.end();
  });
  return tenant;
}
