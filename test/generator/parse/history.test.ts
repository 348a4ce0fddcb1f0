import { describe, expect, it } from 'vitest';
import { builtin, parseSql } from './helpers.js';

const create = (signature: string, result = 'int', body = "'select 1'"): string =>
  `CREATE FUNCTION ${signature} RETURNS ${result} LANGUAGE sql AS ${body};`;

describe('migration history', () => {
  it('replaces a definition with CREATE OR REPLACE of the same signature, in a later file', () => {
    const { model, diagnostics } = parseSql([
      create('f(a int)'),
      `CREATE OR REPLACE FUNCTION f(a integer) RETURNS int LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN 2; END $$;`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures).toHaveLength(1);
    expect(model.procedures[0]).toMatchObject({
      language: 'plpgsql',
      volatility: 'stable',
      location: { file: '2.sql' },
    });
  });

  it('treats type modifiers as the same signature and OUT parameters as not part of it', () => {
    const { model, diagnostics } = parseSql([
      `CREATE FUNCTION f(a varchar(10), OUT b int) LANGUAGE sql AS 'select 1';`,
      `CREATE OR REPLACE FUNCTION f(a varchar(20), OUT b int) LANGUAGE sql AS 'select 2';`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures[0]!.parameters[0]!.type).toEqual(builtin('varchar', 0, [20]));
  });

  it('sees the same signature when only OUT parameters differ', () => {
    const { model, diagnostics } = parseSql([
      `CREATE FUNCTION f(a int, OUT b int) LANGUAGE sql AS 'select 1';`,
      `CREATE FUNCTION f(a int, OUT b text, OUT c text) LANGUAGE sql AS 'select 1';`,
      `CREATE FUNCTION g(a int, OUT b int) LANGUAGE sql AS 'select 1'; DROP FUNCTION g(int);`,
    ]);
    expect(model.procedures.map((procedure) => procedure.name)).toEqual(['f']);
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['duplicate-function']);
  });

  it('keeps overloads apart', () => {
    const { model, diagnostics } = parseSql([
      create('f(a int)'),
      create('f(a text)'),
      create('f(a int, b int)'),
      create('f(a int[])'),
      create('s.f(a int)'),
      create('{schema}.f(a int)'),
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures).toHaveLength(6);
  });

  it('reports plain CREATE of an existing signature and keeps the first', () => {
    const { model, diagnostics } = parseSql([
      create('f(a int)', 'int', "'select 1'"),
      `\n  ${create('f(b integer)', 'int', "'select 2'")}`,
    ]);
    expect(model.procedures).toHaveLength(1);
    expect(model.procedures[0]!.location.file).toBe('1.sql');
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'duplicate-function',
        message: 'function public.f(int4) already exists with same argument types (defined at 1.sql:1:1)',
        location: { file: '2.sql', line: 2, column: 3 },
      },
    ]);
  });

  it('refuses a replacement PostgreSQL refuses', () => {
    const cases: [string, string][] = [
      [
        `CREATE OR REPLACE FUNCTION f(a int) RETURNS text LANGUAGE sql AS 'select 1';`,
        'cannot change return type of existing function',
      ],
      [
        `CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql AS 'select 1';`,
        'cannot change name of input parameter "a"',
      ],
      [`CREATE OR REPLACE PROCEDURE f(a int) LANGUAGE sql AS 'select 1';`, 'cannot change routine kind'],
    ];
    for (const [replacement, message] of cases) {
      const { model, diagnostics } = parseSql([create('f(a int)'), replacement]);
      expect(model.procedures[0]!.returns).toEqual({ kind: 'scalar', type: builtin('int4') });
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ code: 'invalid-replacement', message: expect.stringContaining(message) });
    }
    const defaults = parseSql([
      create('g(a int DEFAULT 1)'),
      `CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql AS 'select 1';`,
    ]);
    expect(defaults.diagnostics[0]!.message).toContain('cannot remove parameter defaults');
  });

  it('drops a function by signature, ignoring OUT arguments', () => {
    const { model, diagnostics } = parseSql([
      create('f(a int)'),
      create('f(a text)'),
      `CREATE FUNCTION g(a int, OUT b int) LANGUAGE sql AS 'select 1';`,
      `DROP FUNCTION f(integer); DROP FUNCTION g(int, OUT int);`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures.map((procedure) => procedure.parameters[0]!.type.name)).toEqual(['text']);
  });

  it('drops the only overload when no arguments are written', () => {
    const { model, diagnostics } = parseSql([create('f(a int)'), create('g()'), `DROP FUNCTION f, g;`]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures).toEqual([]);
  });

  it('reports DROP without arguments of an overloaded name', () => {
    const { model, diagnostics } = parseSql([create('f(a int)'), create('f(a text)'), `\nDROP FUNCTION f;`]);
    expect(model.procedures).toHaveLength(2);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'ambiguous-function',
        message: 'function name "f" is not unique: public.f(int4), public.f(text)',
        location: { file: '3.sql', line: 2, column: 1 },
      },
    ]);
  });

  it('reports DROP of a missing function unless IF EXISTS', () => {
    expect(parseSql(`DROP FUNCTION IF EXISTS f(int); DROP PROCEDURE IF EXISTS p;`).diagnostics).toEqual([]);
    expect(parseSql(`DROP FUNCTION f(int);`).diagnostics).toEqual([
      {
        severity: 'error',
        code: 'undefined-function',
        message: 'function f(int4) does not exist',
        location: { file: '1.sql', line: 1, column: 1 },
      },
    ]);
  });

  it('drops procedures with DROP PROCEDURE and either kind with DROP ROUTINE', () => {
    const { model, diagnostics } = parseSql([
      `CREATE PROCEDURE p(a int, OUT b int) LANGUAGE sql AS 'select 1';`,
      `CREATE PROCEDURE q() LANGUAGE sql AS 'select 1';`,
      create('r()'),
      `DROP PROCEDURE p(int, int); DROP ROUTINE q(); DROP ROUTINE r;`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures).toEqual([]);
  });

  it('does not drop a procedure with DROP FUNCTION', () => {
    const { model, diagnostics } = parseSql([`CREATE PROCEDURE p() LANGUAGE sql AS 'select 1';`, `DROP FUNCTION p();`]);
    expect(model.procedures).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('undefined-function');
  });

  it('recreates a dropped function at the end of the model', () => {
    const { model } = parseSql([create('a()'), create('b()'), `DROP FUNCTION a(); ${create('a()')}`]);
    expect(model.procedures.map((procedure) => procedure.name)).toEqual(['b', 'a']);
  });

  it('keeps the schema in the signature: f() lands in public, apart from {schema}.f()', () => {
    const { model, diagnostics } = parseSql([create('{schema}.f()'), create('f()'), `DROP FUNCTION {schema}.f();`]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures.map((procedure) => procedure.schema)).toEqual([{ kind: 'named', name: 'public' }]);
  });

  it('applies ALTER FUNCTION renames and option changes', () => {
    const { model, diagnostics } = parseSql([
      create('f(a int)'),
      `ALTER FUNCTION f(int) RENAME TO g; ALTER FUNCTION g(int) STABLE SECURITY DEFINER;`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures[0]).toMatchObject({ name: 'g', volatility: 'stable', security: 'definer' });
  });

  it('keeps the definition order through an ALTER FUNCTION that keeps the name, and accepts its SET clause', () => {
    const { model, diagnostics } = parseSql([
      `${create('a()')} ${create('b()')} ${create('c()')}`,
      `ALTER FUNCTION c() SET search_path = pg_catalog, pg_temp;
       ALTER FUNCTION a() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
       REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.procedures.map((procedure) => [procedure.name, procedure.security])).toEqual([
      ['a', 'definer'],
      ['b', 'invoker'],
      ['c', 'invoker'],
    ]);
  });

  it('drops and recreates types', () => {
    const { model, diagnostics } = parseSql([
      `CREATE TYPE mood AS ENUM ('a'); CREATE TYPE pair AS (x int);`,
      `DROP TYPE mood; DROP TYPE IF EXISTS nothing; CREATE TYPE mood AS ENUM ('b');`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.types.map((type) => type.name)).toEqual(['pair', 'mood']);
    expect(model.types[1]).toMatchObject({ kind: 'enum', values: ['b'], location: { file: '2.sql' } });
  });

  it('reports a duplicate type and DROP of a missing type', () => {
    const { diagnostics } = parseSql([
      `CREATE TYPE mood AS ENUM ('a');`,
      `CREATE TYPE mood AS (x int);\nDROP TYPE gone;`,
    ]);
    expect(diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.location.line])).toEqual([
      ['duplicate-type', 1],
      ['undefined-type', 2],
    ]);
  });

  it('adds enum values where ALTER TYPE puts them', () => {
    const { model, diagnostics } = parseSql([
      `CREATE TYPE s.mood AS ENUM ('b');`,
      `ALTER TYPE s.mood ADD VALUE 'd'; ALTER TYPE s.mood ADD VALUE 'a' BEFORE 'b'; ALTER TYPE s.mood ADD VALUE 'c' AFTER 'b';`,
      `ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'a';`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.types[0]).toMatchObject({ values: ['a', 'b', 'c', 'd'] });
  });

  it('applies ALTER TYPE to a composite type: ADD, DROP, ALTER and RENAME ATTRIBUTE', () => {
    const { model, diagnostics } = parseSql([
      `CREATE TYPE p AS (x int, z int); ALTER TYPE p ADD ATTRIBUTE y text, DROP ATTRIBUTE z;`,
      `ALTER TYPE p ALTER ATTRIBUTE x TYPE int8; ALTER TYPE p RENAME ATTRIBUTE y TO label;`,
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.types[0]).toMatchObject({
      kind: 'composite',
      attributes: [
        { name: 'x', type: builtin('int8') },
        { name: 'label', type: builtin('text') },
      ],
    });
  });
});
