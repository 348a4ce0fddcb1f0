import { CommanderError } from 'commander';
import { processOutput } from './console-output.js';
import { createProgram } from './program.js';

const { program, exitCode } = createProgram(process.cwd(), processOutput);
try {
  await program.parseAsync(process.argv);
  process.exitCode = exitCode();
} catch (error) {
  // Usage errors and --help/--version arrive here through exitOverride, already printed by commander.
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode;
}
