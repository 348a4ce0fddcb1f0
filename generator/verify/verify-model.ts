import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Model, SourceFile } from '../model/types.js';
import { analyze } from '../analyze/index.js';
import { includeFilter } from '../analyze/include-filter.js';
import type { GeneratorConfig } from '../config/schema.js';
import { defaultSearchPath } from '../parse/search-path.js';
import { checkCalls } from './check-calls.js';
import { applySources, searchPathStatement } from './apply-sources.js';
import { compareProcedures } from './compare-procedures.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';
import { readCatalog, snapshotCatalog } from './read-catalog.js';
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
  /** psql variables the files use; default none. */
  variables?: Readonly<Record<string, string>>;
  /** The search_path before the first file; default PostgreSQL's (`"$user", public`). */
  searchPath?: readonly string[];
  /** Receives what is worth knowing but not a difference (see `CompareTypesOptions.note`); default: dropped. */
  note?: (line: string) => void;
  /**
   * The generator's configuration: when given, every call the generated client can send is also checked on the
   * server (`checkCalls`).
   */
  config?: GeneratorConfig;
}

/**
 * Applies the files (with a fresh schema for the placeholder) inside a transaction, compares the routines they
 * created or changed, in any schema, and the relations and types of the model's schemas with the model, checks the
 * generated calls (with `config`), and rolls the transaction back, so nothing is left behind even when a file fails
 * half-way. Returns one line per difference.
 */
export async function verifyModel(options: VerifyOptions): Promise<string[]> {
  const tenantSchema = `sproc_verify_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: options.connectionString });
  // A dropped connection fails the running (or next) query, which reports it; unheard, the event would end the process.
  client.on('error', () => {});
  await client.connect();
  try {
    // One snapshot for the whole run: routines other sessions commit meanwhile must not look like the files' own.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      const searchPath = options.searchPath ?? defaultSearchPath;
      const before = await snapshotCatalog(client);
      await applySources(client, options.sources, tenantSchema, {
        placeholder: options.placeholder,
        variables: options.variables ?? {},
        searchPath,
      });
      // Model types written without a schema are built-ins or unknown: looked up as the files start.
      await client.query(searchPathStatement(searchPath, options.placeholder, tenantSchema));
      const catalog = await readCatalog(client, before);
      const resolver = new TypeResolver(client, tenantSchema);
      const procedureDifferences = await compareProcedures(options.model.procedures, catalog, {
        tenantSchema,
        placeholder: options.placeholder,
        isIncluded: includeFilter(options.include),
        resolver,
      });
      const namedSchemas = [...options.model.procedures, ...options.model.types]
        .map((object) => schemaName(object.schema, tenantSchema))
        .filter((name): name is string => name !== null);
      const schemas = [...new Set([tenantSchema, ...namedSchemas])];
      const typeCatalog = await readTypeCatalog(client, schemas);
      const typeDifferences = await compareTypes(options.model.types, typeCatalog, {
        tenantSchema,
        placeholder: options.placeholder,
        resolver,
        note: options.note ?? (() => {}),
      });
      const callDifferences: string[] = [];
      if (options.config) {
        const { program } = analyze(options.model, options.config);
        const anEnum = options.model.types.find((type) => type.kind === 'enum');
        const enumType = anEnum
          ? `${quoteIdentifier(schemaName(anEnum.schema, tenantSchema) ?? tenantSchema)}.${quoteIdentifier(anEnum.name)}`
          : null;
        callDifferences.push(...(await checkCalls(client, program, tenantSchema, enumType)));
      }
      // PostgreSQL names the tenant schema's types qualified (it is not on the path): show them as the files do.
      return [...procedureDifferences, ...typeDifferences, ...callDifferences].map((line) =>
        line.replaceAll(`${tenantSchema}.`, `${options.placeholder}.`),
      );
    } finally {
      await client.query('ROLLBACK');
      // A file that commits on its own would survive the rollback.
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(tenantSchema)} CASCADE`);
    }
  } finally {
    await client.end();
  }
}
