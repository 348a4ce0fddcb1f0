import type pg from 'pg';

/** A column of a relation in a live database, its type named by schema, name and whether it is an array of it. */
export interface LiveColumn {
  name: string;
  typeSchema: string;
  typeName: string;
  isArray: boolean;
}

interface ColumnRow {
  relation_schema: string;
  name: string;
  type_schema: string;
  type_name: string;
  is_array: boolean;
}

// `to_regclass` resolves an unqualified name through the connection's search_path, as the server would.
const columnsQuery = `
SELECT rn.nspname AS relation_schema, a.attname::text AS name,
       coalesce(en.nspname, n.nspname) AS type_schema, coalesce(et.typname, t.typname) AS type_name,
       et.oid IS NOT NULL AS is_array
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace rn ON rn.oid = c.relnamespace
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' AND t.typtype = 'b'
  LEFT JOIN pg_catalog.pg_namespace en ON en.oid = et.typnamespace
 WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`;

/**
 * The columns of one relation, named as SQL text (`"app"."orders"` or `"orders"`), with the schema it was found
 * in; null when there is no such relation.
 */
export async function readRelationColumns(
  client: pg.ClientBase,
  relation: string,
): Promise<{ schema: string; columns: LiveColumn[] } | null> {
  const { rows } = await client.query<ColumnRow>(columnsQuery, [relation]);
  const [first] = rows;
  if (!first) return null;
  return {
    schema: first.relation_schema,
    columns: rows.map((row) => ({
      name: row.name,
      typeSchema: row.type_schema,
      typeName: row.type_name,
      isArray: row.is_array,
    })),
  };
}
