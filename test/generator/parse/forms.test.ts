import { describe, expect, it } from 'vitest';
import { builtin, onlyProcedure, onlyType, parseSql } from './helpers.js';

describe('function forms', () => {
  it('reads a plain function with pgsql-ast-parser', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION sp_add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;`,
    );
    expect(procedure).toMatchObject({
      kind: 'function',
      schema: { kind: 'named', name: 'public' },
      name: 'sp_add',
      parameters: [
        { name: 'a', type: builtin('int4'), mode: 'in', hasDefault: false, defaultText: null },
        { name: 'b', type: builtin('int4'), mode: 'in', hasDefault: false, defaultText: null },
      ],
      returns: { kind: 'scalar', type: builtin('int4') },
      language: 'sql',
      volatility: 'immutable',
      security: 'invoker',
      raises: [],
      doc: null,
      annotations: [],
      location: { file: '1.sql', line: 1, column: 1 },
      parsedBy: 'pgsql-ast-parser',
    });
  });

  it('defaults volatility to volatile and security to invoker', () => {
    const procedure = onlyProcedure(`CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;`);
    expect(procedure.volatility).toBe('volatile');
    expect(procedure.security).toBe('invoker');
    expect(procedure.returns).toEqual({ kind: 'void' });
  });

  it('lower-cases the language, also when written as a string', () => {
    expect(onlyProcedure(`CREATE FUNCTION f() RETURNS int LANGUAGE SQL AS 'select 1';`).language).toBe('sql');
    const quoted = onlyProcedure(`CREATE FUNCTION f() RETURNS int LANGUAGE 'plpgsql' AS $$ BEGIN RETURN 1; END $$;`);
    expect(quoted.language).toBe('plpgsql');
    expect(quoted.parsedBy).toBe('libpg-query');
  });

  const fallbackForms: [string, string][] = [
    ['RETURNS SETOF', `CREATE FUNCTION f() RETURNS SETOF int LANGUAGE sql AS $$ SELECT 1 $$;`],
    ['SECURITY DEFINER', `CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;`],
    ['SET search_path', `CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS $$ SELECT 1 $$;`],
    ['VARIADIC', `CREATE FUNCTION f(VARIADIC a int[]) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;`],
    ['PARALLEL SAFE', `CREATE FUNCTION f() RETURNS int LANGUAGE sql PARALLEL SAFE AS $$ SELECT 1 $$;`],
    ['COST and ROWS', `CREATE FUNCTION f() RETURNS SETOF int LANGUAGE sql COST 10 ROWS 5 AS $$ SELECT 1 $$;`],
    ['CREATE PROCEDURE', `CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;`],
    ['a SQL-standard body', `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;`],
    [
      'time(n) with time zone',
      `CREATE FUNCTION f(a time(3) with time zone) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;`,
    ],
  ];
  it.each(fallbackForms)('falls back to libpg-query for %s', (_, sql) => {
    expect(onlyProcedure(sql).parsedBy).toBe('libpg-query');
  });

  it('reads doubled quotes and Unicode escapes in quoted identifiers as PostgreSQL does', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION "a""b"("x""y" int, U&"d\\0061t" "in""t") RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;`,
    );
    expect(procedure.name).toBe('a"b');
    expect(procedure.parameters.map((parameter) => parameter.name)).toEqual(['x"y', 'dat']);
    expect(procedure.parameters[1]!.type.name).toBe('in"t');
    expect(onlyType(`CREATE TYPE "m""x" AS ENUM ('a');`).name).toBe('m"x');
  });

  it('reads a body with a custom dollar-quote tag (pgsql-ast-parser is only given the signature)', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION f(a int) RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RAISE SQLSTATE 'DX001'; RETURN $x$a$x$; END $fn$;`,
    );
    expect(procedure).toMatchObject({
      name: 'f',
      language: 'plpgsql',
      raises: ['DX001'],
      parsedBy: 'pgsql-ast-parser',
    });
  });

  it('reads RETURNS SETOF, SECURITY DEFINER and the other options it falls back for', () => {
    const procedure = onlyProcedure(`
      CREATE OR REPLACE FUNCTION s.f(VARIADIC ids bigint[]) RETURNS SETOF s.thing
      LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE COST 5 ROWS 10 SET search_path = s, pg_temp
      AS $body$ BEGIN RETURN; END $body$;`);
    expect(procedure).toMatchObject({
      schema: { kind: 'named', name: 's' },
      parameters: [{ name: 'ids', type: builtin('int8', 1), mode: 'variadic', hasDefault: false }],
      returns: {
        kind: 'setof',
        type: { schema: { kind: 'named', name: 's' }, name: 'thing', arrayDimensions: 0, modifiers: [] },
      },
      volatility: 'stable',
      security: 'definer',
      language: 'plpgsql',
    });
  });

  it('treats SECURITY INVOKER as invoker', () => {
    expect(onlyProcedure(`CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY INVOKER AS 'select 1';`).security).toBe(
      'invoker',
    );
  });

  it('reads a procedure with INOUT and OUT parameters', () => {
    const procedure = onlyProcedure(
      `CREATE PROCEDURE sp_move(IN a int, INOUT b text, OUT c numeric) LANGUAGE plpgsql AS $$ BEGIN c := 1; END $$;`,
    );
    expect(procedure.kind).toBe('procedure');
    expect(procedure.returns).toEqual({ kind: 'procedure' });
    expect(procedure.parameters.map((parameter) => parameter.mode)).toEqual(['in', 'inout', 'out']);
  });

  it('reads OUT parameters without RETURNS as a scalar record', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION f(a int, OUT b int, INOUT c text) LANGUAGE sql AS $$ SELECT 1, 'x' $$;`,
    );
    expect(procedure.returns).toEqual({ kind: 'scalar', type: builtin('record') });
    expect(procedure.parameters.map((parameter) => [parameter.name, parameter.mode])).toEqual([
      ['a', 'in'],
      ['b', 'out'],
      ['c', 'inout'],
    ]);
    expect(procedure.parsedBy).toBe('pgsql-ast-parser');
  });

  it('reads RETURNS TABLE columns', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION f() RETURNS TABLE (id bigint, "Label" varchar(20), tags text[]) LANGUAGE sql AS $$ SELECT 1, 'a', '{}'::text[] $$;`,
    );
    expect(procedure.returns).toEqual({
      kind: 'table',
      columns: [
        { name: 'id', type: builtin('int8') },
        { name: 'Label', type: builtin('varchar', 0, [20]) },
        { name: 'tags', type: builtin('text', 1) },
      ],
    });
  });

  it('reads RETURNS TABLE through the fallback too', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION f() RETURNS TABLE (id bigint) LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;`,
    );
    expect(procedure.parsedBy).toBe('libpg-query');
    expect(procedure.returns).toEqual({ kind: 'table', columns: [{ name: 'id', type: builtin('int8') }] });
  });

  it('reads a scalar record, a composite and an array result', () => {
    const { model } = parseSql(`
      CREATE FUNCTION r() RETURNS record LANGUAGE sql AS $$ SELECT 1, 2 $$;
      CREATE FUNCTION c() RETURNS s.pair LANGUAGE sql AS $$ SELECT NULL::s.pair $$;
      CREATE FUNCTION a() RETURNS double precision[] LANGUAGE sql AS $$ SELECT '{}'::float8[] $$;`);
    expect(model.procedures.map((procedure) => procedure.returns)).toEqual([
      { kind: 'scalar', type: builtin('record') },
      {
        kind: 'scalar',
        type: { schema: { kind: 'named', name: 's' }, name: 'pair', arrayDimensions: 0, modifiers: [] },
      },
      { kind: 'scalar', type: builtin('float8', 1) },
    ]);
  });

  it('defaults the language of a SQL-standard body to sql', () => {
    const procedure = onlyProcedure(`CREATE FUNCTION f(a int) RETURNS int RETURN a + 1;`);
    expect(procedure.language).toBe('sql');
  });
});

