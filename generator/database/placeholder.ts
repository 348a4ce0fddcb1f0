import pg from 'pg';

/**
 * Replaces every occurrence of the schema placeholder with the quoted schema identifier. Quoting is what makes any
 * name safe here (mixed case, spaces, quotes); the placeholder must therefore only stand where an identifier may.
 */
export function substituteSchema(sql: string, placeholder: string, schema: string): string {
  return sql.split(placeholder).join(pg.escapeIdentifier(schema));
}

/** PostgreSQL silently truncates identifiers past 63 bytes; refusing them keeps two long names from colliding. */
export function assertValidSchemaName(schema: string): void {
  if (schema.length === 0) throw new Error('Schema name must not be empty');
  if (schema.includes('\0')) throw new Error('Schema name must not contain NUL characters');
  if (Buffer.byteLength(schema, 'utf8') > 63) {
    throw new Error(`Schema name is longer than PostgreSQL's 63-byte identifier limit: ${JSON.stringify(schema)}`);
  }
}
