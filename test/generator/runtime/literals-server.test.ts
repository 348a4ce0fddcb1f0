import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  formatArrayLiteral,
  formatMultirangeLiteral,
  formatRangeLiteral,
  formatRecordLiteral,
  parseArrayLiteral,
  parseMultirangeLiteral,
  parseRangeLiteral,
  parseRecordLiteral,
} from '../../../generator/runtime/index.js';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';

let pool: pg.Pool;
const schema = quoteIdentifier(`literals_${randomUUID().slice(0, 8)}`);
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
  pool.on('error', () => {});
  await pool.query(
    `CREATE SCHEMA ${schema}; CREATE TYPE ${schema}.pair AS (a text, b text);
     CREATE TYPE ${schema}.textrange AS RANGE (subtype = text, collation = "C")`,
  );
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

describe('range and multirange literals agree with the server', () => {
  // Two optional texts in the server's order (NULL is unbounded), so they make a valid range.
  const ordered = `SELECT CASE WHEN $1::text IS NULL OR $2::text IS NULL OR $1::text <= $2::text THEN $1::text ELSE $2::text END AS lo,
                          CASE WHEN $1::text IS NULL OR $2::text IS NULL OR $1::text <= $2::text THEN $2::text ELSE $1::text END AS hi`;
  const bounds = fc.tuple(fc.option(storable, { nil: null }), fc.option(storable, { nil: null }), fc.boolean());

  it('a range the server prints parses to its bounds', async () => {
    await fc.assert(
      fc.asyncProperty(bounds, async ([a, b, inclusive]) => {
        const { rows } = await pool.query(
          `WITH b AS (${ordered})
           SELECT lo, hi, ${schema}.textrange(lo, hi, $3)::text AS printed,
                  multirange(${schema}.textrange(lo, hi, $3))::text AS multi FROM b`,
          [a, b, inclusive ? '[]' : '()'],
        );
        const { lo, hi, printed, multi } = rows[0] as Record<string, string | null>;
        const parsed = parseRangeLiteral(printed!);
        if (parsed.empty) {
          expect(lo === hi && !inclusive).toBe(true);
          expect(parseMultirangeLiteral(multi!)).toEqual([]);
          return;
        }
        expect(parsed).toEqual({
          empty: false,
          lower: lo,
          upper: hi,
          lowerInclusive: inclusive && lo !== null,
          upperInclusive: inclusive && hi !== null,
        });
        expect(parseMultirangeLiteral(multi!)).toEqual([parsed]);
      }),
      { numRuns: 60 },
    );
  });

  it('a range formatted here reaches the server with the same bounds', async () => {
    await fc.assert(
      fc.asyncProperty(bounds, async ([a, b, inclusive]) => {
        const { rows: orderedRows } = await pool.query(ordered, [a, b]);
        const { lo, hi } = orderedRows[0] as { lo: string | null; hi: string | null };
        const literal = {
          empty: false as const,
          lower: lo,
          upper: hi,
          lowerInclusive: true,
          upperInclusive: inclusive,
        };
        const { rows } = await pool.query(
          `SELECT lower(r) AS lo, upper(r) AS hi, isempty(r) AS empty, lower_inc(r) AS lower_inc, upper_inc(r) AS upper_inc,
                  $2::${schema}.textmultirange = ${schema}.textmultirange(r) AS same
             FROM (SELECT $1::${schema}.textrange AS r) AS x`,
          [formatRangeLiteral(literal), formatMultirangeLiteral([literal])],
        );
        const row = rows[0] as Record<string, unknown>;
        expect(row.same).toBe(true);
        if (row.empty) {
          expect(lo === hi && !inclusive).toBe(true);
          return;
        }
        expect(row).toMatchObject({ lo, hi, lower_inc: lo !== null, upper_inc: inclusive && hi !== null });
      }),
      { numRuns: 60 },
    );
  });

  it('reads empty, unbounded and whitespace forms, and refuses malformed ones', () => {
    expect(parseRangeLiteral('empty')).toEqual({ empty: true });
    expect(parseRangeLiteral(' EMPTY ')).toEqual({ empty: true });
    expect(parseRangeLiteral('(,)')).toEqual({
      empty: false,
      lower: null,
      upper: null,
      lowerInclusive: false,
      upperInclusive: false,
    });
    expect(parseRangeLiteral('["",z]')).toMatchObject({ lower: '', upper: 'z' });
    expect(parseRangeLiteral('["a""b\\\\c",d\\,e]')).toMatchObject({ lower: 'a"b\\c', upper: 'd,e' });
    expect(parseMultirangeLiteral(' { [1,3) , [5,7) } ')).toHaveLength(2);
    for (const text of ['', '[1,2', '[1;2)', '[1,2)x', '{[1,2)', '{[1,2),}', 'emptyx', '["1,2)']) {
      expect(() => (text.startsWith('{') ? parseMultirangeLiteral(text) : parseRangeLiteral(text))).toThrow(
        /Malformed range literal/,
      );
    }
  });
});