describe('identifiers', () => {
  it('folds unquoted names to lower case and keeps quoted names exact', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION "Sales".Get_Total("CustomerId" int, Region TEXT) RETURNS "Money"."Amount" LANGUAGE sql AS $$ SELECT 1 $$;`,
    );
    expect(procedure.schema).toEqual({ kind: 'named', name: 'Sales' });
    expect(procedure.name).toBe('get_total');
    expect(procedure.parameters.map((parameter) => parameter.name)).toEqual(['CustomerId', 'region']);
    expect(procedure.returns).toEqual({
      kind: 'scalar',
      type: { schema: { kind: 'named', name: 'Money' }, name: 'Amount', arrayDimensions: 0, modifiers: [] },
    });
  });

  it('folds the same way on the fallback path', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION "Sales".Get_Total("CustomerId" int, Region MyType) RETURNS SETOF "MyType" LANGUAGE sql AS $$ SELECT 1 $$;`,
    );
    expect(procedure.parsedBy).toBe('libpg-query');
    expect(procedure.name).toBe('get_total');
    expect(procedure.parameters.map((parameter) => [parameter.name, parameter.type.name])).toEqual([
      ['CustomerId', 'int4'],
      ['region', 'mytype'],
    ]);
    expect(procedure.returns).toMatchObject({ kind: 'setof', type: { name: 'MyType' } });
  });

  it('reads unnamed parameters', () => {
    const procedure = onlyProcedure(`CREATE FUNCTION f(int, text) RETURNS int LANGUAGE sql AS 'select $1';`);
    expect(procedure.parameters.map((parameter) => [parameter.name, parameter.type.name])).toEqual([
      [null, 'int4'],
      [null, 'text'],
    ]);
  });
});

