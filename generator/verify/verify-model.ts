import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Model, SourceFile } from '../model/types.js';
import { includeFilter } from '../analyze/include-filter.js';
import { applySources } from './apply-sources.js';
import { compareProcedures } from './compare-procedures.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';
import { readCatalog } from './read-catalog.js';
import { readTypeCatalog } from './read-type-catalog.js';
import { compareTypes } from './compare-types.js';
import { schemaName, TypeResolver } from './resolve-types.js';

export interface VerifyOptions {
  connectionString: string;
  /** The SQL files, applied in order. */
  sources: readonly SourceFile[];
  /** The model to check against what PostgreSQL made of `sources` (normally parsed from the same files). */
  model: Model;
  placeholder: string;
  include: string;
  /** Receives what is worth knowing but not a difference (see `CompareTypesOptions.note`); default: dropped. */
  note?: (line: string) => void;
}

/**
 * Applies the files to a fresh schema inside a transaction, compares the catalog (routines, relations and types)
 * with the model, and rolls the
 * transaction back, so nothing is left behind even when a file fails half-way. Returns one line per difference.
 */
export async function verifyModel(options: VerifyOptions): Promise<string[]> {
  const tenantSchema = `sproc_verify_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: options.connectionString });
  // A dropped connection surfaces through the pending query; without a listener it would crash the process.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      await applySources(client, options.sources, tenantSchema, options.placeholder);
      const namedSchemas = [...options.model.procedures, ...options.model.types]
        .map((object) => schemaName(object.schema, tenantSchema))
        .filter((name): name is string => name !== null);
      const schemas = [...new Set([tenantSchema, ...namedSchemas])];
      const catalog = await readCatalog(client, schemas);
      const resolver = new TypeResolver(client, tenantSchema);
      const procedureDifferences = await compareProcedures(options.model.procedures, catalog, {
        tenantSchema,
        placeholder: options.placeholder,
        isIncluded: includeFilter(options.include),
        resolver,
      });
      const typeCatalog = await readTypeCatalog(client, schemas);
      const typeDifferences = await compareTypes(options.model.types, typeCatalog, {
        tenantSchema,
        placeholder: options.placeholder,
        resolver,
        note: options.note ?? (() => {}),
      });
      return [...procedureDifferences, ...typeDifferences];
    } finally {
      await client.query('ROLLBACK');
      // A file that commits on its own would survive the rollback.
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(tenantSchema)} CASCADE`);
    }
  } finally {
    await client.end();
  }
}
