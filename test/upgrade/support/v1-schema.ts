import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { PROCEDURES_DIR, readMigrationFiles } from '../../../provider/migrations/migration-files.js';
import { migrate } from '../../../provider/migrations/run-migrations.js';

/** The last migration file of the v1 provider: 0001…0006 are v1, 0007 onward is contract v2. */
export const LAST_V1_VERSION = 6;

/** Migrates `schema` with only the files up to `lastVersion`, as a database last migrated by that release is. */
export async function migrateUpTo(pool: pg.Pool, schema: string, lastVersion: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-v1-'));
  try {
    for (const file of await readMigrationFiles()) {
      if (file.version <= lastVersion) await copyFile(join(PROCEDURES_DIR, file.name), join(dir, file.name));
    }
    await migrate(pool, { schema, dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
