import type pg from 'pg';
import type { SourceFile } from '../model/types.js';
import { substituteSchema } from '../runtime/schema-sources.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';

/** A file that PostgreSQL rejected, with the line PostgreSQL pointed at when it gave a position. */
export class ApplyError extends Error {
  override name = 'ApplyError';
}

function lineOf(text: string, position: number): number {
  return text.slice(0, Math.max(0, position - 1)).split('\n').length;
}

/**
 * Creates `schema`, makes it the search path for the current transaction, and runs every file in order with the
 * placeholder replaced by the quoted schema name. The caller owns the transaction (and rolls it back).
 */
export async function applySources(
  client: pg.ClientBase,
  sources: readonly SourceFile[],
  schema: string,
  placeholder: string,
): Promise<void> {
  const quoted = quoteIdentifier(schema);
  await client.query(`CREATE SCHEMA ${quoted}`);
  await client.query(`SET LOCAL search_path TO ${quoted}`);
  for (const source of sources) {
    const text = substituteSchema(source.text, placeholder, schema);
    try {
      await client.query(text);
    } catch (error) {
      const { message, position } = error as { message: string; position?: string };
      const where = position ? `${source.path}:${lineOf(text, Number(position))}` : source.path;
      throw new ApplyError(`${where}: PostgreSQL rejected the file: ${message}`);
    }
  }
}
