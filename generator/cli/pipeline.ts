import type { AnalyzedProgram } from '../analyze/index.js';
import type { GeneratorConfig } from '../config/schema.js';
import { fingerprintSources } from '../runtime/schema-sources.js';
import type { Diagnostic, Model, SourceFile } from '../model/types.js';
import { parseSources } from '../parse/index.js';
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
 * it can; emit runs only on an error-free program. Analyze and emit load the TypeScript compiler (ts-morph) and
 * prettier, the larger part of start-up: they are imported here, so `verify` and `--print-model` never load them.
 */
export async function runPipeline(sources: readonly SourceFile[], config: GeneratorConfig): Promise<PipelineResult> {
  const { analyze } = await import('../analyze/index.js');
  const parsed = parseSources([...sources], { placeholder: config.placeholder });
  const analyzed = analyze(parsed.model, config);
  const diagnostics = [...parsed.diagnostics, ...analyzed.diagnostics];
  if (hasErrors(diagnostics)) return { model: parsed.model, program: analyzed.program, diagnostics, files: null };
  const { emit } = await import('../emit/index.js');
  const files = await emit(analyzed.program, { fingerprint: fingerprintSources(sources) });
  return { model: parsed.model, program: analyzed.program, diagnostics, files };
}

/** parse only: what `--print-model` prints and `verify` checks. */
export function parseOnly(
  sources: readonly SourceFile[],
  config: GeneratorConfig,
): { model: Model; diagnostics: Diagnostic[] } {
  return parseSources([...sources], { placeholder: config.placeholder });
}
