import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Model, SourceFile } from '../model/types.js';
import { analyze } from '../analyze/index.js';
import { includeFilter } from '../analyze/include-filter.js';
import type { GeneratorConfig } from '../config/schema.js';
import { checkCalls } from './check-calls.js';
import { applySources } from './apply-sources.js';
import { compareProcedures } from './compare-procedures.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';
import { readCatalog } from './read-catalog.js';
import { schemaName, TypeResolver } from './resolve-types.js';

export interface VerifyOptions {
  connectionString: string;
  /** The SQL files, applied in order. */
  sources: readonly SourceFile[];
  /** The model to check against what PostgreSQL made of `sources` (normally parsed from the same files). */
  model: Model;
  placeholder: string;
  include: string;
  /**
   * The generator's configuration: when given, every call the generated client can send is also checked on the
   * server (`checkCalls`).
   */
  config?: GeneratorConfig;
}

/**
 * Applies the files to a fresh schema inside a transaction, compares the catalog with the model, checks the
 * generated calls (with `config`), and rolls the transaction back, so nothing is left behind even when a file fails
 * half-way. Returns one line per difference.
 */
export async function verifyModel(options: VerifyOptions): Promise<string[]> {
  const tenantSchema = `sproc_verify_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: options.connectionString });
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      await applySources(client, options.sources, tenantSchema, options.placeholder);
      const namedSchemas = options.model.procedures
        .map((procedure) => schemaName(procedure.schema, tenantSchema))
        .filter((name): name is string => name !== null);
      const catalog = await readCatalog(client, [...new Set([tenantSchema, ...namedSchemas])]);
      const differences = await compareProcedures(options.model.procedures, catalog, {
        tenantSchema,
        placeholder: options.placeholder,
        isIncluded: includeFilter(options.include),
        resolver: new TypeResolver(client, tenantSchema),
      });
      if (!options.config) return differences;
      const { program } = analyze(options.model, options.config);
      const anEnum = options.model.types.find((type) => type.kind === 'enum');
      const enumType = anEnum
        ? `${quoteIdentifier(schemaName(anEnum.schema, tenantSchema) ?? tenantSchema)}.${quoteIdentifier(anEnum.name)}`
        : null;
      return [...differences, ...(await checkCalls(client, program, tenantSchema, enumType))];
    } finally {
      await client.query('ROLLBACK');
      // A file that commits on its own would survive the rollback.
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(tenantSchema)} CASCADE`);
    }
  } finally {
    await client.end();
  }
}
