import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { substituteSchema } from '../../../generator/runtime/schema-sources.js';
import * as shapes from '../golden/shapes/expected.js';
import { caseInput } from '../golden/golden-case.js';
import { roundTripSuite } from './round-trip-suite.js';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';

let pool: pg.Pool;
const schemas: string[] = [];

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 4 });
  pool.on('error', () => {});
});

afterAll(async () => {
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await pool.query('DROP FUNCTION IF EXISTS public.sp_public_version()');
  await pool.query('DROP SCHEMA IF EXISTS rt_app, rt_audit CASCADE');
  await pool.end();
});

async function install(caseName: string): Promise<{ db: pg.Pool; schema: string }> {
  // Mixed case and a space: the generated client must quote the schema everywhere.
  const schema = `Round Trip ${caseName} ${randomUUID().slice(0, 8)}`;
  schemas.push(schema);
  await pool.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  await pool.query(substituteSchema(caseInput(caseName), '{schema}', schema));
  return { db: pool, schema };
}

describe('generated clients on PostgreSQL through a pg Pool', () => {
  roundTripSuite(install);

  it('works through a PoolClient inside a transaction and through a Client', async () => {
    const { schema } = await install('shapes');
    const connection = await pool.connect();
    try {
      await connection.query('BEGIN');
      const client = shapes.createClient(connection, { schema });
      expect(await client.add({ a: 1, b: 1 })).toBe(2);
      await expect(client.divide({ a: 1, b: 0 })).rejects.toMatchObject({ sqlstate: '22012' });
      await connection.query('ROLLBACK');
    } finally {
      connection.release();
    }
    const single = new pg.Client({ connectionString: inject('databaseUrl') });
    single.on('error', () => {});
    await single.connect();
    try {
      expect(await shapes.createClient(single, { schema }).double({ a: 4 })).toBe(8);
    } finally {
      await single.end();
    }
  });
});
