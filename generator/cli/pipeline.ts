import { includeFilter } from '../analyze/include-filter.js';
import type { AnalyzedProgram } from '../analyze/index.js';
import type { GeneratorConfig } from '../config/schema.js';
import { fingerprintSources } from '../runtime/schema-sources.js';
import type { Diagnostic, Model, SourceFile } from '../model/types.js';
import { parseSources, type ParseOptions } from '../parse/index.js';
import { hasErrors } from './format-diagnostic.js';
import type { GeneratedFile } from './output-files.js';

export interface PipelineResult {
  model: Model;
  diagnostics: Diagnostic[];
  /** What analyze decided (names, types, SQL); procedures with errors are left out. */
  program: AnalyzedProgram;
  /** The generated files, or null when an error stands (any problem when `strict`, else a blocking one). */
  files: GeneratedFile[] | null;
  /** The routines `include` takes and how many of them were generated; the rest were left out. */
  routines: { included: number; generated: number };
}

/**
 * parse → analyze → emit, in memory. Analyze runs even after parse errors so one run reports as many problems as
 * it can. A problem costs only its routine, which is left out, unless `strict` makes it an error (see `settle`).
 */
export async function runPipeline(
  sources: readonly SourceFile[],
  config: GeneratorConfig,
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  // Analyze and emit load the TypeScript compiler (ts-morph) and prettier, the larger part of start-up: imported
  // here, so `verify` and `--print-model` never load them.
  const { analyze } = await import('../analyze/index.js');
  const parsed = await parseModel(sources, config, options);
  const analyzed = analyze(parsed.model, config);
  const diagnostics = settle([...parsed.diagnostics, ...analyzed.diagnostics], config.strict);
  const isIncluded = includeFilter(config.include);
  const routines = {
    included: parsed.model.procedures.filter((procedure) => isIncluded(procedure.name)).length,
    generated: analyzed.program.procedures.length,
  };
  const result = { model: parsed.model, program: analyzed.program, diagnostics, routines };
  if (hasErrors(diagnostics)) return { ...result, files: null };
  const { emit } = await import('../emit/index.js');
  const files = await emit(analyzed.program, { fingerprint: fingerprintSources(sources) });
  return { ...result, files };
}

/**
 * Without `strict`, every error but a blocking one becomes a warning: the routine it concerns is left out (or the
 * statement it concerns changes nothing, as PostgreSQL would refuse it) and everything else is still written.
 */
export function settle(diagnostics: readonly Diagnostic[], strict: boolean): Diagnostic[] {
  if (strict) return [...diagnostics];
  return diagnostics.map((diagnostic) =>
    diagnostic.severity === 'error' && !diagnostic.blocking ? { ...diagnostic, severity: 'warning' } : diagnostic,
  );
}

/** `N of M routines generated, K left out`. */
export function describeRoutines({ included, generated }: PipelineResult['routines']): string {
  return `${generated} of ${included} routine${included === 1 ? '' : 's'} generated, ${included - generated} left out`;
}

export function parseOptionsOf(config: GeneratorConfig): ParseOptions {
  return { placeholder: config.placeholder, variables: config.variables, searchPath: config.searchPath };
}

export interface PipelineOptions {
  /** `--catalog <url>`: a database where the files are applied, for the view columns only a server can type. */
  catalogUrl?: string;
}

/** parse, then (with `--catalog`) the unknown view columns from the database: the model analyze reads. */
export async function parseModel(
  sources: readonly SourceFile[],
  config: GeneratorConfig,
  options: PipelineOptions,
): Promise<{ model: Model; diagnostics: Diagnostic[] }> {
  const parsed = parseOnly(sources, config);
  if (options.catalogUrl === undefined) return parsed;
  // Loads pg, which a run without --catalog never needs.
  const { fillUnknownColumns } = await import('../live-catalog/fill-unknown-columns.js');
  const filled = await fillUnknownColumns(parsed.model, options.catalogUrl, config.placeholder);
  return { model: filled.model, diagnostics: [...parsed.diagnostics, ...filled.diagnostics] };
}

/** parse only: what `verify` checks. */
export function parseOnly(
  sources: readonly SourceFile[],
  config: GeneratorConfig,
): { model: Model; diagnostics: Diagnostic[] } {
  const parsed = parseSources([...sources], parseOptionsOf(config));
  return { model: parsed.model, diagnostics: settle(parsed.diagnostics, config.strict) };
}
