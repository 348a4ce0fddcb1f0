import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runOrderOrchestration } from '../../provider/demo/order-orchestration.js';
import { PROCEDURES_DIR } from '../../provider/migrations/migration-files.js';
import { migrate } from '../../provider/migrations/run-migrations.js';
import { PostgresProvider, PROCEDURES_ONLY_METHODS, PROVIDER_METHODS } from '../../provider/postgres-provider.js';
import { dropSchema, openPool, randomSchemaName } from '../support/tenant-schema.js';

let pool: pg.Pool;
const schemas: string[] = [];
let changedProcedures: string;

function newSchema(): string {
  const name = randomSchemaName('opt');
  schemas.push(name);
  return name;
}

async function schemaExists(name: string): Promise<boolean> {
  return (await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;
}

beforeAll(async () => {
  pool = openPool(10);
  // The project's procedures plus one more migration: a procedure set the generated client was not built from.
  changedProcedures = await mkdtemp(join(tmpdir(), 'procedures-'));
  await cp(PROCEDURES_DIR, changedProcedures, { recursive: true });
  await writeFile(join(changedProcedures, '0099_newer.sql'), 'SELECT 1;');
});

afterAll(async () => {
  for (const schema of schemas) await dropSchema(pool, schema);
  await pool.end();
  await rm(changedProcedures, { recursive: true, force: true });
});

describe('PostgresProvider.create', () => {
  it('migrates by default, from a connection string, and closes the pool it opened', async () => {
    const schema = newSchema();
    const provider = await PostgresProvider.create({ connectionString: inject('databaseUrl'), schema });

    expect(await schemaExists(schema)).toBe(true);
    expect(await provider.listInstances()).toEqual([]);
    await provider.close();
    await expect(provider.listInstances()).rejects.toThrow(/pool/i);
  });

  it('leaves a pool it was given open', async () => {
    const provider = await PostgresProvider.create({ pool, schema: newSchema() });
    await provider.close();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('with migrate: false refuses a schema that holds no procedures, and says how to fix it', async () => {
    const schema = newSchema();
    const error = await PostgresProvider.create({ pool, schema, migrate: false }).catch((e: unknown) => e);

    expect((error as Error).message).toMatch(/holds no procedures.*migrate: true/);
    expect(await schemaExists(schema)).toBe(false);
  });

  it('refuses procedures other than those the generated client was built from, and says how to fix it', async () => {
    const schema = newSchema();
    await migrate(pool, { schema, dir: changedProcedures });

    const error = await PostgresProvider.create({ pool, schema, migrate: false }).catch((e: unknown) => e);

    expect((error as Error).message).toMatch(/not the ones the generated client was built from/);
    expect((error as Error).message).toMatch(/npm run generate/);
  });

  it("still checks the fingerprint with implementation 'inline': contract v2's worker queue runs on the procedures", async () => {
    const schema = newSchema();
    await migrate(pool, { schema, dir: changedProcedures });

    await expect(PostgresProvider.create({ pool, schema, migrate: false, implementation: 'inline' })).rejects.toThrow(
      /npm run generate/,
    );
  });

  it('refuses to run a procedures-only method inline, naming it', async () => {
    await expect(
      PostgresProvider.create({
        pool,
        schema: newSchema(),
        implementation: { fetchWorkItem: 'inline', read: 'inline' },
      }),
    ).rejects.toThrow(/^implementation 'inline' cannot serve fetchWorkItem:/);
    for (const method of PROCEDURES_ONLY_METHODS) {
      await expect(PostgresProvider.create({ pool, implementation: { [method]: 'inline' } })).rejects.toThrow(method);
    }
  });

  it('rejects a lock timeout that is not a positive integer, and a missing connection', async () => {
    await expect(PostgresProvider.create({ pool, lockTimeoutMs: 0 })).rejects.toThrow(/lockTimeoutMs/);
    await expect(PostgresProvider.create({ pool, lockTimeoutMs: 1.5 })).rejects.toThrow(/lockTimeoutMs/);
    await expect(PostgresProvider.create({})).rejects.toThrow(/connectionString or a pool/);
  });

  it('runs a whole orchestration with the implementations mixed method by method', async () => {
    const mixed = Object.fromEntries(
      PROVIDER_METHODS.filter((method) => !PROCEDURES_ONLY_METHODS.has(method)).map(
        (method, index) => [method, index % 2 === 0 ? 'inline' : 'procedures'] as const,
      ),
    );
    const provider = await PostgresProvider.create({ pool, schema: newSchema(), implementation: mixed });

    await runOrderOrchestration(provider, 'mixed-1', () => {});

    expect(await provider.getInstanceInfo('mixed-1')).toMatchObject({ status: 'Completed', currentExecutionId: 2 });
  });
});
