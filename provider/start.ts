/**
 * `npm start`: (after `npm run generate`, which the npm script runs first) starts an embedded PostgreSQL unless
 * DATABASE_URL is set, installs the procedures into a schema, drives one orchestration end to end through the
 * provider and prints what the store then holds.
 *
 *   npm start -- --schema "Tenant A" --keep
 */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import pg from 'pg';
import { connectionFromEnvironment } from '../test/support/embedded-postgres.js';
import { runOrderOrchestration } from './demo/order-orchestration.js';
import { PostgresProvider } from './postgres-provider.js';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';

const options = new Command()
  .name('npm start --')
  .description('Run one orchestration end to end on the PostgreSQL provider and show the stored result.')
  .option('--schema <name>', 'schema to install into (any name; it is quoted)', process.env.PGSP_SCHEMA ?? 'public')
  .option('--keep', 'keep the schema when it was created by this run (DATABASE_URL only)', false)
  .parse()
  .opts<{ schema: string; keep: boolean }>();

const server = await connectionFromEnvironment();
const pool = new pg.Pool({ connectionString: server.connectionString });
// Idle connections are closed by the server when an embedded one stops; that is not an error worth a crash.
pool.on('error', () => {});
const quotedSchema = quoteIdentifier(options.schema);

try {
  const existed = (await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [options.schema])).rowCount! > 0;
  const provider = await PostgresProvider.create({ pool, schema: options.schema, lockTimeoutMs: 5_000 });
  const where = process.env.DATABASE_URL ? 'DATABASE_URL' : 'an embedded PostgreSQL';
  console.log(`Provider ready: schema ${quotedSchema} on ${where}.\n`);

  const instance = `order-${randomUUID().slice(0, 8)}`;
  await runOrderOrchestration(provider, instance, (step) => console.log(`  ${step.title.padEnd(7)} ${step.detail}`));

  const info = await provider.getInstanceInfo(instance);
  console.log(`\nInstance ${info.instanceId}`);
  console.log(`  orchestration  ${info.orchestrationName} ${info.orchestrationVersion}`);
  console.log(`  status         ${info.status}, output ${info.output}`);
  console.log(`  execution      ${info.currentExecutionId} (created ${new Date(info.createdAt).toISOString()})`);

  for (const executionId of await provider.listExecutions(instance)) {
    const execution = await provider.getExecutionInfo(instance, executionId);
    console.log(
      `\nExecution ${executionId}: ${execution.status}, ${execution.eventCount} events, output ${execution.output}`,
    );
    for (const event of await provider.readExecution(instance, executionId)) {
      const [kind, body] = Object.entries(event)[0] as [string, unknown];
      const { event_id: eventId, ...fields } = body as { event_id: number };
      console.log(`  ${String(eventId).padStart(2)} ${kind.padEnd(28)} ${JSON.stringify(fields)}`);
    }
  }

  const metrics = await provider.getSystemMetrics();
  const depths = await provider.getQueueDepths();
  console.log('\nSystem metrics');
  for (const [name, value] of Object.entries({ ...metrics, ...depths })) console.log(`  ${name.padEnd(20)} ${value}`);

  await provider.close();
  if (process.env.DATABASE_URL && !existed && !options.keep && options.schema !== 'public') {
    await pool.query(`DROP SCHEMA ${quotedSchema} CASCADE`);
    console.log(`\nDropped schema ${quotedSchema}, which this run created (--keep keeps it).`);
  }
} finally {
  await pool.end();
  await server.stop();
}
