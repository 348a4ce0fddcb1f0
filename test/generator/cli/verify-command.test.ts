import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyModel } from '../../../generator/verify/verify-model.js';
import { parseSources } from '../../../generator/parse/index.js';
import { verifyCommand } from '../../../generator/cli/verify-command.js';
import { copyFixture, repositoryRoot, runCli, runCliInProcess } from './support/run-cli.js';

const databaseUrl = inject('databaseUrl');
let fixture: { dir: string; remove: () => Promise<void> };

beforeEach(async () => {
  fixture = await copyFixture('basic');
});
afterEach(async () => {
  await fixture.remove();
});

describe('pg-sproc-gen verify', () => {
  it('passes on the fixture', async () => {
    const result = await runCliInProcess(['verify', '--database-url', databaseUrl], fixture.dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'verified 3 procedures and 1 type against the catalog, and every generated call: no differences\n',
    );
  });

  it('passes on the project procedures with the project config (DATABASE_URL)', async () => {
    // The bin itself, spawned, with the database given through the environment.
    const result = await runCli(['verify'], repositoryRoot, { DATABASE_URL: databaseUrl });
    // The migration runs sp_initialize_tables, whose EXECUTEd DDL no static reading sees: notes, not differences.
    const tables = [
      'executions',
      'history',
      'instance_locks',
      'instances',
      'kv_delta',
      'kv_store',
      'orchestrator_queue',
      'sessions',
      'worker_queue',
    ];
    expect(result.stderr).toBe(
      tables
        .map(
          (table) =>
            `note: {schema}.${table} (a table) is in the catalog but not in the model (created by code the files run?)\n`,
        )
        .join(''),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^verified \d+ procedures against pg_proc, and every generated call: no differences\n$/,
    );
  });

  it('exits 2 and says what it needs when given no server', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    const err: string[] = [];
    try {
      const code = await verifyCommand({}, fixture.dir, { out: () => {}, err: (line) => err.push(line) });
      expect(code).toBe(2);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
    expect(err).toEqual([
      'verify needs a PostgreSQL server to apply the SQL to: give --database-url or set DATABASE_URL',
    ]);
  });

  it('fails with the PostgreSQL error when a file does not apply', async () => {
    await writeFile(join(fixture.dir, 'sql', '0003_bad.sql'), 'SELECT 1;\nSELECT 1/0;\n');
    const result = await runCliInProcess(['verify', '--database-url', databaseUrl], fixture.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: sql/0003_bad.sql: PostgreSQL rejected the file: division by zero');
  });

  it('fails and names each difference when the model has drifted from the SQL', async () => {
    const read = async (path: string) => ({ path, text: await readFile(join(fixture.dir, path), 'utf8') });
    const first = await read('sql/0001_types_and_functions.sql');
    const second = await read('sql/0002_changes.sql');
    // The model of the first file alone, checked against what both files make in the database.
    const { model } = parseSources([first], { placeholder: '{schema}' });
    const differences = await verifyModel({
      connectionString: databaseUrl,
      sources: [first, second],
      model,
      placeholder: '{schema}',
      include: '^sp_',
    });
    expect(differences).toEqual([
      "sql/0001_types_and_functions.sql:5:1: sp_add(int4, int4): volatility: model immutable, catalog provolatile 's'",
      'sql/0001_types_and_functions.sql:12:1: sp_obsolete(): not in the catalog',
      '{schema}.sp_touch(uuid, timestamp with time zone): in the catalog but not in the model',
    ]);
  });
});
