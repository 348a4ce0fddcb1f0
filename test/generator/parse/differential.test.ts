import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Model } from '../../../generator/model/types.js';
import type { ParserName } from '../../../generator/parse/index.js';
import { parseSql } from './helpers.js';

/** Definitions both parsers can read; the differential test proves they map them to the same model. */
const corpus: string[] = [
  `CREATE FUNCTION sp_add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;`,
  `CREATE OR REPLACE FUNCTION {schema}.sp_get(p_id bigint) RETURNS TABLE (id bigint, name text, created_at timestamptz)
     LANGUAGE sql STABLE AS $$ SELECT 1::bigint, 'x', now() $$;`,
  `CREATE FUNCTION "Mixed"."CaseFn"("Id" int, Other TEXT) RETURNS "Mixed"."Result" LANGUAGE sql AS $$ SELECT NULL $$;`,
  `CREATE FUNCTION f1(a int DEFAULT 1, b text = 'x', c int[] DEFAULT ARRAY[1, 2], d numeric DEFAULT (1 + 2) * 3)
     RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;`,
  `CREATE FUNCTION f2(a int, OUT b int, INOUT c text) LANGUAGE sql AS $$ SELECT 1, 'x' $$;`,
  `CREATE FUNCTION f3(IN a int, OUT total numeric(12, 2)) LANGUAGE sql AS $$ SELECT 1 $$;`,
  `CREATE FUNCTION f4(int, text) RETURNS int LANGUAGE sql AS 'select $1';`,
  `CREATE FUNCTION types(a bigint, b integer, c smallint, d real, e double precision, f boolean, g character varying(10),
     h character(3), i decimal(10, 2), j timestamp with time zone, k timestamp without time zone, l time with time zone,
     m date, n interval, o uuid, p json, q jsonb, r bytea, s "char", t float, u float(10), v bit varying(4), w dec(5))
     RETURNS void LANGUAGE sql AS $$ $$;`,
  `CREATE FUNCTION arrays(a int[], b text[][], c varchar(5)[], d integer ARRAY, e {schema}.mood[], f pg_catalog.int8[])
     RETURNS double precision[] LANGUAGE sql AS $$ SELECT NULL $$;`,
  `CREATE FUNCTION f5() RETURNS record LANGUAGE sql VOLATILE STRICT AS $$ SELECT 1, 2 $$;`,
  `CREATE FUNCTION f6() RETURNS app.pair LANGUAGE sql CALLED ON NULL INPUT AS $$ SELECT NULL $$;`,
  `CREATE FUNCTION f7() RETURNS void AS $$ SELECT 1 $$ LANGUAGE sql;`,
  `-- Documented.
   -- @not-null id
   -- @single-row
   CREATE FUNCTION sp_doc() RETURNS TABLE (id int) LANGUAGE sql AS $$ SELECT 1 $$;
   COMMENT ON FUNCTION sp_doc() IS 'More.
@json payload Foo';`,
  `CREATE FUNCTION sp_raises(a int) RETURNS int LANGUAGE plpgsql AS $$
   BEGIN
     IF a < 0 THEN RAISE EXCEPTION 'negative' USING ERRCODE = 'invalid_parameter_value'; END IF;
     IF a = 0 THEN RAISE SQLSTATE 'DX001'; END IF;
     RAISE unique_violation;
   END $$;`,
  `CREATE TYPE {schema}.mood AS ENUM ('happy', 'Sad', 'it''s');`,
  `CREATE TYPE "Pair" AS (left_id bigint, "Right" text[], amount numeric(10, 2));`,
  `CREATE TYPE s.point3 AS (x double precision, y double precision, z double precision);`,
];

const withoutParser = (model: Model): unknown => ({
  ...model,
  procedures: model.procedures.map(({ parsedBy: _parsedBy, ...procedure }) => procedure),
});

function readWith(sql: string | string[], parser: ParserName): Model {
  const { model, diagnostics } = parseSql(sql, { forceParser: parser });
  expect(diagnostics).toEqual([]);
  return model;
}

