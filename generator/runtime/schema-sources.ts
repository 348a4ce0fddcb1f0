/**
 * The rules the generator and the migration runner must apply identically to the SQL files: how the schema
 * placeholder becomes the tenant schema, and how a file list is fingerprinted. Node-only (node:crypto), so it is not
 * re-exported from `./index.js`, which generated clients import.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { quoteIdentifier } from './quote-identifier.js';

/** The text in the SQL files that stands for the tenant schema, unless configured otherwise. */
export const SCHEMA_PLACEHOLDER = '{schema}';

/**
 * Replaces every occurrence of the schema placeholder with the quoted schema identifier. Quoting is what makes any
 * name safe here (mixed case, spaces, quotes); the placeholder must therefore only stand where an identifier may.
 */
export function substituteSchema(sql: string, placeholder: string, schema: string): string {
  return sql.split(placeholder).join(sourceIdentifier(schema));
}

/**
 * The schema as an identifier that can stand anywhere in an SQL file, inside `$$`-quoted function bodies too. A
 * dollar-quoted body ends at the first occurrence of its tag, and no quoting inside it can hide one, so a name
 * holding `$$` (or `$ddl$`, ...) would end the body early. Such a name is written as a Unicode-escaped identifier
 * instead, which holds no `$` at all: `a$$b` becomes `U&"a\0024\0024b"`, the same name to PostgreSQL in SQL and in
 * PL/pgSQL alike. Other names keep the plain quoted form.
 */
export function sourceIdentifier(schema: string): string {
  const quoted = quoteIdentifier(schema);
  if (!schema.includes('$')) return quoted;
  // In a U& identifier a backslash starts an escape, so a literal one is doubled.
  return `U&${quoted.replaceAll('\\', '\\\\').replaceAll('$', '\\0024')}`;
}

/** PostgreSQL silently truncates identifiers past 63 bytes; refusing them keeps two long names from colliding. */
export function assertValidSchemaName(schema: string): void {
  if (schema.length === 0) throw new Error('Schema name must not be empty');
  if (schema.includes('\0')) throw new Error('Schema name must not contain NUL characters');
  if (Buffer.byteLength(schema, 'utf8') > 63) {
    throw new Error(`Schema name is longer than PostgreSQL's 63-byte identifier limit: ${JSON.stringify(schema)}`);
  }
}

/** sha256 as lower-case hex; a string is hashed as its UTF-8 bytes. */
export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * The fingerprint of a migration history: sha256 hex over one line `${basename}:${sha256hex(content)}\n` per file, in
 * the order the files are applied. Base names (not paths) so the same files give the same fingerprint wherever they
 * are checked out; the generated client and the migration runner must both use this function.
 */
export function fingerprintSources(sources: readonly { path: string; text: string }[]): string {
  const lines = sources.map((source) => `${basename(source.path)}:${sha256Hex(source.text)}\n`).join('');
  return sha256Hex(lines);
}
