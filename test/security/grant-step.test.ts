/** The grant step (`grantApplicationRole`, `migrate({ appRole })`, `npm run grant`): exact, idempotent, refusing. */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { GrantError, grantApplicationRole } from '../../provider/migrations/grant-application-role.js';
import { runGrantCommand } from '../../provider/migrations/grant-command.js';
import { PROCEDURES_DIR } from '../../provider/migrations/migration-files.js';
import { migrate } from '../../provider/migrations/run-migrations.js';
import { randomSchemaName } from '../support/tenant-schema.js';
import { useDeployment } from './support/deployment.js';

const deployment = useDeployment(1);
const tempDirs: string[] = [];

afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

/** A schema a DBA created for the owner; the owner's role drop removes it. */
async function ownedSchema(label: string, options: { migrated: boolean } = { migrated: true }): Promise<string> {
  const schema = randomSchemaName(label);
  await deployment.admin.query(
    `CREATE SCHEMA ${quoteIdentifier(schema)} AUTHORIZATION ${quoteIdentifier(deployment.owner.name)}`,
  );
  if (options.migrated) await migrate(deployment.ownerPool, { schema });
  return schema;
}

/** Everything `role` may do in `schema`, as the server answers it. */
async function privileges(schema: string, role: string): Promise<Record<string, boolean>> {
  const result = await deployment.admin.query<{ object: string; privilege: string; allowed: boolean }>(
    `SELECT 'schema'::text AS object, x.privilege, has_schema_privilege($2, n.oid, x.privilege) AS allowed
       FROM pg_namespace n, unnest(ARRAY['USAGE', 'CREATE']) AS x(privilege) WHERE n.nspname = $1
     UNION ALL
     SELECT c.relname::text, x.privilege, has_table_privilege($2, c.oid, x.privilege)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
            unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS x(privilege)
      WHERE n.nspname = $1 AND c.relkind = 'r'
     UNION ALL
     SELECT c.relname::text, 'USAGE', has_sequence_privilege($2, c.oid, 'USAGE')
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'S'
     UNION ALL
     SELECT p.oid::regprocedure::text, 'EXECUTE', has_function_privilege($2, p.oid, 'EXECUTE')
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`,
    [schema, role],
  );
  return Object.fromEntries(result.rows.map((row) => [`${row.object} ${row.privilege}`, row.allowed]));
}

/** How `regprocedure` text names a function of `schema` that is not on the search path. */
async function qualified(schema: string, signature: string): Promise<string> {
  const result = await deployment.admin.query<{ name: string }>('SELECT quote_ident($1) AS name', [schema]);
  return `${result.rows[0]!.name}.${signature}`;
}

const allowed = (granted: Record<string, boolean>) =>
  Object.keys(granted)
    .filter((key) => granted[key])
    .sort();

