import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// `pg-sproc-gen/runtime` and `pg-sproc-gen/schema-sources` resolve to the TypeScript sources in this repository, as
// tsconfig.json's `paths` map them for tsc and tsx; the package's `exports` (compiled JavaScript) are for projects that
// install it. One map, read from tsconfig.json, so the three cannot disagree.
const { compilerOptions } = JSON.parse(readFileSync(resolve(import.meta.dirname, 'tsconfig.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, [string]> };
};
const alias = Object.entries(compilerOptions.paths).map(([name, [target]]) => ({
  find: new RegExp(`^${name.replaceAll('/', '\\/')}$`),
  replacement: resolve(import.meta.dirname, target),
}));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    // Test files spend much of their time waiting for PostgreSQL, which runs in its own processes: one worker per
    // core keeps the cores busy (vitest's default, cores - 1, is a single worker on a 2-core machine).
    maxWorkers: availableParallelism(),
    // Files of one worker share their modules instead of loading them again: the generator's tests each import the
    // TypeScript compiler, ts-morph and prettier, and loading those per file was most of the suite's CPU time (76 s →
    // 52 s wall here). Every file sets up its own schemas, clocks and pools, so no state carries over between them.
    isolate: false,
  },
});
