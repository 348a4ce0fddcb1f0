import type pg from 'pg';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { assertValidSchemaName, SCHEMA_PLACEHOLDER, substituteSchema } from 'pg-sproc-gen/schema-sources';
import { applyGrants, type GrantReport } from './grant-application-role.js';
import { type MigrationFile, PROCEDURES_DIR, readMigrationFiles } from './migration-files.js';
import { withSchemaLock } from './schema-lock.js';

/** The per-schema tracking table (contract §1.7, plus a checksum). */
export const MIGRATIONS_TABLE = '_duroxide_migrations';

export interface MigrateOptions {
  /** Target schema (default `public`); any name PostgreSQL accepts, quoted wherever it is used. */
  schema?: string;
  /** Folder of `NNNN_*.sql` files (default: the project's `procedures/`). */
  dir?: string;
  /**
   * The application's role: after migrating, it is given exactly USAGE on the schema and EXECUTE on its operations
   * (see `grant-application-role.ts`), so grants follow every migration, new functions included.
   */
  appRole?: string;
}

export interface MigrationReport {
  schema: string;
  /** Files applied by this run, in order. */
  applied: Pick<MigrationFile, 'version' | 'name' | 'checksum'>[];
  /** Files that were already applied before this run. */
  skipped: number;
  /** What the application role was granted, when `appRole` was given. */
  grants?: GrantReport;
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
  const { appRole } = options;
  return withSchemaLock(db, schema, async (client) => {
    const report = await migrateLocked(client, schema, files);
    if (appRole !== undefined) report.grants = await applyGrants(client, schema, appRole);
    return report;
  });
}

/** Drops every `sp_*` and `_sp_*` function of the schema (what sp_cleanup_schema drops besides the tables). */
async function dropProviderFunctions(client: pg.ClientBase, schema: string): Promise<void> {
  const functions = await client.query<{ signature: string }>(
    `SELECT p.oid::regprocedure::text AS signature
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND (p.proname LIKE 'sp\\_%' OR p.proname LIKE '\\_sp\\_%')`,
    [schema],
  );
  // regprocedure's text names the function schema-qualified and quoted, with its argument types.
  for (const { signature } of functions.rows) await client.query(`DROP FUNCTION IF EXISTS ${signature}`);
}

async function migrateLocked(client: pg.ClientBase, schema: string, files: MigrationFile[]): Promise<MigrationReport> {
  const quotedSchema = quoteIdentifier(schema);
  const table = `${quotedSchema}.${quoteIdentifier(MIGRATIONS_TABLE)}`;
  // Only when missing: a role that owns a schema a DBA created for it migrates it without CREATE on the database.
  const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (schemaExists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`);
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
    // A cleanup dropped the tables but the tracking rows survived: start over rather than trust them. The functions
    // go too, as sp_cleanup_schema drops them: a later file may have changed a function's result type, which the
    // first files' CREATE OR REPLACE cannot change back.
    await client.query(`DELETE FROM ${table}`);
    await dropProviderFunctions(client, schema);
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
      // A lost connection has rolled the transaction back already, and fails the ROLLBACK: report the cause.
      await client.query('ROLLBACK').catch(() => {});
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
