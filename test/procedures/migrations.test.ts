import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCEDURES_DIR, readMigrationFiles } from '../../provider/migrations/migration-files.js';
import { MigrationError, migrate } from '../../provider/migrations/run-migrations.js';
import { dropSchema, openPool, randomSchemaName } from '../support/tenant-schema.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { orchestrationStarted, startOrchestration } from '../support/work-items.js';

let pool: pg.Pool;
const schemas: string[] = [];
const tempDirs: string[] = [];

function newSchema(label = 'mig'): string {
  const name = randomSchemaName(label);
  schemas.push(name);
  return name;
}

/** A private copy of the procedures folder that a test may change. */
async function copyOfProcedures(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'procedures-'));
  tempDirs.push(dir);
  await cp(PROCEDURES_DIR, dir, { recursive: true });
  return dir;
}

async function trackingRows(schema: string) {
  const result = await pool.query(
    `SELECT version, name, checksum, applied_at FROM ${quoteIdentifier(schema)}._duroxide_migrations ORDER BY version`,
  );
  return result.rows;
}

async function procedureNames(schema: string): Promise<string[]> {
  const result = await pool.query<{ proname: string }>(
    `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 ORDER BY p.proname`,
    [schema],
  );
  return result.rows.map((row) => row.proname);
}

beforeAll(() => {
  pool = openPool(30);
});

