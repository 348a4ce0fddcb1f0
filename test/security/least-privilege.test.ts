/**
 * The application role of the README's deployment: it runs the provider through the procedures and can do nothing
 * else — no table, no schema-management function, no helper, no other tenant.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { runOrderOrchestration } from '../../provider/demo/order-orchestration.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { useDeployment } from './support/deployment.js';

const deployment = useDeployment(2);

/** The SQLSTATE a statement fails with, or null when it succeeds. */
async function sqlstateOf(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<string | null> {
  return pool.query(sql, values).then(
    () => null,
    (error: unknown) => {
      if (!(error instanceof pg.DatabaseError)) throw error;
      return error.code ?? 'no code';
    },
  );
}

async function relations(schema: string, kinds: string[]): Promise<string[]> {
  const result = await deployment.admin.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = ANY ($2::"char"[]) ORDER BY c.relname`,
    [schema, kinds],
  );
  return result.rows.map((row) => row.relname);
}

describe('the application role', () => {
  it('runs a whole orchestration through the provider, the start-up fingerprint check included', async () => {
    const [tenant] = deployment.tenants;
    const provider = await PostgresProvider.create({
      pool: tenant!.appPool,
      schema: tenant!.schema,
      lockTimeoutMs: 5_000,
      migrate: false,
    });
    const steps: string[] = [];
    await runOrderOrchestration(provider, 'order-1', (step) => steps.push(step.title));

    expect(steps).toEqual(['client', 'turn 1', 'worker', 'turn 2', 'turn 3', 'client', 'turn 4', 'turn 5']);
    expect(await provider.getInstanceInfo('order-1')).toMatchObject({ status: 'Completed', currentExecutionId: 2 });
    expect(await provider.getSystemMetrics()).toMatchObject({ totalInstances: 1, completedInstances: 1 });
    await provider.close();
  });

  it('is refused SELECT, INSERT, UPDATE, DELETE and TRUNCATE on every table, and every sequence', async () => {
    const [tenant] = deployment.tenants;
    const tables = await relations(tenant!.schema, ['r', 'p']);
    expect(tables).toEqual([
      '_duroxide_migrations',
      'executions',
      'history',
      'instance_locks',
      'instances',
      'kv_delta',
      'kv_store',
      'orchestrator_queue',
      'sessions',
      'worker_queue',
    ]);
    for (const table of tables) {
      const qualified = `${tenant!.quoted}.${quoteIdentifier(table)}`;
      const firstColumn = await deployment.admin.query<{ attname: string }>(
        'SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum = 1',
        [qualified],
      );
      const column = quoteIdentifier(firstColumn.rows[0]!.attname);
      for (const statement of [
        `SELECT * FROM ${qualified}`,
        `INSERT INTO ${qualified} DEFAULT VALUES`,
        `UPDATE ${qualified} SET ${column} = ${column}`,
        `DELETE FROM ${qualified}`,
        `TRUNCATE ${qualified}`,
        `LOCK TABLE ${qualified} IN ACCESS SHARE MODE`,
      ]) {
        expect(await sqlstateOf(tenant!.appPool, `BEGIN; ${statement}; ROLLBACK`), statement).toBe('42501');
      }
    }
    const sequences = await relations(tenant!.schema, ['S']);
    expect(sequences).toHaveLength(2);
    for (const sequence of sequences) {
      const literal = `${tenant!.quoted}.${quoteIdentifier(sequence)}`;
      expect(await sqlstateOf(tenant!.appPool, 'SELECT nextval($1::regclass)', [literal]), sequence).toBe('42501');
    }
  });

  it('cannot call the schema-management functions or the helpers, nor create anything in the schema', async () => {
    const [tenant] = deployment.tenants;
    const q = tenant!.quoted;
    for (const call of [
      `SELECT ${q}.sp_cleanup_schema()`,
      `SELECT ${q}.sp_create_schema('other_schema_of_the_app')`,
      `SELECT ${q}.sp_initialize_tables('public')`,
      `SELECT ${q}.sp_create_indexes('public')`,
      `SELECT ${q}._sp_kind('{}'::jsonb)`,
      `SELECT ${q}._sp_insert_history('i', 1, '[]'::jsonb, 0)`,
      `SELECT ${q}._sp_enqueue_worker_items('[]'::jsonb, 0)`,
      `SELECT ${q}._sp_fetch_lock_class()`,
      `CREATE TABLE ${q}.planted (x int)`,
      `CREATE FUNCTION ${q}.sp_planted() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
    ]) {
      expect(await sqlstateOf(tenant!.appPool, call), call).toBe('42501');
    }
    expect(await relations(tenant!.schema, ['r']), 'the store is still there').toContain('instances');
  });

  it('can call exactly the operations: every SECURITY DEFINER function of the schema, and nothing else', async () => {
    const [tenant] = deployment.tenants;
    const result = await deployment.admin.query<{ proname: string; prosecdef: boolean; allowed: boolean }>(
      `SELECT p.proname, p.prosecdef, has_function_privilege($2, p.oid, 'EXECUTE') AS allowed
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 ORDER BY p.proname`,
      [tenant!.schema, tenant!.app.name],
    );
    const allowed = result.rows.filter((row) => row.allowed).map((row) => row.proname);
    expect(allowed).toEqual(result.rows.filter((row) => row.prosecdef).map((row) => row.proname));
    expect(allowed).toContain('sp_procedure_fingerprint');
    expect(allowed).toHaveLength(39);
  });
});