describe('types', () => {
  const spellings: [string, string, number[]][] = [
    ['bigint', 'int8', []],
    ['int8', 'int8', []],
    ['integer', 'int4', []],
    ['int', 'int4', []],
    ['smallint', 'int2', []],
    ['real', 'float4', []],
    ['float(10)', 'float4', []],
    ['float', 'float8', []],
    ['double precision', 'float8', []],
    ['boolean', 'bool', []],
    ['bool', 'bool', []],
    ['character varying(10)', 'varchar', [10]],
    ['varchar', 'varchar', []],
    ['character(3)', 'bpchar', [3]],
    ['char', 'bpchar', []],
    ['"char"', 'char', []],
    ['decimal(10,2)', 'numeric', [10, 2]],
    ['numeric(12, 2)', 'numeric', [12, 2]],
    ['timestamp with time zone', 'timestamptz', []],
    ['timestamptz', 'timestamptz', []],
    ['timestamp(3) without time zone', 'timestamp', [3]],
    ['timestamp', 'timestamp', []],
    ['time with time zone', 'timetz', []],
    ['time without time zone', 'time', []],
    ['date', 'date', []],
    ['interval', 'interval', []],
    ['bit varying(5)', 'varbit', [5]],
    ['text', 'text', []],
    ['uuid', 'uuid', []],
    ['json', 'json', []],
    ['jsonb', 'jsonb', []],
    ['bytea', 'bytea', []],
    ['pg_catalog.int8', 'int8', []],
    ['pg_catalog.text', 'text', []],
  ];
  it.each(spellings)('normalises %s to %s', (spelling, name, modifiers) => {
    for (const extra of ['', ' SECURITY DEFINER']) {
      const procedure = onlyProcedure(`CREATE FUNCTION f(a ${spelling}) RETURNS void LANGUAGE sql${extra} AS $$ $$;`);
      expect(procedure.parameters[0]!.type).toEqual(builtin(name, 0, modifiers));
    }
  });

  it('keeps array dimensions and modifiers', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION f(a int[], b text[][], c varchar(5)[], d integer ARRAY, e numeric(4,1)[]) RETURNS void LANGUAGE sql AS $$ $$;`,
    );
    expect(procedure.parameters.map((parameter) => parameter.type)).toEqual([
      builtin('int4', 1),
      builtin('text', 2),
      builtin('varchar', 1, [5]),
      builtin('int4', 1),
      builtin('numeric', 1, [4, 1]),
    ]);
  });

  it('keeps user types with their schema', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION f(a app.mood, b {schema}.pair[], c Mood) RETURNS void LANGUAGE sql AS $$ $$;`,
    );
    expect(procedure.parameters.map((parameter) => parameter.type)).toEqual([
      { schema: { kind: 'named', name: 'app' }, name: 'mood', arrayDimensions: 0, modifiers: [] },
      { schema: { kind: 'placeholder' }, name: 'pair', arrayDimensions: 1, modifiers: [] },
      { schema: { kind: 'unqualified' }, name: 'mood', arrayDimensions: 0, modifiers: [] },
    ]);
  });
});

describe('parameters', () => {
  it('keeps the source text of defaults, also in the middle', () => {
    const procedure = onlyProcedure(`CREATE FUNCTION f(
        a int,
        b int DEFAULT (1 + 2) * 3,
        c text = 'it''s',
        d int[] DEFAULT ARRAY[1, 2],
        e timestamptz DEFAULT now(),
        f jsonb DEFAULT '{"k": [1, 2]}'::jsonb,
        g text DEFAULT NULL
      ) RETURNS void LANGUAGE sql AS $$ $$;`);
    expect(
      procedure.parameters.map((parameter) => [parameter.name, parameter.hasDefault, parameter.defaultText]),
    ).toEqual([
      ['a', false, null],
      ['b', true, '(1 + 2) * 3'],
      ['c', true, "'it''s'"],
      ['d', true, 'ARRAY[1, 2]'],
      ['e', true, 'now()'],
      ['f', true, `'{"k": [1, 2]}'::jsonb`],
      ['g', true, 'NULL'],
    ]);
  });

  it('reads defaults after OUT parameters and on the fallback path', () => {
    const procedure = onlyProcedure(
      `CREATE FUNCTION f(a int, OUT r int, b text DEFAULT 'x', VARIADIC rest int[] DEFAULT '{}') LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;`,
    );
    expect(procedure.parameters.map((parameter) => [parameter.name, parameter.mode, parameter.defaultText])).toEqual([
      ['a', 'in', null],
      ['r', 'out', null],
      ['b', 'in', "'x'"],
      ['rest', 'variadic', "'{}'"],
    ]);
  });
});

