import { SCHEMA_PLACEHOLDER } from '../runtime/schema-sources.js';
import { defaultSearchPath } from '../parse/search-path.js';
import type { GeneratorConfig } from './schema.js';

/** The runtime shipped with this generator, imported by package name: the project depends on `pg-sproc-gen`. */
export const defaultRuntimeImport = 'pg-sproc-gen/runtime';

/** Every setting at its default, writing into `outputDir` and reading no files until `input` is set. */
export function defaultConfig(outputDir: string): GeneratorConfig {
  return {
    input: [],
    output: outputDir,
    include: '^sp_',
    placeholder: SCHEMA_PLACEHOLDER,
    variables: {},
    searchPath: [...defaultSearchPath],
    strict: false,
    int8: 'number',
    numeric: 'string',
    schemaNaming: 'nested',
    typeOverrides: {},
    jsonTypesModule: null,
    runtimeImport: defaultRuntimeImport,
    fingerprintFunction: null,
  };
}
