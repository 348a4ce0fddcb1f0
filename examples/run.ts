/** `npm run example -- <hello-world | fan-out-fan-in | human-approval | eternal>`: runs one example on its own schema. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { connectionFromEnvironment } from '../test/support/embedded-postgres.js';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { PostgresProvider } from '../provider/postgres-provider.js';
import type { RuntimeProvider } from '../orchestration/index.js';

const examples: Record<string, () => Promise<{ main: (provider: RuntimeProvider) => Promise<unknown> }>> = {
  'hello-world': () => import('./hello-world.js'),
  'fan-out-fan-in': () => import('./fan-out-fan-in.js'),
  'human-approval': () => import('./human-approval.js'),
  eternal: () => import('./eternal.js'),
};

const name = process.argv[2] ?? '';
if (!(name in examples)) {
  console.error(`usage: npm run example -- <${Object.keys(examples).join(' | ')}>`);
  process.exit(2);
}
const server = await connectionFromEnvironment();
const pool = new pg.Pool({ connectionString: server.connectionString });
pool.on('error', () => {});
const schema = `example_${randomUUID().slice(0, 8)}`;
try {
  const provider = await PostgresProvider.create({ pool, schema });
  const { main } = await examples[name]!();
  console.log(JSON.stringify(await main(provider), null, 2));
  await pool.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
} finally {
  await pool.end();
  await server.stop();
}