describe('user types', () => {
  it('reads an enum', () => {
    expect(onlyType(`CREATE TYPE {schema}.status AS ENUM ('new', 'Done', 'it''s');`)).toEqual({
      kind: 'enum',
      schema: { kind: 'placeholder' },
      name: 'status',
      values: ['new', 'Done', "it's"],
      location: { file: '1.sql', line: 1, column: 1 },
    });
  });

  it('reads a composite type', () => {
    expect(onlyType(`CREATE TYPE "Pair" AS (left_id bigint, "Right" text[], amount numeric(10,2));`)).toEqual({
      kind: 'composite',
      schema: { kind: 'named', name: 'public' },
      name: 'Pair',
      attributes: [
        { name: 'left_id', type: builtin('int8') },
        { name: 'Right', type: builtin('text', 1) },
        { name: 'amount', type: builtin('numeric', 0, [10, 2]) },
      ],
      location: { file: '1.sql', line: 1, column: 1 },
    });
  });

  it('ignores statements that define nothing the model holds', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TABLE t (id int);
      INSERT INTO t VALUES (1);
      ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id), ALTER COLUMN id SET NOT NULL;
      DO $$ BEGIN RAISE NOTICE 'x'; END $$;
      SELECT 1;
      CREATE INDEX ON t (id);`);
    expect(model.procedures).toEqual([]);
    expect(model.types).toEqual([
      expect.objectContaining({ kind: 'table', name: 't', columns: [expect.objectContaining({ name: 'id' })] }),
    ]);
    expect(diagnostics).toEqual([]);
  });
});

describe('placeholder', () => {
  it('maps the placeholder to the tenant schema and keeps columns exact', () => {
    const { model, diagnostics } = parseSql(
      `SELECT 1; CREATE FUNCTION {schema}.f() RETURNS {schema}.t LANGUAGE sql AS $$ SELECT NULL::{schema}.t $$;`,
    );
    expect(diagnostics).toEqual([]);
    expect(model.procedures[0]).toMatchObject({
      schema: { kind: 'placeholder' },
      returns: { kind: 'scalar', type: { schema: { kind: 'placeholder' }, name: 't' } },
      location: { line: 1, column: 11 },
    });
  });

  it('shows the placeholder as written in defaults and doc comments', () => {
    const { model, diagnostics } = parseSql(`-- Reads {schema}.things.
CREATE FUNCTION {schema}.f(a text DEFAULT {schema}.default_name()) RETURNS int LANGUAGE sql AS 'select 1';
COMMENT ON FUNCTION {schema}.f(text) IS 'Tenant {schema} only.';`);
    expect(diagnostics).toEqual([]);
    expect(model.procedures[0]!.parameters[0]!.defaultText).toBe('{schema}.default_name()');
    expect(model.procedures[0]!.doc).toBe('Reads {schema}.things.\n\nTenant {schema} only.');
  });

  it('accepts a configured placeholder', () => {
    const { model } = parseSql(`CREATE FUNCTION __TENANT__.f() RETURNS int LANGUAGE sql AS 'select 1';`, {
      placeholder: '__TENANT__',
    });
    expect(model.procedures[0]!.schema).toEqual({ kind: 'placeholder' });
  });

  it('accepts a placeholder too short to be quoted', () => {
    const { model } = parseSql(`CREATE FUNCTION $s.f() RETURNS int LANGUAGE sql AS 'select 1';`, { placeholder: '$s' });
    expect(model.procedures[0]!.schema).toEqual({ kind: 'placeholder' });
  });

  it('does not treat the default placeholder as special when another is configured', () => {
    const { model } = parseSql(`CREATE FUNCTION tenant.f() RETURNS int LANGUAGE sql AS 'select 1';`, {
      placeholder: '@@tenant@@',
    });
    expect(model.procedures[0]!.schema).toEqual({ kind: 'named', name: 'tenant' });
  });
});
