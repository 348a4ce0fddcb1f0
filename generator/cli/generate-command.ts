import type { ConsoleOutput } from './console-output.js';
import { formatDiagnostic, hasErrors } from './format-diagnostic.js';
import { generateOnce } from './generate-once.js';
import { loadSources } from './load-sources.js';
import { parseModel } from './pipeline.js';
import { resolveConfig, type ConfigFlags } from './resolve-config.js';
import { watchAndGenerate, type Watching } from './watch.js';

export interface GenerateFlags extends ConfigFlags {
  check?: boolean;
  watch?: boolean;
  printModel?: boolean;
  catalog?: string;
}

/**
 * `generate`: returns the exit code, or the running watcher for `--watch` (which never exits by itself).
 * `--print-model` prints the parse model as JSON on stdout and writes nothing. `--catalog <url>` reads the view
 * columns only a server can type from a database where the files are applied.
 */
export async function generateCommand(
  flags: GenerateFlags,
  cwd: string,
  io: ConsoleOutput,
): Promise<number | Watching> {
  const resolved = await resolveConfig(flags, cwd);
  const options = { catalogUrl: flags.catalog };
  if (flags.watch) return watchAndGenerate(resolved, cwd, io, options);
  const sources = await loadSources(resolved, cwd);
  if (flags.printModel) {
    const { model, diagnostics } = await parseModel(sources, resolved.config, options);
    for (const diagnostic of diagnostics) io.err(formatDiagnostic(diagnostic, sources));
    io.out(JSON.stringify(model, null, 2));
    return hasErrors(diagnostics) ? 1 : 0;
  }
  return generateOnce(sources, resolved, flags.check ? 'check' : 'write', cwd, io, options);
}
