import { readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPipeline, type PipelineResult } from '../../../generator/cli/pipeline.js';
import { loadSources } from '../../../generator/cli/load-sources.js';
import { resolveConfig } from '../../../generator/cli/resolve-config.js';
import { includeFilter } from '../../../generator/analyze/include-filter.js';
import type { GeneratorConfig } from '../../../generator/config/schema.js';
import type { Diagnostic, Procedure, SourceFile } from '../../../generator/model/types.js';

export const corpusRoot = dirname(fileURLToPath(import.meta.url));
const runtimeModule = join(corpusRoot, '..', '..', '..', 'generator', 'runtime', 'index.js');

/** Project folders: each holds a config.json and its migration history. */
export function corpusProjects(): string[] {
  return readdirSync(corpusRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(corpusRoot, entry.name, 'config.json')))
    .map((entry) => entry.name)
    .sort();
}

export interface CorpusRun {
  config: GeneratorConfig;
  sources: SourceFile[];
  result: PipelineResult;
  /** Every routine `include` takes and not generated, with the diagnostics that say why (none: no reason given). */
  leftOut: { procedure: Procedure; reasons: Diagnostic[] }[];
}

/** What `generate` does with the project's config, in memory; the output imports the runtime by absolute path. */
export async function runProject(project: string): Promise<CorpusRun> {
  const folder = join(corpusRoot, project);
  const resolved = await resolveConfig({ config: join(folder, 'config.json') }, folder);
  const config = { ...resolved.config, runtimeImport: runtimeModule };
  const sources = await loadSources(resolved, folder);
  const result = await runPipeline(sources, config);
  const generated = new Set(result.program.procedures.map((procedure) => locationKey(procedure.location)));
  const isIncluded = includeFilter(config.include);
  const leftOut = result.model.procedures
    .filter((procedure) => isIncluded(procedure.name) && !generated.has(locationKey(procedure.location)))
    .map((procedure) => ({ procedure, reasons: reasonsFor(procedure, result.diagnostics) }));
  return { config, sources, result, leftOut };
}

function locationKey(location: { file: string; line: number; column: number }): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** Diagnostics at the routine's own statement, or naming it (an annotation's problem points at the annotation). */
function reasonsFor(procedure: Procedure, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const key = locationKey(procedure.location);
  const named = new RegExp(`(^|[.\\s])${procedure.name}[(:]`);
  return diagnostics.filter((diagnostic) => locationKey(diagnostic.location) === key || named.test(diagnostic.message));
}

/** A reason in a few words: the diagnostic's code, and for `left-out` what kind of routine it is. */
export function reasonLabel(diagnostic: Diagnostic): string {
  if (diagnostic.code !== 'left-out') return diagnostic.code;
  const kind = /has no client method: ([^:]+)/.exec(diagnostic.message)?.[1] ?? 'left-out';
  return `left-out: ${kind}`;
}
