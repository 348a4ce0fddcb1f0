import { Command, CommanderError } from 'commander';
import pg from 'pg';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { grantApplicationRole } from './grant-application-role.js';
import { migrate } from './run-migrations.js';

export interface CommandIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * `npm run grant -- --role <role> [--schema <name>] [--migrate]`: gives an existing role exactly what the provider
 * needs in one tenant schema (see `grant-application-role.ts`), connected through DATABASE_URL as the schema's owner.
 * Returns the exit code: 0 done, 1 refused or failed, 2 bad usage.
 */
export async function runGrantCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = new Command()
    .name('npm run grant --')
    .description('Give an application role USAGE on a tenant schema and EXECUTE on its operations, and nothing else.')
    .requiredOption('--role <role>', 'the application role (it must exist)')
    .option('--schema <name>', 'the tenant schema (any name; it is quoted)', io.env.PGSP_SCHEMA ?? 'public')
    .option('--migrate', 'apply pending migrations first', false)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const options = command.opts<{ role: string; schema: string; migrate: boolean }>();
  const connectionString = io.env.DATABASE_URL;
  if (!connectionString) {
    io.err('Set DATABASE_URL to the database, connecting as the owner of the schema (the role that migrates it).');
    return 2;
  }

  const pool = new pg.Pool({ connectionString, max: 1 });
  // A connection the server closes while idle must not end the process with an unhandled 'error'.
  pool.on('error', () => {});
  try {
    const report = options.migrate
      ? (await migrate(pool, { schema: options.schema, appRole: options.role })).grants!
      : await grantApplicationRole(pool, { schema: options.schema, role: options.role });
    io.out(
      `Role ${quoteIdentifier(report.role)}: USAGE on schema ${quoteIdentifier(report.schema)}, ` +
        `EXECUTE on ${report.functions.length} operations, nothing else in it.`,
    );
    for (const signature of report.functions) io.out(`  ${signature}`);
    return 0;
  } catch (error) {
    io.err((error as Error).message);
    return 1;
  } finally {
    await pool.end();
  }
}
