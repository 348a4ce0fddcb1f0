import { describe, expect, it } from 'vitest';
import type { RelationType, UserType } from '../../../generator/model/types.js';
import { builtin, parseSql } from './helpers.js';

const named = (types: UserType[], name: string) => types.find((type) => type.name === name);
const columnsOf = (types: UserType[], name: string) =>
  (named(types, name) as RelationType | undefined)?.columns.map((column) => [column.name, column.type?.name ?? null]);

describe('relations and types as a migration history', () => {
  it('refuses what PostgreSQL refuses without CASCADE: dropping what a view, a routine or a column uses', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TABLE t (a int, b text);
      CREATE VIEW v AS SELECT a FROM t;
      CREATE TYPE mood AS ENUM ('happy');
      CREATE TABLE people (m mood);
      CREATE FUNCTION f(p t) RETURNS int LANGUAGE sql AS 'select 1';
      DROP TABLE t;
      ALTER TABLE t DROP COLUMN a;
      ALTER TABLE t ALTER COLUMN a TYPE int8;
      DROP TYPE mood;
      ALTER TABLE t DROP COLUMN b;`);
    expect(diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.message])).toEqual([
      [
        'dependent-objects',
        'cannot drop table t because other objects depend on it (view public.v, function public.f(public.t)); use DROP ... CASCADE',
      ],
      [
        'dependent-objects',
        'cannot drop column a of table t because other objects depend on it (view public.v); use DROP ... CASCADE',
      ],
      ['feature-not-supported', 'cannot alter type of a column used by a view or rule (view public.v)'],
      [
        'dependent-objects',
        'cannot drop type mood because other objects depend on it (column m of table public.people); use DROP ... CASCADE',
      ],
    ]);
    expect(columnsOf(model.types, 't')).toEqual([['a', 'int4']]);
    expect(model.procedures).toHaveLength(1);
  });

  it('CASCADE drops dependent views and routines, and columns of a dropped type', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TABLE t (a int, b text);
      CREATE VIEW v AS SELECT a FROM t;
      CREATE VIEW vv AS SELECT * FROM v;
      CREATE FUNCTION f() RETURNS SETOF vv LANGUAGE sql AS 'select * from vv';
      CREATE TYPE mood AS ENUM ('happy');
      CREATE TABLE people (id int, m mood);
      ALTER TABLE t DROP COLUMN a CASCADE;
      DROP TYPE mood CASCADE;`);
    expect(diagnostics).toEqual([]);
    expect(model.types.map((type) => type.name)).toEqual(['t', 'people']);
    expect(columnsOf(model.types, 'people')).toEqual([['id', 'int4']]);
    expect(model.procedures).toEqual([]);
  });

  it('CREATE OR REPLACE VIEW keeps the existing columns and only adds new ones, as PostgreSQL does', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TABLE t (a int, b text);
      CREATE VIEW v AS SELECT a FROM t;
      CREATE OR REPLACE VIEW v AS SELECT a::int8 AS a FROM t;
      CREATE OR REPLACE VIEW v AS SELECT b AS renamed FROM t;
      CREATE OR REPLACE VIEW v AS SELECT 1 AS a FROM t WHERE false;
      CREATE OR REPLACE VIEW v AS SELECT a, b FROM t;
      CREATE OR REPLACE VIEW t AS SELECT 1 AS a;`);
    expect(diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      'cannot change data type of view column "a" from int4 to int8',
      'cannot change name of view column "a" to "renamed"',
      'public.t is not a view',
    ]);
    expect(columnsOf(model.types, 'v')).toEqual([
      ['a', 'int4'],
      ['b', 'text'],
    ]);
  });

  it('types a view column that needs a server as unknown, saying why', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TABLE t (a int, doc tsvector);
      CREATE VIEW v AS SELECT a, mystery(a) AS m, doc @@ 'x' AS hit, a <-> a AS distance FROM t;
      CREATE VIEW everything AS SELECT * FROM pg_stat_activity;
      CREATE VIEW partly AS SELECT s.*, t.a FROM t, some_function() s;`);
    expect(diagnostics).toEqual([]);
    expect(named(model.types, 'v')).toMatchObject({
      columns: [
        { name: 'a', type: builtin('int4'), typeUnknownReason: null },
        { name: 'm', type: null, typeUnknownReason: 'the result type of mystery(...) is not known without a server' },
        { name: 'hit', type: builtin('bool'), typeUnknownReason: null },
        { name: 'distance', type: null, typeUnknownReason: 'the operator int4 <-> int4' },
      ],
      columnsUnknownReason: null,
    });
    expect(named(model.types, 'everything')).toMatchObject({
      columns: [],
      columnsUnknownReason: 'relation pg_stat_activity is not defined in the input files',
    });
    expect(named(model.types, 'partly')).toMatchObject({
      columnsUnknownReason: 'the columns of some_function(...) are not known without a server',
    });
  });

  it('warns, rather than fails, on a table the files do not create (dynamic SQL and extensions create tables too)', () => {
    const { model, diagnostics } = parseSql(`ALTER TABLE made_elsewhere ADD COLUMN x int; DROP TABLE IF EXISTS gone;`);
    expect(model.types).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'unmodelled-relation',
        message: 'table made_elsewhere is not defined in the input files; this statement is not reflected in the model',
      }),
    ]);
  });

  it('keeps the first definition for CREATE ... IF NOT EXISTS and reports a plain duplicate', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TABLE t (a int);
      CREATE TABLE IF NOT EXISTS t (b text);
      CREATE TABLE t (c text);
      CREATE TYPE t AS ENUM ('x');`);
    expect(columnsOf(model.types, 't')).toEqual([['a', 'int4']]);
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['duplicate-relation', 'duplicate-type']);
  });

  it('RENAME and SET SCHEMA carry the routines that use a type along, as its oid does in PostgreSQL', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TABLE t (a int);
      CREATE TYPE pair AS (x int);
      CREATE FUNCTION f(p t, q pair[]) RETURNS SETOF t LANGUAGE sql AS 'select p';
      ALTER TABLE t RENAME TO orders;
      ALTER TYPE pair SET SCHEMA other;
      ALTER FUNCTION f(orders, other.pair[]) SET SCHEMA app;
      COMMENT ON FUNCTION app.f(orders, other.pair[]) IS 'moved';`);
    expect(diagnostics).toEqual([]);
    const [procedure] = model.procedures;
    expect(procedure).toMatchObject({ schema: { kind: 'named', name: 'app' }, doc: 'moved' });
    // Created unqualified, the table landed in public, the first schema of PostgreSQL's default search_path.
    const orders = { schema: { kind: 'named', name: 'public' }, name: 'orders', arrayDimensions: 0, modifiers: [] };
    expect(procedure!.parameters.map((parameter) => parameter.type)).toEqual([
      orders,
      { schema: { kind: 'named', name: 'other' }, name: 'pair', arrayDimensions: 1, modifiers: [] },
    ]);
    expect(procedure!.returns).toEqual({ kind: 'setof', type: orders });
  });

  it('takes %TYPE as the column type when the function is created, and ignores temporary tables', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TABLE t (a varchar(10));
      CREATE FUNCTION f(p t.a%TYPE) RETURNS int LANGUAGE sql AS 'select 1';
      ALTER TABLE t ALTER COLUMN a TYPE text;
      CREATE TEMP TABLE scratch (x int);
      CREATE TEMPORARY VIEW scratch_view AS SELECT 1 AS x;`);
    expect(diagnostics).toEqual([]);
    expect(model.procedures[0]!.parameters[0]!.type).toEqual(builtin('varchar'));
    expect(model.types.map((type) => type.name)).toEqual(['t']);
  });

  it('renames enum values, domains and ranges, and derives multirange names as PostgreSQL does', () => {
    const { model, diagnostics } = parseSql(`
      CREATE TYPE mood AS ENUM ('happy', 'sad');
      ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';
      CREATE DOMAIN d AS int;
      ALTER DOMAIN d RENAME TO positive;
      CREATE TYPE floatrange AS RANGE (subtype = float8);
      CREATE TYPE span AS RANGE (subtype = int4);
      CREATE TYPE s.named AS RANGE (subtype = int8, multirange_type_name = s.many);`);
    expect(diagnostics).toEqual([]);
    expect(model.types).toEqual([
      expect.objectContaining({ kind: 'enum', values: ['happy', 'blue'] }),
      expect.objectContaining({ kind: 'domain', name: 'positive', baseType: builtin('int4') }),
      expect.objectContaining({
        kind: 'range',
        multirange: { schema: { kind: 'named', name: 'public' }, name: 'floatmultirange' },
      }),
      expect.objectContaining({
        kind: 'range',
        multirange: { schema: { kind: 'named', name: 'public' }, name: 'span_multirange' },
      }),
      expect.objectContaining({ kind: 'range', multirange: { schema: { kind: 'named', name: 's' }, name: 'many' } }),
    ]);
  });

  it('finds a table written with the placeholder by its unqualified name, as the installed files do', () => {
    const { model, diagnostics } = parseSql(
      `
      CREATE TABLE {schema}.orders (id int);
      ALTER TABLE orders ADD COLUMN total numeric;
      CREATE VIEW {schema}.v AS SELECT * FROM orders;`,
      { searchPath: ['{schema}'] },
    );
    expect(diagnostics).toEqual([]);
    expect(columnsOf(model.types, 'v')).toEqual([
      ['id', 'int4'],
      ['total', 'numeric'],
    ]);
  });
});
