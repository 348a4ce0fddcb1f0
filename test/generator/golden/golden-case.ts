import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../../generator/analyze/index.js';
import { formatDiagnostic } from '../../../generator/cli/format-diagnostic.js';
import type { GeneratorConfig } from '../../../generator/config/schema.js';
import { emit } from '../../../generator/emit/index.js';
import { fingerprintSources } from '../../../generator/runtime/schema-sources.js';
import { parseSources } from '../../../generator/parse/index.js';

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

/** Runs parse → analyze → emit on a case; the TypeScript is null when there are errors. */
export async function runCase(name: string): Promise<{ typescript: string | null; diagnostics: string }> {
  const sources = [{ path: 'input.sql', text: caseInput(name) }];
  const config = caseConfig(name);
  const parsed = parseSources(sources, { placeholder: config.placeholder });
  const analyzed = analyze(parsed.model, config);
  const diagnostics = [...parsed.diagnostics, ...analyzed.diagnostics];
  const text = diagnostics.map((diagnostic) => `${formatDiagnostic(diagnostic, sources)}\n`).join('');
  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { typescript: null, diagnostics: text };
  const [file] = await emit(analyzed.program, { fingerprint: fingerprintSources(sources) });
  return { typescript: file!.text, diagnostics: text };
}
