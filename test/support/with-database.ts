/**
 * Runs a command with `DATABASE_URL` pointing at a PostgreSQL: the one already in `DATABASE_URL`, else an embedded
 * server started for the command and removed afterwards. It is how this repository's scripts give `pg-sproc-gen verify`
 * a server without the generator depending on the embedded one. Usage: `tsx test/support/with-database.ts cmd args…`.
 */
import { spawn } from 'node:child_process';
import { connectionFromEnvironment } from './embedded-postgres.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-database <command> [args...]');
  process.exit(2);
}
const server = await connectionFromEnvironment();
const exitCode = await new Promise<number>((resolve) => {
  const child = spawn(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: server.connectionString },
  });
  child.once('error', (error) => {
    console.error(`${command}: ${error.message}`);
    resolve(127);
  });
  child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
await server.stop();
// Not process.exitCode: embedded-postgres's exit hook ends the process with 0 on `beforeExit`, overriding it.
process.exit(exitCode);
