import type pg from 'pg';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { assertValidSchemaName, SCHEMA_PLACEHOLDER, substituteSchema } from 'pg-sproc-gen/schema-sources';
import { applyGrants, type GrantReport } from './grant-application-role.js';
import { type MigrationFile, PROCEDURES_DIR, readMigrationFiles } from './migration-files.js';
import {
  inMigrationTransaction,
  isLockContention,
  LockContentionError,
  type MigrationLocking,
} from './migration-transaction.js';
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
  /** How the migration waits for the provider's tables when calls hold them (see `migration-transaction.ts`). */
  locking?: MigrationLocking;
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

export type MigrationErrorCode = 'checksum-mismatch' | 'unknown-applied-version' | 'apply-failed' | 'lock-timeout';

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
 * Applies the migration files not yet recorded in the schema and records version, name, checksum and time of each:
 * all of them in one transaction, so a failing file leaves the schema as it was (tracking rows included) and no call
 * ever runs against a half-upgraded schema. The transaction first locks the provider's tables (calls arriving
 * meanwhile wait for the commit), retrying when a running call is in the way. A session advisory lock per schema
 * makes concurrently starting processes migrate exactly once; the others wait and then find nothing to do. Refuses
 * to run when an applied file changed.
 */
export async function migrate(db: pg.Pool | pg.ClientBase, options: MigrateOptions = {}): Promise<MigrationReport> {
  const schema = options.schema ?? 'public';
  assertValidSchemaName(schema);
  const files = await readMigrationFiles(options.dir ?? PROCEDURES_DIR);
  const { appRole, locking = {} } = options;
  return withSchemaLock(db, schema, async (client) => {
    const report = await migrateLocked(client, schema, files, locking);
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

async function migrateLocked(
  client: pg.ClientBase,
  schema: string,
  files: MigrationFile[],
  locking: MigrationLocking,
): Promise<MigrationReport> {
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
  // A cleanup dropped the tables but the tracking rows survived: start over rather than trust them.
  const stale = applied.length > 0 && !(await tablesExist(client, schema));
  if (stale) applied = [];

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
  const pending = files.filter((f) => !appliedVersions.has(f.version));
  const report: MigrationReport = { schema, applied: [], skipped: appliedVersions.size };
  if (pending.length === 0 && !stale) return report;
  try {
    await inMigrationTransaction(client, schema, locking, async () => {
      if (stale) {
        // The functions go too, as sp_cleanup_schema drops them: a later file may have changed a function's result
        // type, which the first files' CREATE OR REPLACE cannot change back.
        await client.query(`DELETE FROM ${table}`);
        await dropProviderFunctions(client, schema);
      }
      for (const file of pending) await applyFile(client, schema, table, file);
    });
  } catch (error) {
    if (error instanceof LockContentionError) {
      throw new MigrationError('lock-timeout', `Migration of schema ${quotedSchema} ${error.message}`, {
        cause: error.cause,
      });
    }
    throw error;
  }
  report.applied = pending.map(({ version, name, checksum }) => ({ version, name, checksum }));
  return report;
}

/** Runs one file inside the migration's transaction and records it; a failure names the file (and keeps its cause). */
async function applyFile(client: pg.ClientBase, schema: string, table: string, file: MigrationFile): Promise<void> {
  try {
    await client.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`);
    await client.query(substituteSchema(file.sql, SCHEMA_PLACEHOLDER, schema));
    await client.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
      file.version,
      file.name,
      file.checksum,
    ]);
  } catch (error) {
    // Lock contention is the transaction's to retry; anything else fails the migration, naming the file.
    if (isLockContention(error)) throw error;
    throw new MigrationError(
      'apply-failed',
      `Migration ${file.name} failed in schema ${quoteIdentifier(schema)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function tablesExist(client: pg.ClientBase, schema: string): Promise<boolean> {
  const result = await client.query<{ found: boolean }>(
    "SELECT to_regclass(format('%I.%I', $1::text, 'instances')) IS NOT NULL AS found",
    [schema],
  );
  return result.rows[0]?.found === true;
}
