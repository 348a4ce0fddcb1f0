import type pg from 'pg';

/** A column or attribute as `pg_attribute` holds it, with its type's oid and `format_type` name. */
export interface CatalogColumn {
  name: string;
  typeOid: string;
  typeName: string;
}

/** A table, view, materialized view, foreign table or composite type (`pg_class` with its columns). */
export interface CatalogRelation {
  schema: string;
  name: string;
  /** `relkind`: r table, p partitioned table, f foreign table, v view, m materialized view, c composite type. */
  kind: 'r' | 'p' | 'f' | 'v' | 'm' | 'c';
  columns: CatalogColumn[];
}

/** An enum, domain or range type (`pg_type` with what its kind adds). */
export interface CatalogType {
  schema: string;
  name: string;
  kind: 'e' | 'd' | 'r';
  labels: string[];
  baseTypeOid: string | null;
  baseTypeName: string | null;
  subtypeOid: string | null;
  subtypeName: string | null;
  multirangeSchema: string | null;
  multirangeName: string | null;
}

interface RelationRow {
  schema: string;
  name: string;
  kind: CatalogRelation['kind'];
  column_names: string[];
  column_type_oids: string[];
  column_type_names: string[];
}

// Oids travel as text; column arrays keep attnum order.
const relationQuery = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS column_names,
       ARRAY(SELECT a.atttypid::text FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS column_type_oids,
       ARRAY(SELECT format_type(a.atttypid, NULL) FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS column_type_names
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'c')
 ORDER BY n.nspname, c.relname`;

const typeQuery = `
SELECT n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
         AS labels,
       CASE WHEN t.typtype = 'd' THEN t.typbasetype::oid::text END AS base_type_oid,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, NULL) END AS base_type_name,
       r.rngsubtype::oid::text AS subtype_oid,
       format_type(r.rngsubtype, NULL) AS subtype_name,
       mn.nspname AS multirange_schema,
       mt.typname AS multirange_name
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
  LEFT JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid
  LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
 WHERE n.nspname = ANY($1::text[]) AND t.typtype IN ('e', 'd', 'r')
 ORDER BY n.nspname, t.typname`;

interface TypeRow {
  schema: string;
  name: string;
  kind: CatalogType['kind'];
  labels: string[];
  base_type_oid: string | null;
  base_type_name: string | null;
  subtype_oid: string | null;
  subtype_name: string | null;
  multirange_schema: string | null;
  multirange_name: string | null;
}

/** Every relation and every enum, domain and range type in the given schemas. */
export async function readTypeCatalog(
  client: pg.ClientBase,
  schemas: readonly string[],
): Promise<{ relations: CatalogRelation[]; types: CatalogType[] }> {
  const relations = await client.query<RelationRow>(relationQuery, [schemas]);
  const types = await client.query<TypeRow>(typeQuery, [schemas]);
  return {
    relations: relations.rows.map((row) => ({
      schema: row.schema,
      name: row.name,
      kind: row.kind,
      columns: row.column_names.map((name, index) => ({
        name,
        typeOid: row.column_type_oids[index]!,
        typeName: row.column_type_names[index]!,
      })),
    })),
    types: types.rows.map((row) => ({
      schema: row.schema,
      name: row.name,
      kind: row.kind,
      labels: row.labels,
      baseTypeOid: row.base_type_oid,
      baseTypeName: row.base_type_name,
      subtypeOid: row.subtype_oid,
      subtypeName: row.subtype_name,
      multirangeSchema: row.multirange_schema,
      multirangeName: row.multirange_name,
    })),
  };
}
