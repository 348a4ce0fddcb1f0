/**
 * `npm start`: installs the procedures into a schema of DATABASE_URL's server (or of an embedded PostgreSQL started
 * for the run) and lists them with their signatures.
 *
 *   npm start -- --schema "Tenant A"
 */
import { Command } from 'commander';
import pg from 'pg';
import { connectionFromEnvironment } from '../generator/database/embedded-postgres.js';
import { migrate } from './migrations/run-migrations.js';

const options = new Command()
  .name('npm start --')
  .description('Install the stored procedures into a schema and list them.')
  .option('--schema <name>', 'target schema (any name; it is quoted)', process.env.PGSP_SCHEMA ?? 'public')
  .parse()
  .opts<{ schema: string }>();

const server = await connectionFromEnvironment();
const pool = new pg.Pool({ connectionString: server.connectionString });
try {
  const report = await migrate(pool, { schema: options.schema });
  const where = process.env.DATABASE_URL ? 'DATABASE_URL' : 'an embedded PostgreSQL';
  console.log(`Schema ${pg.escapeIdentifier(options.schema)} on ${where}: ` +
    `${report.applied.length} migration(s) applied, ${report.skipped} already present.`);
  for (const file of report.applied) console.log(`  applied ${file.name}  sha256 ${file.checksum.slice(0, 12)}`);

  const procedures = await pool.query<{ name: string; args: string; result: string }>(
    `SELECT p.proname AS name, pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.proname LIKE 'sp\\_%'
      ORDER BY p.proname`,
    [options.schema],
  );
  const fingerprint = await pool.query<{ value: string }>(
    `SELECT ${pg.escapeIdentifier(options.schema)}.sp_procedure_fingerprint() AS value`,
  );
  console.log(`\n${procedures.rows.length} procedures (fingerprint ${fingerprint.rows[0]?.value.slice(0, 12)}):`);
  for (const proc of procedures.rows) console.log(`  ${proc.name}(${proc.args})\n      → ${proc.result}`);
} finally {
  await pool.end();
  await server.stop();
}
