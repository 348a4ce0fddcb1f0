import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { SourceFile } from '../model/types.js';

/** Reads the files in order; each keeps a path relative to `cwd` (what diagnostics print) when it lies below it. */
export async function readSources(paths: readonly string[], cwd: string): Promise<SourceFile[]> {
  return Promise.all(
    paths.map(async (path) => {
      const shown = relative(cwd, path);
      return { path: shown.startsWith('..') ? path : shown, text: await readFile(path, 'utf8') };
    }),
  );
}