describe('roles without the grant', () => {
  it('a role granted nothing cannot call the procedures, nor start a provider', async () => {
    const [tenant] = deployment.tenants;
    const stranger = await deployment.newRole('stranger');
    const pool = stranger.openPool({ max: 2 });
    expect(await sqlstateOf(pool, `SELECT * FROM ${tenant!.quoted}.sp_list_instances()`)).toBe('42501');
    expect(await sqlstateOf(pool, `SELECT ${tenant!.quoted}.sp_procedure_fingerprint()`)).toBe('42501');
    await expect(PostgresProvider.create({ pool, schema: tenant!.schema, migrate: false })).rejects.toThrow(
      /permission denied/,
    );
  });

  it('USAGE on the schema alone is not enough: PUBLIC has no EXECUTE on any function', async () => {
    const [tenant] = deployment.tenants;
    const visitor = await deployment.newRole('usage_only');
    await deployment.ownerPool.query(`GRANT USAGE ON SCHEMA ${tenant!.quoted} TO ${quoteIdentifier(visitor.name)}`);
    const pool = visitor.openPool({ max: 2 });
    const denied = await pool.query(`SELECT * FROM ${tenant!.quoted}.sp_list_instances()`).catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: '42501', message: expect.stringMatching(/permission denied for function/) });
  });

  it("one tenant's role cannot reach another tenant's schema", async () => {
    const [mine, theirs] = deployment.tenants;
    await deployment.admin.query(
      `INSERT INTO ${theirs!.quoted}.instances VALUES ('secret', 'Orch', '1.0.0', 1, now(), now())`,
    );
    for (const statement of [
      `SELECT * FROM ${theirs!.quoted}.sp_list_instances()`,
      `SELECT * FROM ${theirs!.quoted}.sp_get_instance_info('secret')`,
      `SELECT * FROM ${theirs!.quoted}.instances`,
      `SELECT ${theirs!.quoted}.sp_procedure_fingerprint()`,
    ]) {
      expect(await sqlstateOf(mine!.appPool, statement), statement).toBe('42501');
    }
    await expect(
      PostgresProvider.create({ pool: mine!.appPool, schema: theirs!.schema, migrate: false }),
    ).rejects.toThrow(/permission denied/);
    // Its own tenant answers as before.
    const own = await mine!.appPool.query(`SELECT * FROM ${mine!.quoted}.sp_list_instances()`);
    expect(own.rows.map((row: { instance_id: string }) => row.instance_id)).not.toContain('secret');
  });
});