describe('pgsql-ast-parser and libpg-query agree', () => {
  it.each(corpus.map((sql, index) => [index, sql] as const))('on corpus entry %i', (_, sql) => {
    const byDefault = parseSql(sql);
    expect(byDefault.diagnostics).toEqual([]);
    expect(byDefault.model.procedures.length + byDefault.model.types.length).toBeGreaterThan(0);
    for (const procedure of byDefault.model.procedures) expect(procedure.parsedBy).toBe('pgsql-ast-parser');
    const fromAstParser = readWith(sql, 'pgsql-ast-parser');
    const fromLibpgQuery = readWith(sql, 'libpg-query');
    expect(fromLibpgQuery.procedures.every((procedure) => procedure.parsedBy === 'libpg-query')).toBe(true);
    expect(withoutParser(fromAstParser)).toEqual(withoutParser(fromLibpgQuery));
  });

  it('on the whole corpus read as a migration history', () => {
    const files = [
      ...corpus,
      `CREATE OR REPLACE FUNCTION sp_add(a int, b int) RETURNS int LANGUAGE sql AS 'select 0';`,
    ];
    expect(withoutParser(readWith(files, 'pgsql-ast-parser'))).toEqual(withoutParser(readWith(files, 'libpg-query')));
  });

  const typeSpelling = fc.constantFrom(
    'int',
    'integer',
    'bigint',
    'smallint',
    'real',
    'double precision',
    'boolean',
    'text',
    'varchar(20)',
    'character varying',
    'numeric(12, 2)',
    'decimal',
    'timestamptz',
    'timestamp with time zone',
    'date',
    'uuid',
    'jsonb',
    'json',
    'bytea',
    'interval',
    '"MyType"',
    'app.thing',
    '{schema}.mood',
    'float(30)',
  );
  const identifier = fc.constantFrom('a', 'b', 'Mixed', '"Quoted Name"', 'p_id', 'x1', '"select"');
  const parameter = fc.record({
    mode: fc.constantFrom('', 'IN ', 'OUT ', 'INOUT '),
    name: fc.option(identifier, { nil: null }),
    type: typeSpelling,
    array: fc.constantFrom('', '[]', '[][]'),
    defaultValue: fc.option(fc.constantFrom('NULL', '1', "'x'", '(1 + 2)', 'ARRAY[1, 2]', 'now()'), { nil: null }),
  });

  it('on random signatures', () => {
    fc.assert(
      fc.property(
        fc.array(parameter, { maxLength: 6 }),
        fc.constantFrom('RETURNS int', 'RETURNS void', 'RETURNS TABLE (r1 bigint, "R2" text[])', 'RETURNS SETOF_NONE'),
        fc.constantFrom('', 'STABLE', 'IMMUTABLE', 'VOLATILE'),
        (parameters, result, volatility) => {
          const hasOutput = parameters.some((p) => p.mode === 'OUT ' || p.mode === 'INOUT ');
          const returns =
            result === 'RETURNS SETOF_NONE' || (hasOutput && result.includes('TABLE'))
              ? hasOutput
                ? ''
                : 'RETURNS int'
              : result;
          // Parameter names must be unique, and defaults may only trail among the inputs, as PostgreSQL requires.
          const seen = new Set<string>();
          let defaultsStarted = false;
          const written = parameters.map((p, index) => {
            const name =
              p.name === null
                ? null
                : seen.has(p.name.toLowerCase())
                  ? `${p.name.replaceAll('"', '')}_${index}`
                  : p.name;
            if (name) seen.add(name.toLowerCase());
            const isOutput = p.mode === 'OUT ';
            if (!isOutput && p.defaultValue !== null) defaultsStarted = true;
            const defaultValue = !isOutput && defaultsStarted ? ` DEFAULT ${p.defaultValue ?? 'NULL'}` : '';
            return `${p.mode}${name ?? ''} ${p.type}${p.array}${defaultValue}`;
          });
          const sql = `CREATE FUNCTION sp_random(${written.join(', ')}) ${returns} LANGUAGE sql ${volatility} AS $$ SELECT 1 $$;`;
          const fromAstParser = parseSql(sql, { forceParser: 'pgsql-ast-parser' });
          const fromLibpgQuery = parseSql(sql, { forceParser: 'libpg-query' });
          // Only signatures both can read are compared (pgsql-ast-parser rejects e.g. an unnamed OUT parameter).
          fc.pre(fromAstParser.diagnostics.length === 0);
          expect(fromLibpgQuery.diagnostics).toEqual([]);
          expect(withoutParser(fromAstParser.model)).toEqual(withoutParser(fromLibpgQuery.model));
        },
      ),
      { numRuns: 150 },
    );
  });
});
