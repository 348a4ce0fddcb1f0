import { CommanderError } from 'commander';
import type { ConsoleOutput } from './console-output.js';
import { createProgram } from './program.js';

/**
 * Runs one `pg-sproc-gen` command line (the arguments after the program name) and resolves to its exit code, usage
 * errors included; `watching` says the process must stay up for `--watch`. The bin and in-process tests share it.
 */
export async function runProgram(
  args: string[],
  cwd: string,
  io: ConsoleOutput,
): Promise<{ code: number; watching: boolean }> {
  const { program, exitCode, isWatching } = createProgram(cwd, io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: exitCode(), watching: isWatching() };
  } catch (error) {
    // Usage errors and --help/--version arrive here through exitOverride, already printed by commander.
    if (!(error instanceof CommanderError)) throw error;
    return { code: error.exitCode, watching: false };
  }
}
