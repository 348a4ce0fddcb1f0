/**
 * `npm start`: starts an embedded PostgreSQL unless DATABASE_URL is set, installs the provider into a schema, runs
 * the order orchestration with the runtime (activity retries, a timer, an external event raised by the client, a
 * sub-orchestration, continue-as-new), printing progress as it happens, then the instance tree and every history.
 *
 *   npm start -- --schema "Tenant A" --keep
 */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import pg from 'pg';
import { connectionFromEnvironment } from '../../test/support/embedded-postgres.js';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { Client } from '../client.js';
import { runOrder } from './run-order.js';

const options = new Command()
  .name('npm start --')
  .description('Run a durable order orchestration on the PostgreSQL provider and show what the store holds.')
  .option('--schema <name>', 'schema to install into (any name; it is quoted)', process.env.PGSP_SCHEMA ?? 'public')
  .option('--keep', 'keep the schema when it was created by this run (DATABASE_URL only)', false)
  .parse()
  .opts<{ schema: string; keep: boolean }>();

const server = await connectionFromEnvironment();
const pool = new pg.Pool({ connectionString: server.connectionString });
// Idle connections are closed by the server when an embedded one stops; that is not an error worth a crash.
pool.on('error', () => {});
try {
  const existed = (await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [options.schema])).rowCount! > 0;
  const provider = await PostgresProvider.create({ pool, schema: options.schema, lockTimeoutMs: 5_000 });
  console.log(`Provider ready: schema ${quoteIdentifier(options.schema)}.\n`);
  const instance = `order-${randomUUID().slice(0, 8)}`;
  await runOrder(provider, instance, (line) => console.log(line));

  const client = new Client(provider);
  const tree = await client.getInstanceTree(instance);
  console.log(`\nInstance tree (${tree.size}): ${tree.allIds.join(' → ')}`);
  for (const id of tree.allIds) {
    for (const executionId of await client.listExecutions(id)) {
      const execution = await client.getExecutionInfo(id, executionId);
      console.log(`\n${id} execution ${executionId}: ${execution.status}, output ${execution.output}`);
      for (const event of await client.readExecutionHistory(id, executionId)) {
        const [kind, body] = Object.entries(event)[0] as [string, { event_id: number }];
        const { event_id: eventId, ...fields } = body;
        console.log(`  ${String(eventId).padStart(2)} ${kind.padEnd(28)} ${JSON.stringify(fields)}`);
      }
    }
  }
  await provider.close();
  if (process.env.DATABASE_URL && !existed && !options.keep && options.schema !== 'public') {
    await pool.query(`DROP SCHEMA ${quoteIdentifier(options.schema)} CASCADE`);
  }
} finally {
  await pool.end();
  await server.stop();
}
