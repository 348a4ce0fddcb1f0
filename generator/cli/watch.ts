import { watch as watchFolder, type FSWatcher } from 'node:fs';
import type { ConsoleOutput } from './console-output.js';
import { generateOnce } from './generate-once.js';
import { splitPattern } from './glob.js';
import { loadSources } from './load-sources.js';
import type { PipelineOptions } from './pipeline.js';
import type { ResolvedConfig } from './resolve-config.js';

const debounceMs = 100;

export interface Watching {
  close(): void;
}

/** The folders to watch: each pattern's literal leading folder, recursively when its wildcards span folders. */
function watchTargets(resolved: ResolvedConfig): Map<string, boolean> {
  const targets = new Map<string, boolean>();
  for (const pattern of resolved.config.input) {
    const { base, recursive } = splitPattern(pattern, resolved.inputBase);
    targets.set(base, (targets.get(base) ?? false) || recursive);
  }
  return targets;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Generates, then regenerates ~100 ms after the last change in an input folder. Errors are printed and watching
 * goes on. A change that leaves the inputs as they were (an editor's temporary file, the output folder lying next
 * to the inputs) does not regenerate.
 */
export async function watchAndGenerate(
  resolved: ResolvedConfig,
  cwd: string,
  io: ConsoleOutput,
  options: PipelineOptions = {},
): Promise<Watching> {
  let lastInputs: string | null = null;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const regenerate = async (): Promise<void> => {
    try {
      const sources = await loadSources(resolved, cwd);
      const inputs = JSON.stringify(sources);
      if (inputs === lastInputs) return;
      lastInputs = inputs;
      const code = await generateOnce(sources, resolved, 'write', cwd, io, options);
      io.err(`[${new Date().toLocaleTimeString()}] ${code === 0 ? 'generated' : 'failed'}; watching for changes`);
    } catch (error) {
      // An input that cannot be read now (deleted mid-save, a glob matching nothing) may be back a moment later.
      lastInputs = null;
      io.err(`error: ${errorMessage(error)}`);
      io.err(`[${new Date().toLocaleTimeString()}] failed; watching for changes`);
    }
  };
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(regenerate);
    }, debounceMs);
  };

  const watchers: FSWatcher[] = [];
  for (const [folder, recursive] of watchTargets(resolved)) {
    const watcher = watchFolder(folder, { recursive }, schedule);
    watcher.on('error', (error) => io.err(`error: watching ${folder}: ${errorMessage(error)}`));
    watchers.push(watcher);
  }
  running = running.then(regenerate);
  await running;
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
