import type { SourceFile } from '../model/types.js';
import { expandInputs } from './glob.js';
import { readSources } from './read-sources.js';
import type { ResolvedConfig } from './resolve-config.js';

/** The input files of a configuration, expanded and read in migration order. */
export async function loadSources(resolved: ResolvedConfig, cwd: string): Promise<SourceFile[]> {
  return readSources(await expandInputs(resolved.config.input, resolved.inputBase), cwd);
}
