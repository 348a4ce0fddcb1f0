import { analyze, type AnalyzedProgram } from '../analyze/index.js';
import type { GeneratorConfig } from '../config/schema.js';
import { emit } from '../emit/index.js';
import { fingerprintSources } from '../runtime/schema-sources.js';
import type { Diagnostic, Model, SourceFile } from '../model/types.js';
import { parseSources } from '../parse/index.js';
import { fillUnknownColumns } from '../live-catalog/fill-unknown-columns.js';
import { hasErrors } from './format-diagnostic.js';
import type { GeneratedFile } from './output-files.js';

export interface PipelineResult {
  model: Model;
  diagnostics: Diagnostic[];
  /** What analyze decided (names, types, SQL); procedures with errors are left out. */
  program: AnalyzedProgram;
  /** The generated files, or null when a stage reported an error. */
  files: GeneratedFile[] | null;
}

/**
 * parse → analyze → emit, in memory. Analyze runs even after parse errors so one run reports as many problems as
 * it can; emit runs only on an error-free program.
 */
export async function runPipeline(
  sources: readonly SourceFile[],
  config: GeneratorConfig,
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const parsed = await parseModel(sources, config, options);
  const analyzed = analyze(parsed.model, config);
  const diagnostics = [...parsed.diagnostics, ...analyzed.diagnostics];
  if (hasErrors(diagnostics)) return { model: parsed.model, program: analyzed.program, diagnostics, files: null };
  const files = await emit(analyzed.program, { fingerprint: fingerprintSources(sources) });
  return { model: parsed.model, program: analyzed.program, diagnostics, files };
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
  const filled = await fillUnknownColumns(parsed.model, options.catalogUrl, config.placeholder);
  return { model: filled.model, diagnostics: [...parsed.diagnostics, ...filled.diagnostics] };
}

/** parse only: what `verify` checks. */
export function parseOnly(
  sources: readonly SourceFile[],
  config: GeneratorConfig,
): { model: Model; diagnostics: Diagnostic[] } {
  return parseSources([...sources], { placeholder: config.placeholder });
}
