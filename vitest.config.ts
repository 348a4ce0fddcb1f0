import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    // Test files spend much of their time waiting for PostgreSQL, which runs in its own processes: one worker per
    // core keeps the cores busy (vitest's default, cores - 1, is a single worker on a 2-core machine).
    maxWorkers: availableParallelism(),
  },
});
