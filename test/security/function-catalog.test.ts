/**
 * The catalog check the least-privilege design rests on, over a schema the migrations built: a later migration whose
 * `CREATE OR REPLACE FUNCTION` drops a function's SECURITY DEFINER or its pinned search_path (as that statement does
 * unless it repeats them), or that adds a function without them, fails here.
 */
import { describe, expect, it } from 'vitest';
import { useTenantSchema } from '../support/tenant-schema.js';

const tenant = useTenantSchema();

/** They take schema names and run DDL: the owner's tools, run with the caller's own rights (see 0006). */
const SCHEMA_MANAGEMENT = ['sp_cleanup_schema', 'sp_create_indexes', 'sp_create_schema', 'sp_initialize_tables'];

interface FunctionRow {
  name: string;
  signature: string;
  definer: boolean;
  config: string[] | null;
  public_execute: boolean;
}

async function schemaFunctions(): Promise<FunctionRow[]> {
  const result = await tenant.pool.query<FunctionRow>(
    `SELECT p.proname AS name, p.oid::regprocedure::text AS signature, p.prosecdef AS definer,
            p.proconfig AS config,
            -- A NULL ACL is the default one, which gives PUBLIC EXECUTE.
            p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                         WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_execute
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1
      ORDER BY p.proname`,
    [tenant.name],
  );
  return result.rows;
}

describe('the functions of a migrated schema', () => {
  it('are all sp_ operations, _sp_ helpers or schema management', async () => {
    const functions = await schemaFunctions();
    expect(functions.length).toBeGreaterThan(25);
    for (const { name } of functions) expect(name).toMatch(/^_?sp_/);
    expect(functions.filter((f) => SCHEMA_MANAGEMENT.includes(f.name))).toHaveLength(SCHEMA_MANAGEMENT.length);
  });

  it('every one pins search_path to pg_catalog, pg_temp', async () => {
    for (const f of await schemaFunctions()) {
      expect(f.config, f.signature).toEqual(['search_path=pg_catalog, pg_temp']);
    }
  });

  it('the operations, and only they, run as their owner (SECURITY DEFINER)', async () => {
    for (const f of await schemaFunctions()) {
      const operation = f.name.startsWith('sp_') && !SCHEMA_MANAGEMENT.includes(f.name);
      expect(f.definer, `${f.signature} ${operation ? 'is an operation' : 'is no operation'}`).toBe(operation);
    }
  });

  it('PUBLIC may execute none of them', async () => {
    for (const f of await schemaFunctions()) expect(f.public_execute, f.signature).toBe(false);
  });
});