describe('grantApplicationRole', () => {
  it('grants USAGE and EXECUTE on the SECURITY DEFINER functions only, and is idempotent', async () => {
    const schema = await ownedSchema('grant');
    const role = await deployment.newRole(`app "q" x`);
    const report = await grantApplicationRole(deployment.ownerPool, { schema, role: role.name });
    expect(report.functions).toHaveLength(39);
    const first = await privileges(schema, role.name);
    expect(allowed(first)).toEqual(['schema USAGE', ...report.functions.map((f) => `${f} EXECUTE`)].sort());

    await grantApplicationRole(deployment.ownerPool, { schema, role: role.name });
    expect(await privileges(schema, role.name)).toEqual(first);
  });

  it('takes back what else the role was given in the schema', async () => {
    const schema = await ownedSchema('regrant');
    const role = await deployment.newRole('app');
    await grantApplicationRole(deployment.ownerPool, { schema, role: role.name });
    const granted = await privileges(schema, role.name);
    const s = quoteIdentifier(schema);
    const r = quoteIdentifier(role.name);
    await deployment.ownerPool.query(
      `GRANT CREATE ON SCHEMA ${s} TO ${r}; GRANT SELECT, DELETE ON ${s}.instances TO ${r};
       GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}; GRANT EXECUTE ON FUNCTION ${s}.sp_cleanup_schema() TO ${r}`,
    );
    expect(await privileges(schema, role.name)).not.toEqual(granted);

    await grantApplicationRole(deployment.ownerPool, { schema, role: role.name });
    expect(await privileges(schema, role.name)).toEqual(granted);
  });

  it('follows a later migration through migrate({ appRole }): its new operation is granted, its helper to nobody', async () => {
    const schema = await ownedSchema('later');
    const role = await deployment.newRole('app');
    const dir = await mkdtemp(join(tmpdir(), 'procedures-'));
    tempDirs.push(dir);
    await cp(PROCEDURES_DIR, dir, { recursive: true });
    await writeFile(
      join(dir, '0099_later_operation.sql'),
      `CREATE FUNCTION {schema}._sp_later_helper() RETURNS INTEGER AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
       CREATE FUNCTION {schema}.sp_later_operation() RETURNS INTEGER AS $$
       BEGIN RETURN {schema}._sp_later_helper() + 1; END; $$ LANGUAGE plpgsql;
       ALTER FUNCTION {schema}.sp_later_operation() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;`,
    );

    const report = await migrate(deployment.ownerPool, { schema, dir, appRole: role.name });

    expect(report.applied.map((file) => file.name)).toEqual(['0099_later_operation.sql']);
    const operation = await qualified(schema, 'sp_later_operation()');
    const helper = await qualified(schema, '_sp_later_helper()');
    expect(report.grants?.functions).toContain(operation);
    const granted = await privileges(schema, role.name);
    expect(granted[`${operation} EXECUTE`]).toBe(true);
    expect(granted[`${helper} EXECUTE`]).toBe(false);
    const stranger = await deployment.newRole('stranger');
    expect((await privileges(schema, stranger.name))[`${helper} EXECUTE`]).toBe(false);
    const pool = role.openPool({ max: 1 });
    const result = await pool.query(`SELECT ${quoteIdentifier(schema)}.sp_later_operation() AS value`);
    expect(result.rows).toEqual([{ value: 2 }]);
  });

  it('refuses a role that does not exist, a superuser, an owner and a member of the owner, and changes nothing', async () => {
    const [tenant] = deployment.tenants;
    const schema = tenant!.schema;
    const before = await privileges(schema, tenant!.app.name);
    const member = await deployment.newRole('member');
    await deployment.admin.query(`GRANT ${quoteIdentifier(deployment.owner.name)} TO ${quoteIdentifier(member.name)}`);
    const superuser = (await deployment.admin.query<{ name: string }>('SELECT current_user AS name')).rows[0]!.name;
    for (const [role, code] of [
      [`no such role ${randomSchemaName()}`, 'unknown-role'],
      [superuser, 'privileged-role'],
      [deployment.owner.name, 'privileged-role'],
      [member.name, 'privileged-role'],
    ] as const) {
      const error = await grantApplicationRole(deployment.ownerPool, { schema, role }).catch((e: unknown) => e);
      expect(error, role).toBeInstanceOf(GrantError);
      expect(error, role).toMatchObject({ code });
    }
    expect(await privileges(schema, tenant!.app.name)).toEqual(before);
  });

  it('refuses a schema that was not migrated', async () => {
    const schema = await ownedSchema('bare', { migrated: false });
    const role = await deployment.newRole('app');
    await expect(grantApplicationRole(deployment.ownerPool, { schema, role: role.name })).rejects.toMatchObject({
      code: 'not-migrated',
    });
    expect(allowed(await privileges(schema, role.name))).toEqual([]);
  });
});

describe('npm run grant', () => {
  const run = async (args: string[], env: Record<string, string | undefined>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runGrantCommand(args, { env, out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out, err };
  };

  it('grants through DATABASE_URL, migrating first with --migrate', async () => {
    const schema = await ownedSchema('cli', { migrated: false });
    const role = await deployment.newRole('cli');
    const env = { DATABASE_URL: deployment.owner.connectionString };

    const result = await run(['--role', role.name, '--schema', schema, '--migrate'], env);

    expect(result).toMatchObject({ code: 0, err: [] });
    expect(result.out[0]).toBe(
      `Role ${quoteIdentifier(role.name)}: USAGE on schema ${quoteIdentifier(schema)}, EXECUTE on 39 operations, ` +
        'nothing else in it.',
    );
    expect(result.out).toContain(`  ${await qualified(schema, 'sp_procedure_fingerprint()')}`);
    expect((await run(['--role', role.name, '--schema', schema], env)).code).toBe(0);
  });

  it('fails clearly without DATABASE_URL, without --role, and for an unknown role', async () => {
    const [tenant] = deployment.tenants;
    expect(await run(['--role', 'x', '--schema', tenant!.schema], {})).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/DATABASE_URL/)],
    });
    const env = { DATABASE_URL: deployment.owner.connectionString };
    expect((await run(['--schema', tenant!.schema], env)).code).toBe(2);
    const unknown = await run(['--role', 'nobody_at_all_here', '--schema', tenant!.schema], env);
    expect(unknown).toMatchObject({ code: 1, err: [expect.stringMatching(/"nobody_at_all_here" does not exist/)] });
  });
});
