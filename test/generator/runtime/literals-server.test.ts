import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  formatArrayLiteral,
  formatRecordLiteral,
  parseArrayLiteral,
  parseRecordLiteral,
} from '../../../generator/runtime/index.js';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';

let pool: pg.Pool;
const schema = quoteIdentifier(`literals_${randomUUID().slice(0, 8)}`);
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
  pool.on('error', () => {});
  await pool.query(`CREATE SCHEMA ${schema}; CREATE TYPE ${schema}.pair AS (a text, b text)`);
});
afterAll(async () => {
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
});

// Any text PostgreSQL can store (no NUL), with the characters that need quoting made likely.
const storable = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('"', '\\', ',', '{', '}', '(', ')', ' ', 'N'),
      fc.string({ minLength: 1, maxLength: 1 }),
      fc.constantFrom('é', '😀'),
    ),
  })
  .map((text) => text.replaceAll('\0', ''));

describe('array and composite literals agree with the server', () => {
  it('an array formatted here reads back unchanged after the server parses and prints it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(storable, { nil: null }), { maxLength: 6 }), async (items) => {
        const { rows } = await pool.query('SELECT ($1::text[])::text AS value', [formatArrayLiteral(items)]);
        expect(parseArrayLiteral(rows[0].value)).toEqual(items);
      }),
      { numRuns: 60 },
    );
  });

  it('a composite formatted here reads back unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(storable, { nil: null }), fc.option(storable, { nil: null }), async (a, b) => {
        const { rows } = await pool.query(
          `SELECT $1::${schema}.pair AS sent, ROW($2::text, $3::text)::text AS printed`,
          [formatRecordLiteral([a, b]), a, b],
        );
        expect(parseRecordLiteral(rows[0].sent)).toEqual([a, b]);
        expect(parseRecordLiteral(rows[0].printed)).toEqual([a, b]);
      }),
      { numRuns: 60 },
    );
  });
});
