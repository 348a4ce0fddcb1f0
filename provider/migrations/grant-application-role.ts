import type pg from 'pg';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { assertValidSchemaName } from 'pg-sproc-gen/schema-sources';
import { withSchemaLock } from './schema-lock.js';

export interface GrantOptions {
  /** The tenant schema (default `public`). */
  schema?: string;
  /** An existing role, neither a superuser nor the owner (or a member of the owner) of the schema or its objects. */
  role: string;
}

export interface GrantReport {
  schema: string;
  role: string;
  /** The functions the role may execute, as `regprocedure` text. */
  functions: string[];
}

export type GrantErrorCode = 'unknown-role' | 'privileged-role' | 'not-migrated';

export class GrantError extends Error {
  override readonly name = 'GrantError';
  constructor(
    readonly code: GrantErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Makes `role` an application role of the schema: USAGE on the schema, EXECUTE on its operations, and nothing else
 * there — no table, sequence or other function, no CREATE. The operations are the schema's SECURITY DEFINER
 * functions (the migrations declare them: `procedures/0006_least_privilege.sql`); they run as the owner, so the role
 * needs no privilege on a table. Idempotent: run it after every migration (or pass `appRole` to `migrate`), since a
 * migration may add operations. PUBLIC's default EXECUTE is revoked from every function of the schema on the way.
 */
export async function grantApplicationRole(db: pg.Pool | pg.ClientBase, options: GrantOptions): Promise<GrantReport> {
  const schema = options.schema ?? 'public';
  assertValidSchemaName(schema);
  return withSchemaLock(db, schema, (client) => applyGrants(client, schema, options.role));
}

/** The grant, for a caller that holds the schema's lock (`withSchemaLock`); one transaction, all or nothing. */
export async function applyGrants(client: pg.ClientBase, schema: string, role: string): Promise<GrantReport> {
  const quotedSchema = quoteIdentifier(schema);
  const quotedRole = quoteIdentifier(role);
  await client.query('BEGIN');
  try {
    // `regprocedure` text qualifies every name not on the path: with only pg_catalog there, the schema's functions
    // come out schema-qualified and quoted, ready to stand in a GRANT.
    await client.query('SET LOCAL search_path TO pg_catalog, pg_temp');
    await assertApplicationRole(client, schema, role);
    await client.query(
      `REVOKE ALL ON SCHEMA ${quotedSchema} FROM ${quotedRole};
       REVOKE ALL ON ALL TABLES IN SCHEMA ${quotedSchema} FROM ${quotedRole};
       REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${quotedSchema} FROM ${quotedRole};
       REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${quotedSchema} FROM PUBLIC, ${quotedRole};
       GRANT USAGE ON SCHEMA ${quotedSchema} TO ${quotedRole};`,
    );
    const operations = await client.query<{ signature: string }>(
      `SELECT p.oid::regprocedure::text AS signature
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 AND p.prosecdef
        ORDER BY p.proname, p.oid`,
      [schema],
    );
    const functions = operations.rows.map((row) => row.signature);
    await client.query(`GRANT EXECUTE ON FUNCTION ${functions.join(', ')} TO ${quotedRole}`);
    await client.query('COMMIT');
    return { schema, role, functions };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

interface RoleFacts {
  superuser: boolean;
  owner_member: boolean;
  migrated: boolean;
}

/**
 * Refuses a role that does not exist, and one that would bypass the grants: a superuser, or a member of a role that
 * owns the schema or anything in it (an owner may do anything to what it owns). Refuses a schema without operations.
 */
async function assertApplicationRole(client: pg.ClientBase, schema: string, role: string): Promise<void> {
  const result = await client.query<RoleFacts>(
    `SELECT r.rolsuper AS superuser,
            pg_has_role(r.oid, n.nspowner, 'MEMBER')
              OR EXISTS (SELECT 1 FROM pg_class c
                          WHERE c.relnamespace = n.oid AND pg_has_role(r.oid, c.relowner, 'MEMBER'))
              OR EXISTS (SELECT 1 FROM pg_proc p
                          WHERE p.pronamespace = n.oid AND pg_has_role(r.oid, p.proowner, 'MEMBER')) AS owner_member,
            EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = n.oid AND p.prosecdef) AS migrated
       FROM pg_roles r
       LEFT JOIN pg_namespace n ON n.nspname = $1
      WHERE r.rolname = $2`,
    [schema, role],
  );
  const facts = result.rows[0];
  if (facts === undefined) {
    throw new GrantError(
      'unknown-role',
      `Role ${quoteIdentifier(role)} does not exist: create it first (CREATE ROLE ... LOGIN PASSWORD ...)`,
    );
  }
  if (!facts.migrated) {
    throw new GrantError(
      'not-migrated',
      `Schema ${quoteIdentifier(schema)} holds no provider operations: migrate it before granting`,
    );
  }
  if (facts.superuser || facts.owner_member) {
    throw new GrantError(
      'privileged-role',
      `Role ${quoteIdentifier(role)} is a superuser or a member of an owner of schema ${quoteIdentifier(schema)} ` +
        'or of its objects, so no grant can limit it: use a separate application role',
    );
  }
}
