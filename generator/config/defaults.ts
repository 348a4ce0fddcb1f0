import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_PLACEHOLDER } from '../runtime/schema-sources.js';
import type { GeneratorConfig } from './schema.js';

const runtimeEntry = fileURLToPath(new URL('../runtime/index.js', import.meta.url));

/** The runtime shipped with this generator, as a relative import from the output folder. */
export function defaultRuntimeImport(outputDir: string): string {
  const path = relative(outputDir, runtimeEntry).split('\\').join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/** Every setting at its default, writing into `outputDir` and reading no files until `input` is set. */
export function defaultConfig(outputDir: string): GeneratorConfig {
  return {
    input: [],
    output: outputDir,
    include: '^sp_',
    placeholder: SCHEMA_PLACEHOLDER,
    int8: 'number',
    numeric: 'string',
    schemaNaming: 'nested',
    typeOverrides: {},
    jsonTypesModule: null,
    runtimeImport: defaultRuntimeImport(outputDir),
    fingerprintFunction: null,
  };
}
