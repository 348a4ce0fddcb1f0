import { performance } from 'node:perf_hooks';
import { analyze } from '../../generator/analyze/index.js';
import { loadSources } from '../../generator/cli/load-sources.js';
import { runPipeline } from '../../generator/cli/pipeline.js';
import { resolveConfig } from '../../generator/cli/resolve-config.js';
import type { GeneratorConfig } from '../../generator/config/schema.js';
import { emit } from '../../generator/emit/index.js';
import { fingerprintSources } from '../../generator/runtime/schema-sources.js';
import type { SourceFile } from '../../generator/model/types.js';
import { parseSources } from '../../generator/parse/index.js';
import { renderProcedure, syntheticSpecs } from '../../test/generator/property/procedure-spec.js';
import { formatMs, median, timeRuns } from './measure.js';

export interface GenerationFigures {
  label: string;
  procedures: number;
  outputBytes: number;
  firstRunMs: number;
  medianMs: number;
  /** One more run, stage by stage. */
  stagesMs: { parse: number; analyze: number; emit: number };
}

async function timeStages(sources: SourceFile[], config: GeneratorConfig): Promise<GenerationFigures['stagesMs']> {
  let start = performance.now();
  const { model } = parseSources(sources, { placeholder: config.placeholder });
  const parse = performance.now() - start;
  start = performance.now();
  const { program } = analyze(model, config);
  const analyzeMs = performance.now() - start;
  start = performance.now();
  await emit(program, { fingerprint: fingerprintSources(sources) });
  return { parse, analyze: analyzeMs, emit: performance.now() - start };
}

async function measure(
  label: string,
  sources: SourceFile[],
  config: GeneratorConfig,
  runs: number,
): Promise<GenerationFigures> {
  const start = performance.now();
  const first = await runPipeline(sources, config);
  const firstRunMs = performance.now() - start;
  if (!first.files) {
    const errors = first.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    throw new Error(`${label}: generation failed: ${errors.map((error) => error.message).join('; ')}`);
  }
  const times = await timeRuns(() => runPipeline(sources, config), runs, 0);
  return {
    label,
    procedures: first.model.procedures.length,
    outputBytes: first.files.reduce((total, file) => total + Buffer.byteLength(file.text), 0),
    firstRunMs,
    medianMs: median(times),
    stagesMs: await timeStages(sources, config),
  };
}

/** parse + analyze + emit + format, in memory, for `procedures/` and for 1,000 synthetic procedures. */
export async function benchGeneration(repositoryRoot: string): Promise<GenerationFigures[]> {
  const resolved = await resolveConfig({ config: 'pg-sproc-gen.config.json' }, repositoryRoot);
  const ours = await loadSources(resolved, repositoryRoot);
  const synthetic: SourceFile[] = [
    {
      path: 'synthetic/0001_synthetic.sql',
      text: syntheticSpecs(1000)
        .map((spec) => renderProcedure(spec))
        .join('\n'),
    },
  ];
  return [
    await measure('procedures/', ours, resolved.config, 5),
    await measure('1,000 synthetic', synthetic, resolved.config, 3),
  ];
}

export function printGeneration(figures: readonly GenerationFigures[]): void {
  console.log('Generation (parse + analyze + emit + prettier, in memory)');
  for (const figure of figures) {
    console.log(
      `  ${figure.label.padEnd(16)} ${String(figure.procedures).padStart(5)} procedures, ` +
        `${(figure.outputBytes / 1024).toFixed(0).padStart(5)} KB out: first run ${formatMs(figure.firstRunMs)}, ` +
        `median of later runs ${formatMs(figure.medianMs)}`,
    );
    const { parse, analyze: analyzeMs, emit: emitMs } = figure.stagesMs;
    console.log(
      `  ${''.padEnd(16)} stages: parse ${formatMs(parse)}, analyze ${formatMs(analyzeMs)}, ` +
        `emit + prettier ${formatMs(emitMs)}`,
    );
  }
  const synthetic = figures.find((figure) => figure.label.startsWith('1,000'));
  if (synthetic) {
    const verdict = synthetic.firstRunMs < 3000 ? 'meets' : 'MISSES';
    console.log(`  goal: 1,000 procedures < 3 s (first run, cold) — ${verdict} the goal`);
  }
}
