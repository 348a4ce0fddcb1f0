/** Quotes an SQL identifier (schema, function, type or column name) so any text is safe and case is kept. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new Error('An SQL identifier cannot be empty');
  if (name.includes('\0')) throw new Error('An SQL identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}
