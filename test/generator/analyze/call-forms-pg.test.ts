import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyze } from '../../../generator/analyze/index.js';
import { parseSources } from '../../../generator/parse/index.js';
import { bindArguments } from '../../../generator/runtime/index.js';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';
import { substituteSchema } from '../../../generator/runtime/schema-sources.js';
import { callSpecOf } from '../../../generator/verify/check-calls.js';
import { baseConfig } from '../golden/golden-case.js';

let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
  pool.on('error', () => {});
});
afterAll(async () => {
  await pool.end();
});

interface Overload {
  parameters: { name: string; type: 'int4' | 'text'; hasDefault: boolean }[];
}

/** Two or three functions named f, distinct by input types, with names from a small set so they collide. */
const overloadGroup = fc
  .array(
    fc
      .uniqueArray(
        fc.record({ name: fc.constantFrom('a', 'b', 'c'), type: fc.constantFrom('int4' as const, 'text' as const) }),
        { maxLength: 3, selector: (parameter) => parameter.name },
      )
      .chain((parameters) =>
        fc.integer({ min: 0, max: parameters.length }).map((firstDefault) => ({
          parameters: parameters.map((parameter, index) => ({ ...parameter, hasDefault: index >= firstDefault })),
        })),
      ),
    { minLength: 2, maxLength: 3 },
  )
  .filter((group) => new Set(group.map((item) => item.parameters.map((p) => p.type).join(','))).size === group.length);

const sqlOf = (group: Overload[]) =>
  group
    .map(
      (overload, index) =>
        `CREATE FUNCTION {schema}.f(${overload.parameters
          .map((p) => `${p.name} ${p.type}${p.hasDefault ? ` DEFAULT ${p.type === 'int4' ? '0' : "''"}` : ''}`)
          .join(', ')}) RETURNS int4 LANGUAGE sql AS $$ SELECT ${index} $$;`,
    )
    .join('\n');

describe('overloads: what the generator decides agrees with how PostgreSQL resolves the calls', () => {
  it('every call a method can send reaches its own overload; a routine left out is ambiguous in PostgreSQL too', async () => {
    await fc.assert(
      fc.asyncProperty(overloadGroup, async (group) => {
        const schema = quoteIdentifier(`overloads_${randomUUID().slice(0, 8)}`);
        const sql = sqlOf(group);
        const parsed = parseSources([{ path: 'group.sql', text: sql }]);
        expect(parsed.diagnostics).toEqual([]);
        const { program, diagnostics } = analyze(parsed.model, { ...baseConfig, include: '*' });
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(`CREATE SCHEMA ${schema}`);
          await client.query(substituteSchema(sql, '{schema}', schema.slice(1, -1)));
          for (const [index, overload] of group.entries()) {
            const line = index + 1;
            const analyzed = program.procedures.find((procedure) => procedure.location.line === line);
            const values = (type: string) => (type === 'int4' ? 1 : 'x');
            if (!analyzed) {
              expect(diagnostics).toContainEqual(
                expect.objectContaining({ code: 'ambiguous-overload', location: expect.objectContaining({ line }) }),
              );
              // Neither positionally nor by name.
              const calls = [
                overload.parameters.map((p, at) => `$${at + 1}::${p.type}`).join(', '),
                overload.parameters.map((p, at) => `${p.name} => $${at + 1}::${p.type}`).join(', '),
              ];
              for (const list of calls) {
                await client.query('SAVEPOINT probe');
                const error = await client
                  .query(
                    `SELECT ${schema}.f(${list})`,
                    overload.parameters.map((p) => values(p.type)),
                  )
                  .catch((caught: unknown) => caught);
                await client.query('ROLLBACK TO SAVEPOINT probe');
                expect({ sql, list, error }).toMatchObject({ sql, list, error: { code: '42725' } });
              }
              continue;
            }
            const spec = callSpecOf(analyzed, schema);
            const optional = analyzed.params.filter((param) => param.optional);
            // Every subset of the optional arguments left out.
            for (let mask = 0; mask < 1 << optional.length; mask += 1) {
              const params: Record<string, unknown> = {};
              for (const param of analyzed.params) {
                const omitted = optional.indexOf(param) >= 0 && (mask & (1 << optional.indexOf(param))) !== 0;
                if (!omitted) params[param.property!] = values(param.type.sqlType[0] as string);
              }
              const { text, values: bound } = bindArguments(spec, params);
              const { rows } = await client.query<{ value: number }>(text, bound);
              expect({ sql, text, value: rows[0]!.value }).toEqual({ sql, text, value: index });
            }
          }
        } finally {
          await client.query('ROLLBACK');
          client.release();
        }
      }),
      { numRuns: 60 },
    );
  });
});
