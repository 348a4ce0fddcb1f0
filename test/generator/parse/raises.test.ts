import { describe, expect, it } from 'vitest';
import { conditionCodes } from '../../../generator/parse/index.js';
import { onlyProcedure, parseSql } from './helpers.js';

const plpgsql = (body: string): string =>
  `CREATE FUNCTION f(a int) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE v text := 'P0001';
BEGIN
${body}
END
$fn$;`;

describe('raised SQLSTATEs', () => {
  const cases: [string, string, string[]][] = [
    ['USING ERRCODE with a code', `RAISE EXCEPTION 'bad' USING ERRCODE = '22023';`, ['22023']],
    ['USING ERRCODE with a condition name', `RAISE EXCEPTION 'gone' USING ERRCODE = 'no_data_found';`, ['P0002']],
    ['RAISE SQLSTATE', `RAISE SQLSTATE 'DX001';`, ['DX001']],
    ['RAISE condition_name', `RAISE unique_violation;`, ['23505']],
    [
      'RAISE EXCEPTION condition_name USING MESSAGE',
      `RAISE EXCEPTION invalid_parameter_value USING MESSAGE = 'x';`,
      ['22023'],
    ],
    ['plain RAISE EXCEPTION', `RAISE EXCEPTION 'plain %', a;`, ['P0001']],
    ['RAISE without a level', `RAISE 'plain';`, ['P0001']],
    ['RAISE EXCEPTION USING MESSAGE only', `RAISE EXCEPTION USING MESSAGE = 'm';`, ['P0001']],
    [
      'non-error levels',
      `RAISE NOTICE 'n' USING ERRCODE = '22023'; RAISE WARNING 'w'; RAISE INFO 'i'; RAISE LOG 'l'; RAISE DEBUG 'd';`,
      [],
    ],
    ['a re-raise', `BEGIN PERFORM 1; EXCEPTION WHEN others THEN RAISE; END;`, []],
    [
      'nested raises, sorted and unique',
      `IF a > 1 THEN RAISE SQLSTATE 'DX002'; ELSE LOOP RAISE unique_violation; END LOOP; END IF;
       CASE a WHEN 1 THEN RAISE EXCEPTION 'x' USING ERRCODE = '23505'; ELSE NULL; END CASE;
       BEGIN NULL; EXCEPTION WHEN others THEN RAISE EXCEPTION 'wrapped' USING ERRCODE = '40001'; END;`,
      ['23505', '40001', 'DX002'],
    ],
  ];
  it.each(cases)('reads %s', (_, body, codes) => {
    expect(onlyProcedure(plpgsql(body)).raises).toEqual(codes);
  });

  it('reads nothing from SQL functions', () => {
    expect(onlyProcedure(`CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;`).raises).toEqual([]);
  });

  it('reads procedures too', () => {
    const procedure = onlyProcedure(
      `CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN RAISE SQLSTATE '55P03'; END $$;`,
    );
    expect(procedure.raises).toEqual(['55P03']);
  });

  it('warns when ERRCODE is not a literal', () => {
    const { model, diagnostics } = parseSql(plpgsql(`RAISE EXCEPTION 'x' USING ERRCODE = v;`));
    expect(model.procedures[0]!.raises).toEqual([]);
    expect(diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'dynamic-errcode',
        message: 'ERRCODE = v is not a literal, so its SQLSTATE is unknown',
        location: { file: '1.sql', line: 4, column: 1 },
      },
    ]);
  });

  it('rejects an unknown condition name with the line it is on', () => {
    const { diagnostics } = parseSql(plpgsql(`  NULL;\n    RAISE EXCEPTION 'x' USING ERRCODE = 'no_such_condition';`));
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'unknown-condition',
        location: { file: '1.sql', line: 5, column: 5 },
      }),
    ]);
  });

  it('knows the standard condition names', () => {
    expect(conditionCodes.get('unique_violation')).toBe('23505');
    expect(conditionCodes.get('foreign_key_violation')).toBe('23503');
    expect(conditionCodes.get('no_data_found')).toBe('P0002');
    expect(conditionCodes.get('too_many_rows')).toBe('P0003');
    expect(conditionCodes.get('raise_exception')).toBe('P0001');
    expect(conditionCodes.get('invalid_parameter_value')).toBe('22023');
    expect(conditionCodes.get('serialization_failure')).toBe('40001');
    expect(conditionCodes.get('deadlock_detected')).toBe('40P01');
    expect(conditionCodes.get('check_violation')).toBe('23514');
    // Names shared by a warning and an error resolve to the error, as in PL/pgSQL.
    expect(conditionCodes.get('string_data_right_truncation')).toBe('22001');
    expect(conditionCodes.size).toBeGreaterThan(200);
  });

  const caughtCases: [string, string, string[]][] = [
    [
      'a code caught by its own block',
      `BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'DXF01'; EXCEPTION WHEN SQLSTATE 'DXF01' THEN NULL; END;`,
      [],
    ],
    [
      'a code caught by a named condition of an outer block',
      `BEGIN BEGIN RAISE unique_violation; END; EXCEPTION WHEN unique_violation THEN NULL; END;`,
      [],
    ],
    [
      'a code caught by its class',
      `BEGIN RAISE unique_violation; EXCEPTION WHEN integrity_constraint_violation THEN NULL; END;`,
      [],
    ],
    ['a code caught by OTHERS', `BEGIN RAISE SQLSTATE 'DX001'; EXCEPTION WHEN others THEN NULL; END;`, []],
    [
      'a code another handler does not catch',
      `BEGIN RAISE SQLSTATE 'DX001'; EXCEPTION WHEN SQLSTATE 'DX002' THEN NULL; END;`,
      ['DX001'],
    ],
    [
      'a raise in the handler itself, which its own block does not protect',
      `BEGIN NULL; EXCEPTION WHEN SQLSTATE 'DX002' THEN RAISE SQLSTATE 'DX002'; END;`,
      ['DX002'],
    ],
  ];
  it.each(caughtCases)('leaves out %s', (_, body, codes) => {
    expect(onlyProcedure(plpgsql(body)).raises).toEqual(codes);
  });

  it("adds the codes of the model's functions a body calls, through chains, unless a handler catches them", () => {
    const { model } = parseSql(`
CREATE FUNCTION inner_helper() RETURNS int LANGUAGE plpgsql AS $$
BEGIN RAISE SQLSTATE 'DX003'; END $$;
CREATE FUNCTION helper(a int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF a < 0 THEN RAISE unique_violation; END IF;
  RETURN {schema}.inner_helper();
END $$;
CREATE FUNCTION sp_caller() RETURNS int LANGUAGE plpgsql AS $$
BEGIN RETURN helper(1) + length('helper(2)'); END $$;
CREATE FUNCTION sp_guarded() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  BEGIN PERFORM helper(1); EXCEPTION WHEN unique_violation THEN NULL; END;
END $$;
CREATE FUNCTION sp_unrelated() RETURNS int LANGUAGE plpgsql AS $$
BEGIN RETURN lower('x')::int; END $$;
`);
    const raises = Object.fromEntries(model.procedures.map((p) => [p.name, p.raises]));
    expect(raises).toEqual({
      inner_helper: ['DX003'],
      helper: ['23505', 'DX003'],
      sp_caller: ['23505', 'DX003'],
      sp_guarded: ['DX003'],
      sp_unrelated: [],
    });
  });
});
