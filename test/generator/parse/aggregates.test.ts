import { describe, expect, it } from 'vitest';
import { builtin, onlyProcedure, parseSql } from './helpers.js';

const state = `CREATE FUNCTION add_state(s int8, v int4) RETURNS int8 LANGUAGE sql AS 'select s + v';`;
const final = `CREATE FUNCTION show_state(s int8) RETURNS text LANGUAGE sql AS 'select s::text';`;

describe('aggregates and window functions', () => {
  it('models CREATE AGGREGATE as pg_proc records it: arguments, the final function result, internal, immutable', () => {
    const { model, diagnostics } = parseSql([
      state,
      final,
      `CREATE AGGREGATE total(v int4, VARIADIC rest int4[]) (SFUNC = add_state, STYPE = bigint, FINALFUNC = show_state);`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures.find((procedure) => procedure.name === 'total')).toMatchObject({
      kind: 'aggregate',
      parameters: [
        { name: 'v', type: builtin('int4'), mode: 'in', hasDefault: false, defaultText: null },
        { name: 'rest', type: builtin('int4', 1), mode: 'variadic' },
      ],
      returns: { kind: 'scalar', type: builtin('text') },
      language: 'internal',
      volatility: 'immutable',
      security: 'invoker',
      parsedBy: 'libpg-query',
    });
  });

  it('reads (*), ordered-set and old-style aggregates; without a final function the result is the state type', () => {
    const { model, diagnostics } = parseSql([
      state,
      `CREATE AGGREGATE everything(*) (SFUNC = add_state, STYPE = int8);
       CREATE AGGREGATE pick(float8 ORDER BY int4) (SFUNC = add_state, STYPE = int8);
       CREATE AGGREGATE old_total (BASETYPE = int4, SFUNC = add_state, STYPE = int8);`,
    ]);
    expect(diagnostics).toEqual([]);
    const signature = (name: string) => {
      const procedure = model.procedures.find((candidate) => candidate.name === name)!;
      return [procedure.parameters.map((parameter) => parameter.type.name), procedure.returns];
    };
    const int8 = { kind: 'scalar', type: builtin('int8') };
    expect(signature('everything')).toEqual([[], int8]);
    expect(signature('pick')).toEqual([['float8', 'int4'], int8]);
    expect(signature('old_total')).toEqual([['int4'], int8]);
  });

  it('follows DROP, COMMENT ON, RENAME and CREATE OR REPLACE AGGREGATE; DROP FUNCTION does not drop one', () => {
    const { model, diagnostics } = parseSql([
      state,
      `CREATE AGGREGATE a1(int4) (SFUNC = add_state, STYPE = int8);
       CREATE AGGREGATE a2(int4) (SFUNC = add_state, STYPE = int8);
       COMMENT ON AGGREGATE a2(int4) IS 'second';
       ALTER AGGREGATE a2(int4) RENAME TO a3;
       DROP AGGREGATE a1(int4);
       CREATE OR REPLACE AGGREGATE a3(int4) (SFUNC = add_state, STYPE = int8, INITCOND = '1');`,
      `DROP FUNCTION a3(int4);`,
    ]);
    expect(model.procedures.map((procedure) => [procedure.name, procedure.kind, procedure.doc])).toEqual([
      ['add_state', 'function', null],
      ['a3', 'aggregate', 'second'],
    ]);
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['undefined-function']);
  });

  it('models CREATE FUNCTION ... WINDOW as a window function, which DROP FUNCTION drops', () => {
    expect(
      onlyProcedure(`CREATE FUNCTION rn() RETURNS int8 WINDOW LANGUAGE internal AS 'window_row_number';`),
    ).toMatchObject({ kind: 'window', language: 'internal' });
    const { model } = parseSql(
      `CREATE FUNCTION rn() RETURNS int8 WINDOW LANGUAGE internal AS 'window_row_number'; DROP FUNCTION rn();`,
    );
    expect(model.procedures).toEqual([]);
  });
});
