// A project that installed pg-sproc-gen: it applies its SQL to a schema of its own, calls every routine through the
// generated client and prints what came back as one JSON line. src/db/ is written by `pg-sproc-gen generate`.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { substituteSchema } from 'pg-sproc-gen/schema-sources';
import { createClient, isProcedureError } from './db/procedures.js';

const schema = process.env['CONSUMER_SCHEMA'] ?? 'consumer';
const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 1 });
pool.on('error', (error) => console.error(error));
try {
  await pool.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  await pool.query(substituteSchema(await readFile('sql/001_orders.sql', 'utf8'), '{schema}', schema));
  const db = createClient(pool, { schema });
  const sum = await db.addNumbers({ a: 2, b: 40 });
  const first = await db.placeOrder({ customer: 'ada', total: '12.50' });
  let refused: string | null = null;
  try {
    await db.placeOrder({ customer: 'ada', total: '0' });
  } catch (error) {
    if (!isProcedureError(error, 'placeOrder', 'OR001')) throw error;
    refused = error.sqlstate;
  }
  const orders = await db.listOrders({ customer: 'ada' });
  const shown = orders.map(({ placedAt, ...order }) => ({ ...order, placedAtIsDate: placedAt instanceof Date }));
  console.log(JSON.stringify({ sum, first, refused, orders: shown }));
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await pool.end();
}
