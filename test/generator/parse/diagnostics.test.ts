import { describe, expect, it } from 'vitest';
import { parseSql } from './helpers.js';

const ok = (name: string): string => `CREATE FUNCTION ${name}() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;`;

describe('diagnostics', () => {
  it('reports a definition PostgreSQL cannot parse at its line and column, and still reads the others', () => {
    const { model, diagnostics } = parseSql(`${ok('a')}
-- a broken one
CREATE FUNCTION b(x int RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
${ok('c')}`);
    expect(model.procedures.map((procedure) => procedure.name)).toEqual(['a', 'c']);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'parse-error',
        message: 'PostgreSQL cannot parse this definition: syntax error at or near "RETURNS"',
        location: { file: '1.sql', line: 3, column: 25 },
      },
    ]);
  });

  it('counts columns in characters after non-ASCII text and the placeholder', () => {
    const { diagnostics } = parseSql(
      `-- Grüße, 日本語 😀\nSELECT 'ä'; CREATE FUNCTION {schema}.b(x int RETURNS int LANGUAGE sql AS 'select 1';`,
    );
    expect(diagnostics.map((diagnostic) => diagnostic.location)).toEqual([{ file: '1.sql', line: 2, column: 46 }]);
  });

  it('counts definition columns in characters after non-ASCII text', () => {
    const { model } = parseSql(`SELECT '日本😀'; ${ok('a')}`);
    expect(model.procedures[0]!.location).toEqual({ file: '1.sql', line: 1, column: 16 });
  });

  it('keeps definitions inside BEGIN ATOMIC whole when it has to split a broken file', () => {
    const { model, diagnostics } = parseSql(`SELEC 1;
CREATE FUNCTION a() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;
${ok('b')}`);
    expect(model.procedures.map((procedure) => procedure.name)).toEqual(['a', 'b']);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'parse-error',
        location: { file: '1.sql', line: 1, column: 1 },
      }),
    ]);
  });

  it('warns, not errs, about a statement that is not a definition', () => {
    const { diagnostics } = parseSql(`CREATE TABLE t (id int,);\n${ok('a')}`);
    expect(diagnostics.map((diagnostic) => [diagnostic.severity, diagnostic.code, diagnostic.location.line])).toEqual([
      ['warning', 'parse-error', 1],
    ]);
  });

  it('reports an unterminated literal for the whole file', () => {
    const { model, diagnostics } = parseSql(`${ok('a')}\nCREATE FUNCTION b() RETURNS int LANGUAGE sql AS $$ SELECT 1;`);
    expect(model.procedures).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'parse-error',
        location: { file: '1.sql', line: 2, column: 49 },
      }),
    ]);
    expect(diagnostics[0]!.message).toContain('no definition in this file was read');
  });

  it('reports a %TYPE parameter type whose relation or column the files do not define, where it is written', () => {
    const { model, diagnostics } = parseSql(
      `CREATE FUNCTION f(a users.id%TYPE) RETURNS int LANGUAGE sql AS 'select 1';
CREATE TABLE orders (id int);
CREATE FUNCTION g(a orders.total%TYPE) RETURNS int LANGUAGE sql AS 'select 1';`,
    );
    expect(model.procedures).toEqual([]);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'undefined-table',
        message: 'cannot read this definition: users.id%TYPE: relation users is not defined in the input files',
        location: { file: '1.sql', line: 1, column: 21 },
      },
      {
        severity: 'error',
        code: 'undefined-column',
        message: 'cannot read this definition: orders.total%TYPE: column total of orders does not exist',
        location: { file: '1.sql', line: 3, column: 21 },
      },
    ]);
  });

  it('reports a function without a language', () => {
    const { diagnostics } = parseSql(`\n  CREATE FUNCTION f() RETURNS int AS 'select 1';`);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'missing-language',
        message: 'cannot read this definition: no language specified',
        location: { file: '1.sql', line: 2, column: 3 },
      },
    ]);
  });

  it('reports a PL/pgSQL body PostgreSQL would reject', () => {
    const { model, diagnostics } = parseSql(`CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1
END $$;`);
    expect(model.procedures).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'parse-error',
        location: { file: '1.sql', line: 1, column: 55 },
      }),
    ]);
    expect(diagnostics[0]!.message).toMatch(/^PL\/pgSQL cannot parse the body: /);
  });

  it('reports OUT parameters with RETURNS TABLE, which only pgsql-ast-parser accepts', () => {
    const { model, diagnostics } = parseSql(
      `CREATE FUNCTION f(OUT a int) RETURNS TABLE (b int) LANGUAGE sql AS 'select 1';`,
    );
    expect(model.procedures).toEqual([]);
    expect(diagnostics.map((diagnostic) => [diagnostic.severity, diagnostic.code])).toEqual([['error', 'parse-error']]);
  });

  it('reports, when forced to pgsql-ast-parser, a definition it cannot read', () => {
    const { model, diagnostics } = parseSql(`CREATE FUNCTION f(OUT int) RETURNS int LANGUAGE sql AS 'select 1';`, {
      forceParser: 'pgsql-ast-parser',
    });
    expect(model.procedures).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'parse-error',
        location: { file: '1.sql', line: 1, column: 1 },
      }),
    ]);
  });

  it('rejects an empty placeholder', () => {
    expect(() => parseSql(ok('a'), { placeholder: '' })).toThrow('The schema placeholder must not be empty.');
  });
});
