import type pg from 'pg';

/** One argument of a catalog function, in declaration order (RETURNS TABLE columns are mode `t`). */
export interface CatalogArgument {
  name: string | null;
  mode: 'i' | 'o' | 'b' | 'v' | 't';
  typeOid: string;
  typeName: string;
}

/** Whether a `proargmodes` letter is an input argument (IN, INOUT, VARIADIC): not OUT, not a TABLE column. */
export function isCatalogInput(argument: Pick<CatalogArgument, 'mode'>): boolean {
  return argument.mode === 'i' || argument.mode === 'b' || argument.mode === 'v';
}

/** What `pg_proc` holds about one function or procedure, with type names as `format_type` prints them. */
export interface CatalogProcedure {
  schema: string;
  name: string;
  kind: 'f' | 'p' | 'a' | 'w';
  arguments: CatalogArgument[];
  /** Type oids of the input arguments (`proargtypes`): the identity PostgreSQL resolves overloads by. */
  inputTypeOids: string[];
  /** How many trailing input arguments have defaults. */
  defaultCount: number;
  returnTypeOid: string;
  returnTypeName: string;
  returnsSet: boolean;
  language: string;
  volatility: 'i' | 's' | 'v';
  securityDefiner: boolean;
  /** A constructor PostgreSQL creates with a range type (and its multirange), not a routine the files define. */
  constructsType: boolean;
}

interface CatalogRow {
  schema: string;
  name: string;
  kind: CatalogProcedure['kind'];
  argument_names: string[] | null;
  argument_modes: string[] | null;
  argument_type_oids: string[];
  argument_type_names: string[];
  input_type_oids: string[];
  default_count: number;
  return_type_oid: string;
  return_type_name: string;
  returns_set: boolean;
  language: string;
  volatility: CatalogProcedure['volatility'];
  security_definer: boolean;
  constructs_type: boolean;
}

// Oids travel as text so no client-side parser can change them; argument arrays keep their order through ORDINALITY.
const catalogQuery = `
SELECT n.nspname AS schema,
       p.proname AS name,
       p.prokind::text AS kind,
       p.proargnames AS argument_names,
       p.proargmodes::text[] AS argument_modes,
       ARRAY(SELECT t.oid::text FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS t(oid, i) ORDER BY t.i)
         AS argument_type_oids,
       ARRAY(SELECT format_type(t.oid, NULL) FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS t(oid, i) ORDER BY t.i)
         AS argument_type_names,
       ARRAY(SELECT t.oid::text FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS t(oid, i) ORDER BY t.i)
         AS input_type_oids,
       p.pronargdefaults::int AS default_count,
       p.prorettype::oid::text AS return_type_oid,
       format_type(p.prorettype, NULL) AS return_type_name,
       p.proretset AS returns_set,
       l.lanname AS language,
       p.provolatile::text AS volatility,
       p.prosecdef AS security_definer,
       EXISTS (SELECT 1 FROM pg_catalog.pg_range r
                WHERE p.prorettype IN (r.rngtypid, r.rngmultitypid)
                  AND p.proname = (SELECT t.typname FROM pg_catalog.pg_type t WHERE t.oid = p.prorettype))
         AS constructs_type
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE NOT (p.oid::text || ':' || p.xmin::text = ANY($1::text[]))
 ORDER BY n.nspname, p.proname, p.oid`;

/** What identifies every row of `pg_proc` as it is now: a row that differs later was created or changed since. */
export type CatalogSnapshot = string[];

export async function snapshotCatalog(client: pg.ClientBase): Promise<CatalogSnapshot> {
  const { rows } = await client.query<{ row: string }>(
    `SELECT p.oid::text || ':' || p.xmin::text AS row FROM pg_catalog.pg_proc p`,
  );
  return rows.map((row) => row.row);
}

/** Every function and procedure created or changed since the snapshot, in whatever schema. */
export async function readCatalog(client: pg.ClientBase, before: CatalogSnapshot): Promise<CatalogProcedure[]> {
  const { rows } = await client.query<CatalogRow>(catalogQuery, [before]);
  return rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    kind: row.kind,
    arguments: row.argument_type_oids.map((typeOid, index) => ({
      name: row.argument_names?.[index] || null,
      mode: (row.argument_modes?.[index] ?? 'i') as CatalogArgument['mode'],
      typeOid,
      typeName: row.argument_type_names[index]!,
    })),
    inputTypeOids: row.input_type_oids,
    defaultCount: row.default_count,
    returnTypeOid: row.return_type_oid,
    returnTypeName: row.return_type_name,
    returnsSet: row.returns_set,
    language: row.language,
    volatility: row.volatility,
    securityDefiner: row.security_definer,
    constructsType: row.constructs_type,
  }));
}
