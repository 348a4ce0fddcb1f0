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

/** Spellings the grammar itself qualifies with pg_catalog: no type on the search path can stand for them. */
const grammarTypeNames: ReadonlySet<string> = new Set([
  ...keywordTypeNames.keys(),
  'float',
  'numeric',
  'bit',
  'varchar',
  'nchar varying',
  'national char',
  'national char varying',
  'timestamp',
  'time',
  'interval',
  'json',
]);

const pgCatalog: SchemaRef = { kind: 'named', name: 'pg_catalog' };

/** `float(p)` is float4 up to 24 bits of precision, float8 above, as in PostgreSQL's grammar. */
const singlePrecisionMaximum = 24;

/**
 * A type as pgsql-ast-parser spells it, named as libpg-query names it: keyword spellings become the internal name in
 * pg_catalog (resolving turns pg_catalog into the model's unqualified built-in).
 */
export function keywordTypeRef(
  schema: SchemaRef,
  spelling: string,
  quoted: boolean,
  modifiers: number[],
  arrayDimensions: number,
): TypeRef {
  if (schema.kind !== 'unqualified' || quoted || !grammarTypeNames.has(spelling)) {
    return { schema, name: spelling, arrayDimensions, modifiers };
  }
  if (spelling === 'float') {
    const precision = modifiers[0];
    const name = precision !== undefined && precision <= singlePrecisionMaximum ? 'float4' : 'float8';
    return { schema: pgCatalog, name, arrayDimensions, modifiers: [] };
  }
  return { schema: pgCatalog, name: keywordTypeNames.get(spelling) ?? spelling, arrayDimensions, modifiers };
}
