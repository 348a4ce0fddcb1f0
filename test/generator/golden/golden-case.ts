import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeRoutines, runPipeline } from '../../../generator/cli/pipeline.js';
import { formatDiagnostic } from '../../../generator/cli/format-diagnostic.js';
import type { GeneratorConfig } from '../../../generator/config/schema.js';

export const goldenRoot = dirname(fileURLToPath(import.meta.url));

/** Case folders: each holds input.sql, optional config.json, expected.ts (when error-free), expected-diagnostics.txt. */
export function goldenCases(): string[] {
  return readdirSync(goldenRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(goldenRoot, entry.name, 'input.sql')))
    .map((entry) => entry.name)
    .sort();
}

export const baseConfig: GeneratorConfig = {
  input: ['input.sql'],
  output: '.',
  include: '^sp_',
  placeholder: '{schema}',
  variables: {},
  searchPath: ['$user', 'public'],
  // The cases pin every problem as an error; a case's config.json turns it off to show what is still written.
  strict: true,
  int8: 'number',
  numeric: 'string',
  schemaNaming: 'nested',
  typeOverrides: {},
  jsonTypesModule: null,
  // The expected.ts files sit in test/generator/golden/<case>/.
  runtimeImport: '../../../../generator/runtime/index.js',
  fingerprintFunction: 'sp_procedure_fingerprint',
};

export function caseConfig(name: string): GeneratorConfig {
  const path = join(goldenRoot, name, 'config.json');
  const overrides = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Partial<GeneratorConfig>) : {};
  return { ...baseConfig, ...overrides };
}

export function caseInput(name: string): string {
  return readFileSync(join(goldenRoot, name, 'input.sql'), 'utf8');
}

/**
 * Runs parse → analyze → emit on a case as `generate` does; the diagnostics end with the summary line. The TypeScript
 * is null when nothing is written.
 */
export async function runCase(name: string): Promise<{ typescript: string | null; diagnostics: string }> {
  const sources = [{ path: 'input.sql', text: caseInput(name) }];
  const result = await runPipeline(sources, caseConfig(name));
  const diagnostics = result.diagnostics.map((diagnostic) => `${formatDiagnostic(diagnostic, sources)}\n`).join('');
  const typescript = result.files?.[0]?.text ?? null;
  const written = typescript === null ? '; nothing written' : '';
  return { typescript, diagnostics: `${diagnostics}-- ${describeRoutines(result.routines)}${written}\n` };
}
