import type pg from 'pg';
import type { SourceFile } from '../model/types.js';
import { readPsqlScript } from '../parse/psql-script.js';
import { substituteSchema } from '../runtime/schema-sources.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';

/** A file that PostgreSQL rejected, with the line PostgreSQL pointed at when it gave a position. */
export class ApplyError extends Error {
  override name = 'ApplyError';
}

export interface ApplyOptions {
  placeholder: string;
  /** psql variables, as the parse stage reads them. */
  variables: Readonly<Record<string, string>>;
  /** The search_path before the first file: schema names, `$user` or the placeholder. */
  searchPath: readonly string[];
}

function lineOf(text: string, position: number): number {
  return text.slice(0, Math.max(0, position - 1)).split('\n').length;
}

/** `SET LOCAL search_path` to the configured path, the placeholder standing for `schema`. */
export function searchPathStatement(searchPath: readonly string[], placeholder: string, schema: string): string {
  const names = searchPath.map((name) => quoteIdentifier(name === placeholder ? schema : name));
  return `SET LOCAL search_path TO ${names.length > 0 ? names.join(', ') : "''"}`;
}

/**
 * Creates `schema` (the tenant schema the placeholder stands for), sets the configured search path for the current
 * transaction, and runs every file in order as psql would send it (meta-commands left out, variables substituted,
 * a variable without a value standing for the placeholder) with the placeholder replaced by the quoted schema name.
 * Each file is one query, so a `SET LOCAL` in it lasts to the end of the transaction. The caller owns the transaction
 * (and rolls it back).
 */
export async function applySources(
  client: pg.ClientBase,
  sources: readonly SourceFile[],
  schema: string,
  options: ApplyOptions,
): Promise<void> {
  await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  await client.query(searchPathStatement(options.searchPath, options.placeholder, schema));
  for (const source of sources) {
    const script = readPsqlScript(source.text, { variables: options.variables, placeholder: options.placeholder });
    const text = substituteSchema(script.text, options.placeholder, schema);
    try {
      await client.query(text);
    } catch (error) {
      const { message, position } = error as { message: string; position?: string };
      const where = position ? `${source.path}:${lineOf(text, Number(position))}` : source.path;
      throw new ApplyError(`${where}: PostgreSQL rejected the file: ${message}`);
    }
  }
}
