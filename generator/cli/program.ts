import { Command, Option } from 'commander';
import type { ConsoleOutput } from './console-output.js';
import type { GenerateFlags } from './generate-command.js';
import type { InitFlags } from './init-command.js';
import { defaultConfigFileName } from './resolve-config.js';
import type { VerifyFlags } from './verify-command.js';

/** Flags both commands share: where the configuration comes from and what overrides it. */
function addConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', `config file (default: ${defaultConfigFileName} in the working folder, if present)`)
    .option('-i, --input <globs...>', 'input SQL files or globs, applied in this order')
    .option('-o, --output <dir>', 'output folder for the generated TypeScript')
    .option('--include <regex>', 'which functions to take: a regular expression on the name, or "*" for all')
    .option('--placeholder <text>', 'text that stands for the tenant schema in the SQL')
    .option('-v, --variable <name=value...>', 'value of a psql variable the SQL uses (:name), as psql -v sets it')
    .option('--strict', 'fail, writing nothing, when any routine must be left out')
    .addOption(new Option('--int8 <mode>', 'how int8 decodes').choices(['number', 'bigint']));
}

/**
 * The `pg-sproc-gen` command line. Each action stores its exit code in `exitCode`; after `--watch` the process
 * must keep running on its watchers. Each command's module is loaded only when that command runs: start-up time is
 * mostly module loading, and `verify` needs `pg` while `generate` needs the TypeScript compiler.
 */
export function createProgram(
  cwd: string,
  io: ConsoleOutput,
): { program: Command; exitCode: () => number; isWatching: () => boolean } {
  let exitCode = 0;
  let watching = false;
  const fail = (error: unknown): void => {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
  };
  const program = new Command('pg-sproc-gen')
    .description('Typed TypeScript wrappers and row decoders for PostgreSQL functions')
    .showHelpAfterError()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .exitOverride();

  addConfigOptions(program.command('generate').description('generate TypeScript from the SQL files'))
    .addOption(new Option('--check', 'compare with the output folder instead of writing; exit 1 when stale'))
    .addOption(new Option('--watch', 'regenerate when an input file changes').conflicts(['check']))
    .addOption(new Option('--print-model', 'print the parsed model as JSON on stdout').conflicts(['check', 'watch']))
    .option('--catalog <url>', 'read view columns only a server can type from this database (the files applied)')
    .action(async (flags: GenerateFlags) => {
      try {
        const { generateCommand } = await import('./generate-command.js');
        const result = await generateCommand(flags, cwd, io);
        if (typeof result === 'number') exitCode = result;
        else watching = true;
      } catch (error) {
        fail(error);
      }
    });

  addConfigOptions(
    program.command('verify').description('apply the SQL to PostgreSQL and compare pg_proc with the model'),
  )
    .option('--database-url <url>', 'PostgreSQL to use (default: DATABASE_URL, else an embedded server)')
    .action(async (flags: VerifyFlags) => {
      try {
        const { verifyCommand } = await import('./verify-command.js');
        exitCode = await verifyCommand(flags, cwd, io);
      } catch (error) {
        fail(error);
      }
    });

  program
    .command('init')
    .description(`write a starter ${defaultConfigFileName} in the working folder`)
    .option('-i, --input <globs...>', 'input SQL files or globs', ['sql/**/*.sql'])
    .option('-o, --output <dir>', 'output folder for the generated TypeScript', 'src/db')
    .option('--include <regex>', 'which functions to take: a regular expression on the name, or "*" for all', '*')
    .option('--force', 'replace an existing config file')
    .action(async (flags: InitFlags) => {
      try {
        const { initCommand } = await import('./init-command.js');
        exitCode = await initCommand(flags, cwd, io);
      } catch (error) {
        fail(error);
      }
    });

  return { program, exitCode: () => exitCode, isWatching: () => watching };
}
