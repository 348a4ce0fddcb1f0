import type { SchemaRef, TypeRef } from '../model/types.js';

/**
 * SQL spells some built-in types with keywords (`integer`, `double precision`, ...). PostgreSQL's grammar turns them
 * into `pg_catalog.<internal name>`; pgsql-ast-parser keeps the spelling, so its names go through this table.
 * Only unquoted spellings are aliases: `"char"` is a different type from `char`.
 */
const keywordTypeNames: ReadonlyMap<string, string> = new Map([
  ['int', 'int4'],
  ['integer', 'int4'],
  ['bigint', 'int8'],
  ['smallint', 'int2'],
  ['real', 'float4'],
  ['double precision', 'float8'],
  ['boolean', 'bool'],
  ['character varying', 'varchar'],
  ['char varying', 'varchar'],
  ['national character varying', 'varchar'],
  ['character', 'bpchar'],
  ['char', 'bpchar'],
  ['nchar', 'bpchar'],
  ['national character', 'bpchar'],
  ['decimal', 'numeric'],
  ['dec', 'numeric'],
  ['timestamp with time zone', 'timestamptz'],
  ['timestamp without time zone', 'timestamp'],
  ['time with time zone', 'timetz'],
  ['time without time zone', 'time'],
  ['bit varying', 'varbit'],
]);

/** `float(p)` is float4 up to 24 bits of precision, float8 above, as in PostgreSQL's grammar. */
const singlePrecisionMaximum = 24;

export function keywordTypeRef(
  schema: SchemaRef,
  spelling: string,
  quoted: boolean,
  modifiers: number[],
  arrayDimensions: number,
): TypeRef {
  if (schema.kind === 'named' && schema.name === 'pg_catalog')
    return keywordTypeRef({ kind: 'unqualified' }, spelling, true, modifiers, arrayDimensions);
  if (schema.kind !== 'unqualified' || quoted) return { schema, name: spelling, arrayDimensions, modifiers };
  if (spelling === 'float') {
    const precision = modifiers[0];
    const name = precision !== undefined && precision <= singlePrecisionMaximum ? 'float4' : 'float8';
    return { schema, name, arrayDimensions, modifiers: [] };
  }
  return { schema, name: keywordTypeNames.get(spelling) ?? spelling, arrayDimensions, modifiers };
}

/** libpg-query's names are already internal; only the catalog qualification goes. */
export function catalogTypeRef(schema: SchemaRef, name: string, modifiers: number[], arrayDimensions: number): TypeRef {
  const unqualified = schema.kind === 'named' && schema.name === 'pg_catalog';
  return { schema: unqualified ? { kind: 'unqualified' } : schema, name, arrayDimensions, modifiers };
}
