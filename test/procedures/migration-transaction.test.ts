/**
 * The migration runner's transaction (provider/migrations/migration-transaction.ts): every pending file in one
 * transaction that first locks the provider's tables, waiting for running calls in bounded steps and retrying.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCEDURES_DIR } from '../../provider/migrations/migration-files.js';
import { MigrationError, migrate } from '../../provider/migrations/run-migrations.js';
import { dropSchema, openPool, randomSchemaName } from '../support/tenant-schema.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { eventually } from '../orchestration/support/harness.js';
import { LAST_V1_VERSION, migrateUpTo } from '../upgrade/support/v1-schema.js';

let pool: pg.Pool;
const schemas: string[] = [];
const tempDirs: string[] = [];

async function v1Schema(): Promise<string> {
  const schema = randomSchemaName('migtx');
  schemas.push(schema);
  await migrateUpTo(pool, schema, LAST_V1_VERSION);
  return schema;
}

/** Everything a migration can change: tables and columns, indexes, functions with their bodies, tracking rows. */
async function schemaShape(schema: string) {
  const [columns, indexes, functions, tracking] = await Promise.all([
    pool.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = $1 ORDER BY table_name, column_name`,
      [schema],
    ),
    pool.query('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema]),
    pool.query(
      `SELECT p.oid::regprocedure::text AS signature, md5(p.prosrc) AS body, p.prosecdef
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY 1`,
      [schema],
    ),
    pool.query(`SELECT * FROM ${quoteIdentifier(schema)}._duroxide_migrations ORDER BY version`),
  ]);
  return { columns: columns.rows, indexes: indexes.rows, functions: functions.rows, tracking: tracking.rows };
}

async function trackedVersions(schema: string): Promise<number[]> {
  const result = await pool.query<{ version: string }>(
    `SELECT version FROM ${quoteIdentifier(schema)}._duroxide_migrations ORDER BY version`,
  );
  return result.rows.map((row) => Number(row.version));
}

/** A client with an open transaction that has read `table` (ACCESS SHARE, as any call reading it holds). */
async function openTransactionReading(schema: string, table: string): Promise<pg.PoolClient> {
  const client = await pool.connect();
  client.on('error', () => {});
  await client.query('BEGIN');
  await client.query(`SELECT count(*) FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)}`);
  return client;
}

/** The migration's backend is waiting for a lock on `table` (its LOCK TABLE statement names it). */
async function migrationWaitsFor(table: string): Promise<void> {
  await eventually(async () => {
    const waiting = await pool.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE %' AND query LIKE $1`,
      [`%"${table}" IN ACCESS EXCLUSIVE MODE`],
    );
    return waiting.rowCount! > 0 ? true : undefined;
  });
}

beforeAll(() => {
  pool = openPool(10);
});

afterAll(async () => {
  for (const schema of schemas) await dropSchema(pool, schema);
  await pool.end();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe('migration transaction', () => {
  it('applies all pending files or none: a failing later file leaves the v1 schema exactly as it was', async () => {
    const schema = await v1Schema();
    const dir = await mkdtemp(join(tmpdir(), 'procedures-'));
    tempDirs.push(dir);
    await cp(PROCEDURES_DIR, dir, { recursive: true });
    await writeFile(join(dir, '0098_extra.sql'), 'CREATE TABLE {schema}.extra (id INT);');
    await writeFile(join(dir, '0099_broken.sql'), 'SELECT no_such_function();');
    const before = await schemaShape(schema);

    const error = await migrate(pool, { schema, dir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('apply-failed');
    expect((error as MigrationError).message).toMatch(/0099_broken\.sql failed/);
    expect(await schemaShape(schema)).toEqual(before);
    // The next run without the broken file applies everything in one go.
    await rm(join(dir, '0099_broken.sql'));
    const report = await migrate(pool, { schema, dir });
    expect(report.applied[0]!.version).toBe(LAST_V1_VERSION + 1);
    expect(report.applied.at(-1)!.name).toBe('0098_extra.sql');
  });

  it('never shows a half-upgraded schema: an observer sees the v1 files or all of them, nothing between', async () => {
    const schema = await v1Schema();
    const seen = new Set<number>();
    let done = false;
    const observer = (async () => {
      while (!done) seen.add((await trackedVersions(schema)).length);
    })();
    const report = await migrate(pool, { schema });
    done = true;
    await observer;
    seen.add((await trackedVersions(schema)).length);
    expect([...seen].sort((a, b) => a - b)).toEqual([LAST_V1_VERSION, LAST_V1_VERSION + report.applied.length]);
  });

  it('retries while a long transaction holds a table it needs, and succeeds once the transaction ends', async () => {
    const schema = await v1Schema();
    const longCall = await openTransactionReading(schema, 'history');
    const retries: string[] = [];
    let finished = false;
    const migration = migrate(pool, {
      schema,
      locking: {
        lockTimeoutMs: 50,
        attempts: 1_000,
        backoffMs: 5,
        maxBackoffMs: 20,
        onRetry: (_, e) => retries.push(e.message),
      },
    }).finally(() => {
      finished = true;
    });
    await eventually(async () => (retries.length >= 3 ? true : undefined));
    expect(finished).toBe(false);
    expect(await trackedVersions(schema)).toHaveLength(LAST_V1_VERSION);
    // Between its attempts the migration holds nothing: the long call can still reach a table the attempts took first.
    await longCall.query(`SELECT count(*) FROM ${quoteIdentifier(schema)}.orchestrator_queue`);
    await longCall.query('COMMIT');
    longCall.release();

    const report = await migration;
    expect(report.applied[0]!.version).toBe(LAST_V1_VERSION + 1);
    expect(retries.every((message) => /lock timeout/.test(message))).toBe(true);
  });

  it('gives up after its attempts with a clear error and changes nothing', async () => {
    const schema = await v1Schema();
    const before = await schemaShape(schema);
    const longCall = await openTransactionReading(schema, 'instances');
    try {
      const error = await migrate(pool, {
        schema,
        locking: { lockTimeoutMs: 20, attempts: 3, backoffMs: 1, maxBackoffMs: 1 },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).code).toBe('lock-timeout');
      expect((error as MigrationError).message).toMatch(/could not take the provider's tables in 3 attempts/);
      expect(((error as MigrationError).cause as { code?: string }).code).toBe('55P03');
    } finally {
      await longCall.query('COMMIT');
      longCall.release();
    }
    expect(await schemaShape(schema)).toEqual(before);
  });

  // A call that holds one table and then needs another, against the migration's lock order either way round: the v1
  // fetch holds orchestrator_queue and reads instances; an ack-like call holds instances and then writes the queue.
  it.each([
    ['orchestrator_queue', 'instances'],
    ['instances', 'orchestrator_queue'],
  ])(
    'a call holding %s that then needs %s completes, and so does the migration: no deadlock',
    async (first, second) => {
      const schema = await v1Schema();
      const call = await openTransactionReading(schema, first);
      const migration = migrate(pool, { schema });
      await migrationWaitsFor(first);
      // The call's second table: the migration holds it already (second order) or is queued before it (first order).
      await call.query(`SELECT count(*) FROM ${quoteIdentifier(schema)}.${quoteIdentifier(second)}`);
      await call.query('COMMIT');
      call.release();
      const report = await migration;
      expect(report.applied[0]!.version).toBe(LAST_V1_VERSION + 1);
    },
  );
});
