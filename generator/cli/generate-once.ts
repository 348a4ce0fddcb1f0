import { relative } from 'node:path';
import type { SourceFile } from '../model/types.js';
import type { ConsoleOutput } from './console-output.js';
import { formatDiagnostic, hasErrors } from './format-diagnostic.js';
import { applyPlan, isUpToDate, planOutput, type OutputPlan } from './output-files.js';
import { describeRoutines, runPipeline, type PipelineOptions } from './pipeline.js';
import type { ResolvedConfig } from './resolve-config.js';

export type GenerateMode = 'write' | 'check';

function shownPath(path: string, cwd: string): string {
  const shown = relative(cwd, path);
  return shown === '' ? '.' : shown.startsWith('..') ? path : shown;
}

function describeChanges(plan: OutputPlan, cwd: string): string[] {
  return [
    ...plan.write.map((file) => `  ${file.exists ? 'differs' : 'missing'}: ${shownPath(file.path, cwd)}`),
    ...plan.remove.map((path) => `  no longer generated: ${shownPath(path, cwd)}`),
  ];
}

/**
 * One generation from already-read sources: prints diagnostics, then writes the output folder (`write`) or compares
 * it with what would be written (`check`). Returns the exit code.
 */
export async function generateOnce(
  sources: readonly SourceFile[],
  resolved: ResolvedConfig,
  mode: GenerateMode,
  cwd: string,
  io: ConsoleOutput,
  options: PipelineOptions = {},
): Promise<number> {
  const result = await runPipeline(sources, resolved.config, options);
  const { diagnostics, files } = result;
  for (const diagnostic of diagnostics) io.err(formatDiagnostic(diagnostic, sources));
  if (files === null || hasErrors(diagnostics)) {
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
    io.err(`${errors} error${errors === 1 ? '' : 's'}; nothing written`);
    return 1;
  }
  const routines = describeRoutines(result.routines);
  const folder = `${shownPath(resolved.outputDir, cwd)}/`;
  const plan = await planOutput(files, resolved.outputDir);
  if (mode === 'check') {
    if (isUpToDate(plan)) {
      io.out(`${folder} is up to date (${routines})`);
      return 0;
    }
    io.err(`${folder} is stale; run the generator to update it:`);
    for (const line of describeChanges(plan, cwd)) io.err(line);
    return 1;
  }
  await applyPlan(plan);
  const changes = `${plan.write.length} written, ${plan.remove.length} removed, ${plan.unchanged.length} unchanged`;
  io.out(`${routines} → ${folder} (${changes})`);
  return 0;
}
