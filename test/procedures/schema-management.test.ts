import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintSources } from '../../generator/runtime/schema-sources.js';
import { readMigrationFiles } from '../../provider/migrations/migration-files.js';
import { migrate } from '../../provider/migrations/run-migrations.js';
import {
  BASE_MS,
  call,
  enqueueOrchestrator,
  startInstance,
  expectFailureChangesNothing,
  sqlError,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import { dropSchema, randomSchemaName } from '../support/tenant-schema.js';
import { externalRaised, startOrchestration } from '../support/work-items.js';

const tenant = useEmptyTenantSchema();
const PROVIDER_TABLES = [
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

/** Schemas a test created besides the tenant's; dropped after each test. */
const extraSchemas: string[] = [];
function extraSchemaName(label: string): string {
  const name = randomSchemaName(label);
  extraSchemas.push(name);
  return name;
}

afterEach(async () => {
  for (const name of extraSchemas.splice(0)) await dropSchema(tenant.pool, name);
});

async function schemaExists(name: string): Promise<boolean> {
  const result = await tenant.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name]);
  return result.rowCount === 1;
}

/** Columns of the provider tables, comparable across schemas (sequence defaults name their schema). */
async function tableShapes(schema: string) {
  const result = await tenant.pool.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default
       FROM information_schema.columns
      WHERE table_schema = $1
      ORDER BY table_name, ordinal_position`,
    [schema],
  );
  return result.rows.map((row) => ({
    ...row,
    column_default: String(row.column_default).startsWith('nextval(') ? 'nextval(sequence)' : row.column_default,
  }));
}

/** Index and constraint definitions with the schema name taken out. */
async function indexShapes(schema: string) {
  const result = await tenant.pool.query<{
    indexname: string;
    indexdef: string;
  }>('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema]);
  const checks = await tenant.pool.query<{ conname: string; def: string }>(
    `SELECT c.conname, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = $1 AND c.contype = 'c'
      ORDER BY c.conname`,
    [schema],
  );
  const anonymize = (text: string) => text.replaceAll(quoteIdentifier(schema), 'S').replaceAll(`${schema}.`, 'S.');
  return {
    indexes: result.rows.map((row) => ({
      name: row.indexname,
      def: anonymize(row.indexdef),
    })),
    checks: checks.rows,
  };
}

async function functionNames(schema: string): Promise<string[]> {
  const result = await tenant.pool.query<{ proname: string }>(
    `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 ORDER BY p.proname`,
    [schema],
  );
  return result.rows.map((row) => row.proname);
}

const regclass = async (schema: string, table: string) =>
  (await tenant.pool.query("SELECT to_regclass(format('%I.%I', $1::text, $2::text)) AS r", [schema, table])).rows[0]!.r;

describe('sp_create_schema', () => {
  it('creates a schema with any name, quoted, and is idempotent', async () => {
    const name = extraSchemaName(`New "q" 'x'`);
    const result = await call(tenant, 'sp_create_schema', name);
    expect(result.rows).toEqual([{ sp_create_schema: '' }]);
    expect(await schemaExists(name)).toBe(true);
    await call(tenant, 'sp_create_schema', name);
    expect(await schemaExists(name)).toBe(true);
  });

  it.each([
    ['NULL', null],
    ['an empty name', ''],
  ])('rejects %s with 22023', async (_label, name) => {
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_create_schema', name), {
      code: '22023',
      message: 'p_schema_name must be a non-empty schema name',
    });
  });
});

describe('sp_initialize_tables and sp_create_indexes', () => {
  it('build a schema with exactly the tables and indexes of the migrated tenant schema', async () => {
    const name = extraSchemaName('copy');
    await call(tenant, 'sp_create_schema', name);
    await call(tenant, 'sp_initialize_tables', name);
    await call(tenant, 'sp_create_indexes', name);

    const tenantTables = (await tableShapes(tenant.name)).filter((c) => c.table_name !== '_duroxide_migrations');
    expect(new Set(tenantTables.map((c) => c.table_name))).toEqual(new Set(PROVIDER_TABLES));
    expect(await tableShapes(name)).toEqual(tenantTables);

    const tenantIndexes = await indexShapes(tenant.name);
    tenantIndexes.indexes = tenantIndexes.indexes.filter((i) => !i.name.startsWith('_duroxide_migrations'));
    expect(await indexShapes(name)).toEqual(tenantIndexes);
    expect(tenantIndexes.indexes.map((i) => i.name)).toEqual([
      'executions_pkey',
      'executions_status_idx',
      'history_pkey',
      'instance_locks_lock_token_idx',
      'instance_locks_pkey',
      'instances_created_at_idx',
      'instances_parent_idx',
      'instances_pkey',
      'kv_delta_pkey',
      'kv_store_pkey',
      'orchestrator_queue_instance_idx',
      'orchestrator_queue_instance_visible_idx',
      'orchestrator_queue_lock_token_idx',
      'orchestrator_queue_pkey',
      'orchestrator_queue_visible_idx',
      'sessions_owner_idx',
      'sessions_pkey',
      'worker_queue_available_idx',
      'worker_queue_identity_idx',
      'worker_queue_lease_expiry_idx',
      'worker_queue_lock_token_idx',
      'worker_queue_pkey',
      'worker_queue_session_idx',
      'worker_queue_tag_idx',
      'worker_queue_visible_idx',
    ]);
  });

  it('are idempotent and keep existing rows', async () => {
    const name = extraSchemaName('again');
    await call(tenant, 'sp_create_schema', name);
    await call(tenant, 'sp_initialize_tables', name);
    await call(tenant, 'sp_create_indexes', name);
    await tenant.pool.query(`INSERT INTO ${quoteIdentifier(name)}.instance_locks VALUES ('i', 'tok', 1, 0)`);
    await call(tenant, 'sp_initialize_tables', name);
    await call(tenant, 'sp_create_indexes', name);
    const rows = await tenant.pool.query(`SELECT instance_id FROM ${quoteIdentifier(name)}.instance_locks`);
    expect(rows.rows).toEqual([{ instance_id: 'i' }]);
  });

  it('create tables that enforce the contract: no event_id 0, one holder per token', async () => {
    const name = extraSchemaName('rules');
    const q = quoteIdentifier(name);
    await call(tenant, 'sp_create_schema', name);
    await call(tenant, 'sp_initialize_tables', name);
    await call(tenant, 'sp_create_indexes', name);
    const zero = await sqlError(tenant.pool.query(`INSERT INTO ${q}.history VALUES ('i', 1, 0, 'X', '{}', now())`));
    expect(zero.code).toBe('23514');
    await tenant.pool.query(`INSERT INTO ${q}.instance_locks VALUES ('a', 'same', 1, 0)`);
    const twice = await sqlError(tenant.pool.query(`INSERT INTO ${q}.instance_locks VALUES ('b', 'same', 1, 0)`));
    expect(twice.code).toBe('23505');
  });

  it('sp_initialize_tables fails with 3F000 for a schema that does not exist', async () => {
    const name = randomSchemaName('missing');
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_initialize_tables', name), { code: '3F000' });
    expect(await schemaExists(name)).toBe(false);
  });

  it('sp_create_indexes fails with 42P01 before the tables exist, and creates nothing', async () => {
    const name = extraSchemaName('notables');
    await call(tenant, 'sp_create_schema', name);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_create_indexes', name), { code: '42P01' });
    expect((await indexShapes(name)).indexes).toEqual([]);
  });

  it.each(['sp_initialize_tables', 'sp_create_indexes'])(
    '%s rejects a NULL or empty name with 22023',
    async (procedure) => {
      for (const name of [null, '']) {
        await expectFailureChangesNothing(tenant, () => call(tenant, procedure, name), {
          code: '22023',
          message: 'p_schema_name must be a non-empty schema name',
        });
      }
    },
  );
});

describe('sp_procedure_fingerprint', () => {
  it('matches the fingerprint the generator computes from the migration files', async () => {
    const files = await readMigrationFiles();
    const expected = fingerprintSources(files.map((file) => ({ path: file.name, text: file.sql })));
    const result = await call(tenant, 'sp_procedure_fingerprint');
    expect(result.rows).toEqual([{ sp_procedure_fingerprint: expected }]);
  });

  it('is sha256 over "<file>:<sha256>\\n" of the recorded migrations in version order', async () => {
    const recorded = await tenant.pool.query<{
      name: string;
      checksum: string;
    }>(`SELECT name, checksum FROM ${tenant.quoted}._duroxide_migrations ORDER BY version`);
    expect(recorded.rows.length).toBeGreaterThanOrEqual(2);
    const text = recorded.rows.map((row) => `${row.name}:${row.checksum}\n`).join('');
    const expected = createHash('sha256').update(text, 'utf8').digest('hex');
    expect((await call(tenant, 'sp_procedure_fingerprint')).rows[0]!.sp_procedure_fingerprint).toBe(expected);
  });

  it('changes with the recorded procedure set and is NULL when nothing is recorded', async () => {
    const name = extraSchemaName('fp');
    await migrate(tenant.pool, { schema: name });
    const other = {
      quoted: quoteIdentifier(name),
      pool: tenant.pool,
      name,
    };
    const original = (await call(other, 'sp_procedure_fingerprint')).rows[0]!.sp_procedure_fingerprint;
    await tenant.pool.query(`UPDATE ${other.quoted}._duroxide_migrations SET checksum = 'changed' WHERE version = 2`);
    const changed = (await call(other, 'sp_procedure_fingerprint')).rows[0]!.sp_procedure_fingerprint;
    expect(changed).toMatch(/^[0-9a-f]{64}$/);
    expect(changed).not.toBe(original);
    await tenant.pool.query(`DELETE FROM ${other.quoted}._duroxide_migrations`);
    expect((await call(other, 'sp_procedure_fingerprint')).rows[0]!.sp_procedure_fingerprint).toBeNull();
  });
});

describe('sp_cleanup_schema', () => {
  it.each([
    ['a plain name', 'clean'],
    ['a hostile name', `Clean "A" 'x' b`],
  ])('drops every provider table and sp_/_sp_ function of %s, and nothing else', async (_label, label) => {
    const name = extraSchemaName(label);
    const q = quoteIdentifier(name);
    await migrate(tenant.pool, { schema: name });
    const other = { quoted: q, pool: tenant.pool, name };
    await enqueueOrchestrator(other, startOrchestration('a'), BASE_MS);
    await tenant.pool.query(`CREATE FUNCTION ${q}.helper_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    await tenant.pool.query(`CREATE FUNCTION ${q}.spy_helper() RETURNS int LANGUAGE sql AS 'SELECT 2'`);
    await tenant.pool.query(`CREATE TABLE ${q}.keep_me (x int)`);
    expect((await functionNames(name)).filter((f) => f.startsWith('sp_')).length).toBeGreaterThan(20);

    const result = await call(other, 'sp_cleanup_schema');
    expect(result.rows).toEqual([{ sp_cleanup_schema: '' }]);

    for (const table of [...PROVIDER_TABLES, '_duroxide_migrations']) expect(await regclass(name, table)).toBeNull();
    expect(await regclass(name, 'keep_me')).not.toBeNull();
    expect(await functionNames(name)).toEqual(['helper_fn', 'spy_helper']);
    expect(await schemaExists(name)).toBe(true);

    // The schema can be installed again from scratch.
    const report = await migrate(tenant.pool, { schema: name });
    expect(report.applied.map((file) => file.version)).toEqual(
      (await readMigrationFiles()).map((file) => file.version),
    );
    await enqueueOrchestrator(other, externalRaised('b'), BASE_MS);
  });

  it('leaves other tenant schemas alone', async () => {
    const name = extraSchemaName('victim');
    await migrate(tenant.pool, { schema: name });
    await startInstance(tenant, startOrchestration('survivor'), BASE_MS);
    await call({ quoted: quoteIdentifier(name), pool: tenant.pool, name }, 'sp_cleanup_schema');
    expect((await call(tenant, 'sp_list_instances')).rows).toEqual([{ instance_id: 'survivor' }]);
    expect((await functionNames(tenant.name)).filter((f) => f.startsWith('sp_')).length).toBeGreaterThan(20);
  });
});