afterAll(async () => {
  for (const schema of schemas) await dropSchema(pool, schema);
  await pool.end();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe('migration runner', () => {
  it('installs every file into a fresh schema and records version, name, checksum and time', async () => {
    const schema = newSchema();
    const files = await readMigrationFiles();
    const report = await migrate(pool, { schema });

    expect(report.applied.map((f) => f.name)).toEqual(files.map((f) => f.name));
    expect(report.skipped).toBe(0);
    const rows = await trackingRows(schema);
    expect(rows.map((r) => [Number(r.version), r.name, r.checksum])).toEqual(
      files.map((f) => [f.version, f.name, f.checksum]),
    );
    expect(rows.every((r) => r.applied_at instanceof Date)).toBe(true);
    const names = await procedureNames(schema);
    for (const expected of ['sp_fetch_orchestration_item', 'sp_ack_orchestration_item', 'sp_list_instances']) {
      expect(names).toContain(expected);
    }
  });

  it('is a no-op when run again and keeps the data', async () => {
    const schema = newSchema();
    await migrate(pool, { schema });
    const q = quoteIdentifier(schema);
    await pool.query(`SELECT ${q}.sp_enqueue_worker_work($1, $2)`, [
      { ActivityExecute: { instance: 'a', execution_id: 1, id: 1, name: 'n', input: '' } },
      1,
    ]);
    const before = await trackingRows(schema);

    const report = await migrate(pool, { schema });

    expect(report.applied).toEqual([]);
    expect(report.skipped).toBe(before.length);
    expect(await trackingRows(schema)).toEqual(before);
    const count = await pool.query(`SELECT count(*)::int AS n FROM ${q}.worker_queue`);
    expect(count.rows[0].n).toBe(1);
  });

  it('refuses to run when an applied file was changed, and changes nothing', async () => {
    const schema = newSchema();
    const dir = await copyOfProcedures();
    await migrate(pool, { schema, dir });
    const before = await trackingRows(schema);
    const file = join(dir, '0002_create_stored_procedures.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited after release\n`);

    const error = await migrate(pool, { schema, dir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('checksum-mismatch');
    expect((error as MigrationError).message).toMatch(/0002_create_stored_procedures\.sql was changed/);
    expect(await trackingRows(schema)).toEqual(before);
  });

  it('applies only the new file when one is added', async () => {
    const schema = newSchema();
    const dir = await copyOfProcedures();
    await migrate(pool, { schema, dir });
    await writeFile(
      join(dir, '0099_extra.sql'),
      'CREATE OR REPLACE FUNCTION {schema}.sp_extra() RETURNS INT AS $$ BEGIN RETURN 7; END; $$ LANGUAGE plpgsql;',
    );

    const report = await migrate(pool, { schema, dir });

    expect(report.applied.map((f) => f.name)).toEqual(['0099_extra.sql']);
    const result = await pool.query(`SELECT ${quoteIdentifier(schema)}.sp_extra() AS v`);
    expect(result.rows[0].v).toBe(7);
  });

  it('rolls back a failing file completely and does not record it', async () => {
    const schema = newSchema();
    const dir = await copyOfProcedures();
    await migrate(pool, { schema, dir });
    await writeFile(
      join(dir, '0050_broken.sql'),
      'CREATE TABLE {schema}.half_done (id INT);\nSELECT no_such_function();',
    );

    const error = await migrate(pool, { schema, dir }).catch((e: unknown) => e);

    expect((error as MigrationError).code).toBe('apply-failed');
    expect((error as MigrationError).message).toMatch(/0050_broken\.sql failed/);
    const table = await pool.query('SELECT to_regclass($1) AS t', [`${quoteIdentifier(schema)}.half_done`]);
    expect(table.rows[0].t).toBeNull();
    expect((await trackingRows(schema)).map((r) => r.name)).not.toContain('0050_broken.sql');
  });

  it('refuses a database that has a migration this code does not know', async () => {
    const schema = newSchema();
    await migrate(pool, { schema });
    await pool.query(
      `INSERT INTO ${quoteIdentifier(schema)}._duroxide_migrations (version, name, checksum) VALUES (999, 'x', 'y')`,
    );

    const error = await migrate(pool, { schema }).catch((e: unknown) => e);

    expect((error as MigrationError).code).toBe('unknown-applied-version');
  });

  it('re-applies everything when a cleanup dropped the tables but left tracking rows behind', async () => {
    const schema = newSchema();
    await migrate(pool, { schema });
    await pool.query(`DROP TABLE ${quoteIdentifier(schema)}.instances CASCADE`);

    const report = await migrate(pool, { schema });

    expect(report.applied).toHaveLength((await readMigrationFiles()).length);
    const info = await pool.query(`SELECT * FROM ${quoteIdentifier(schema)}.sp_list_instances()`);
    expect(info.rows).toEqual([]);
  });

  it('works with a schema name that needs quoting (mixed case, spaces, quotes)', async () => {
    const schema = newSchema(`Odd "Name" 'q'`);
    const report = await migrate(pool, { schema });

    expect(report.applied.length).toBeGreaterThan(0);
    const names = await procedureNames(schema);
    expect(names).toContain('sp_fetch_orchestration_item');
  });

  // The files write the schema inside `$$`- and `$ddl$`-quoted bodies, which such a name would otherwise end early.
  it.each([
    ['$$', 'a$$b'],
    ['a dollar-quote tag the files use', 'x $ddl$ y'],
    ['dollars, quotes and a backslash', `"$$" \\ '$' U&`],
  ])('installs into a schema whose name holds %s, and the provider works there', async (_what, label) => {
    const schema = newSchema(label);
    expect(schema.startsWith(label)).toBe(true);
    const provider = await PostgresProvider.create({ pool, schema });
    try {
      await provider.enqueueOrchestratorWork(startOrchestration('dollar-instance'));
      const fetched = await provider.fetchOrchestrationItem();
      expect(fetched?.item.instance).toBe('dollar-instance');
      await provider.ackOrchestrationItem(fetched!.lockToken, 1, [orchestrationStarted(1)], [], []);
      expect(await provider.read('dollar-instance')).toEqual([orchestrationStarted(1)]);
    } finally {
      await provider.close();
    }
    expect(await procedureNames(schema)).toContain('sp_cleanup_schema');
  });

  it('rejects schema names PostgreSQL would truncate or cannot hold', async () => {
    await expect(migrate(pool, { schema: '' })).rejects.toThrow(/must not be empty/);
    await expect(migrate(pool, { schema: 'x'.repeat(64) })).rejects.toThrow(/63-byte/);
  });

  it('eight runners starting together on one schema install it exactly once', async () => {
    const schema = newSchema();
    const pools = Array.from({ length: 8 }, () => openPool(1));
    try {
      const reports = await Promise.all(pools.map((p) => migrate(p, { schema })));
      const files = await readMigrationFiles();

      const applying = reports.filter((r) => r.applied.length > 0);
      expect(applying).toHaveLength(1);
      expect(applying[0]!.applied).toHaveLength(files.length);
      expect(reports.filter((r) => r.applied.length === 0 && r.skipped === files.length)).toHaveLength(7);
      expect(await trackingRows(schema)).toHaveLength(files.length);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
