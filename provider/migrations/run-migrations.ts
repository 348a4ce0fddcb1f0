import pg from 'pg';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { assertValidSchemaName, SCHEMA_PLACEHOLDER, substituteSchema } from 'pg-sproc-gen/schema-sources';
import { type MigrationFile, PROCEDURES_DIR, readMigrationFiles } from './migration-files.js';

/** The per-schema tracking table (contract §1.7, plus a checksum). */
export const MIGRATIONS_TABLE = '_duroxide_migrations';

/** First key of the advisory lock that serializes runners of one schema; the second is the schema's hash. */
const MIGRATION_LOCK_CLASS = 1_937_008_487;

export interface MigrateOptions {
  /** Target schema (default `public`); any name PostgreSQL accepts, quoted wherever it is used. */
  schema?: string;
  /** Folder of `NNNN_*.sql` files (default: the project's `procedures/`). */
  dir?: string;
}

export interface MigrationReport {
  schema: string;
  /** Files applied by this run, in order. */
  applied: Pick<MigrationFile, 'version' | 'name' | 'checksum'>[];
  /** Files that were already applied before this run. */
  skipped: number;
}

export type MigrationErrorCode = 'checksum-mismatch' | 'unknown-applied-version' | 'apply-failed';

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string;
}

/**
 * Applies the migration files not yet recorded in the schema, each in its own transaction, and records version,
 * name, checksum and time. A session advisory lock per schema makes concurrently starting processes migrate
 * exactly once; the others wait and then find nothing to do. Refuses to run when an applied file changed.
 */
export async function migrate(db: pg.Pool | pg.ClientBase, options: MigrateOptions = {}): Promise<MigrationReport> {
  const schema = options.schema ?? 'public';
  assertValidSchemaName(schema);
  const files = await readMigrationFiles(options.dir ?? PROCEDURES_DIR);

  const client = db instanceof pg.Pool ? await db.connect() : db;
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
    try {
      return await migrateLocked(client, schema, files);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
    }
  } finally {
    if (db instanceof pg.Pool) (client as pg.PoolClient).release();
  }
}

async function migrateLocked(client: pg.ClientBase, schema: string, files: MigrationFile[]): Promise<MigrationReport> {
  const quotedSchema = quoteIdentifier(schema);
  const table = `${quotedSchema}.${quoteIdentifier(MIGRATIONS_TABLE)}`;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
       version    BIGINT PRIMARY KEY,
       name       TEXT NOT NULL,
       checksum   TEXT NOT NULL,
       applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
     )`,
  );

  let applied = (await client.query<AppliedRow>(`SELECT version, name, checksum FROM ${table} ORDER BY version`)).rows;
  if (applied.length > 0 && !(await tablesExist(client, schema))) {
    // A cleanup dropped the tables but the tracking rows survived: start over rather than trust them.
    await client.query(`DELETE FROM ${table}`);
    applied = [];
  }

  const byVersion = new Map(files.map((file) => [file.version, file]));
  for (const row of applied) {
    const file = byVersion.get(Number(row.version));
    if (!file) {
      throw new MigrationError(
        'unknown-applied-version',
        `Schema ${quotedSchema} has migration ${row.version} (${row.name}) applied, but no such file exists here; ` +
          'this code is older than the database.',
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        'checksum-mismatch',
        `Migration ${file.name} was changed after it was applied to schema ${quotedSchema} ` +
          `(recorded ${row.checksum}, file ${file.checksum}). Never edit an applied migration: restore it and ` +
          'put the change in a new file.',
      );
    }
  }

  const appliedVersions = new Set(applied.map((row) => Number(row.version)));
  const report: MigrationReport = { schema, applied: [], skipped: appliedVersions.size };
  for (const file of files.filter((f) => !appliedVersions.has(f.version))) {
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL search_path TO ${quotedSchema}`);
      await client.query(substituteSchema(file.sql, SCHEMA_PLACEHOLDER, schema));
      await client.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
        file.version,
        file.name,
        file.checksum,
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw new MigrationError(
        'apply-failed',
        `Migration ${file.name} failed in schema ${quotedSchema}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    report.applied.push({ version: file.version, name: file.name, checksum: file.checksum });
  }
  return report;
}

async function tablesExist(client: pg.ClientBase, schema: string): Promise<boolean> {
  const result = await client.query<{ found: boolean }>(
    "SELECT to_regclass(format('%I.%I', $1::text, 'instances')) IS NOT NULL AS found",
    [schema],
  );
  return result.rows[0]?.found === true;
}
