import { describe, expect, it } from 'vitest';
import type { Model, SchemaRef } from '../../../generator/model/types.js';
import { splitSearchPath } from '../../../generator/parse/search-path.js';
import { parseSql } from './helpers.js';

const named = (name: string): SchemaRef => ({ kind: 'named', name });
const fn = (name: string) => `CREATE FUNCTION ${name}() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;`;

/** `schema.name` of every routine, in model order; `?` for an unknown schema. */
function routines(model: Model): string[] {
  return model.procedures.map(({ schema, name }) => {
    const prefix = schema.kind === 'named' ? schema.name : schema.kind === 'placeholder' ? '{schema}' : '?';
    return `${prefix}.${name}`;
  });
}

function clean(files: string | string[], options: Parameters<typeof parseSql>[1] = {}): Model {
  const { model, diagnostics } = parseSql(files, options);
  expect(diagnostics).toEqual([]);
  return model;
}

describe('where an unqualified CREATE lands', () => {
  it('in public by default ("$user" names no schema)', () => {
    expect(routines(clean(fn('f')))).toEqual(['public.f']);
  });

  it('in the first schema of SET search_path that exists when the function is created', () => {
    const model = clean(`
      SET search_path = app, public;
      ${fn('before_app')}
      CREATE SCHEMA app;
      ${fn('after_app')}
      SET search_path TO "Other", app;
      ${fn('skips_missing')}`);
    expect(routines(model)).toEqual(['public.before_app', 'app.after_app', 'app.skips_missing']);
  });

  it('through SET SESSION, SET SCHEMA, set_config at top level, RESET and SET ... TO DEFAULT', () => {
    const model = clean(`
      CREATE SCHEMA a; CREATE SCHEMA "B";
      SET SESSION search_path = a; ${fn('f1')}
      SET SCHEMA 'B'; ${fn('f2')}
      SELECT pg_catalog.set_config('search_path', 'nope, a', false); ${fn('f3')}
      SELECT set_config('search_path', '"B"', false); ${fn('f4')}
      RESET search_path; ${fn('f5')}
      SET search_path = a; SET search_path TO DEFAULT; ${fn('f6')}`);
    expect(routines(model)).toEqual(['a.f1', 'B.f2', 'a.f3', 'B.f4', 'public.f5', 'public.f6']);
  });

  it('takes each SET value as one schema name, as PostgreSQL does', () => {
    const model = clean(`CREATE SCHEMA "a, b"; SET search_path = 'a, b'; ${fn('f')}`);
    expect(model.procedures[0]!.schema).toEqual(named('a, b'));
  });

  it('keeps SET LOCAL to its transaction, and undoes a session SET on ROLLBACK', () => {
    const model = clean([
      `CREATE SCHEMA a; CREATE SCHEMA b;
       BEGIN; SET LOCAL search_path = a; ${fn('local_in_block')} COMMIT; ${fn('after_commit')}
       BEGIN; SET search_path = b; ROLLBACK; ${fn('after_rollback')}
       SELECT set_config('search_path', 'a', true); ${fn('local_without_block')}`,
      fn('next_file'),
    ]);
    expect(routines(model)).toEqual([
      'a.local_in_block',
      'public.after_commit',
      'public.after_rollback',
      'a.local_without_block',
      'public.next_file',
    ]);
  });

  it('keeps a session SET for the files after it', () => {
    const model = clean(['CREATE SCHEMA app; SET search_path = app;', fn('f')]);
    expect(routines(model)).toEqual(['app.f']);
  });

  it('starts from the configured search path, where the placeholder is the tenant schema', () => {
    expect(routines(clean(fn('f'), { searchPath: ['{schema}'] }))).toEqual(['{schema}.f']);
    expect(routines(clean(`SET search_path = {schema}, public; ${fn('f')}`))).toEqual(['{schema}.f']);
    expect(routines(clean(`CREATE SCHEMA x; ${fn('f')}`, { searchPath: ['x', 'public'] }))).toEqual(['x.f']);
  });

  it('refuses a CREATE when no schema of the path exists, as PostgreSQL does', () => {
    const { model, diagnostics } = parseSql(`SELECT pg_catalog.set_config('search_path', '', false);\n${fn('f')}`);
    expect(model.procedures).toEqual([]);
    expect(diagnostics).toMatchObject([
      {
        severity: 'error',
        code: 'invalid-schema',
        message: 'no schema has been selected to create in: none of the search_path (empty) exists',
        location: { line: 2, column: 1 },
      },
    ]);
  });

  it('leaves the schema unknown after a search_path it cannot read, and says so once', () => {
    const { model, diagnostics } = parseSql(`
      SELECT set_config('search_path', current_setting('search_path') || ', app', false);
      ${fn('f')}
      SET search_path = public; ${fn('g')}`);
    expect(routines(model)).toEqual(['?.f', 'public.g']);
    expect(diagnostics).toMatchObject([{ severity: 'warning', code: 'unknown-search-path' }]);
  });

  it('does not follow set_config inside a function body or a DO block', () => {
    const model = clean(`
      CREATE SCHEMA app;
      DO $$ BEGIN PERFORM set_config('search_path', 'app', false); END $$;
      CREATE FUNCTION setter() RETURNS void LANGUAGE sql AS $$ SELECT set_config('search_path', 'app', false) $$;
      ${fn('f')}`);
    expect(routines(model)).toEqual(['public.setter', 'public.f']);
  });
});

describe('how names resolve', () => {
  it('finds user types through the path, pg_catalog first unless the path names it later', () => {
    const model = clean(`
      CREATE SCHEMA app;
      CREATE TYPE app.mood AS ENUM ('a');
      CREATE TYPE public.bit AS ENUM ('x');
      CREATE TYPE public.text AS ENUM ('y');
      SET search_path = app, public;
      CREATE FUNCTION f(a mood, b bit(4), c "bit", d text, e public.text) RETURNS void LANGUAGE sql AS $$ $$;
      SET search_path = public, pg_catalog;
      CREATE FUNCTION g(a bit(4), b "bit", c text, d integer, e mood) RETURNS void LANGUAGE sql AS $$ $$;`);
    const types = (index: number) =>
      model.procedures[index]!.parameters.map(({ type }) =>
        type.schema.kind === 'named' ? `${type.schema.name}.${type.name}` : type.name,
      );
    expect(types(0)).toEqual(['app.mood', 'bit', 'bit', 'text', 'public.text']);
    // bit(4) is spelled with a keyword: the grammar makes it pg_catalog.bit whatever the path says.
    expect(types(1)).toEqual(['bit', 'public.bit', 'public.text', 'int4', 'mood']);
  });

  it('drops, comments on and alters the function the path finds', () => {
    const model = clean(`
      CREATE SCHEMA app;
      ${fn('public.f')}
      ${fn('app.f')}
      SET search_path = app, public;
      DROP FUNCTION f();
      COMMENT ON FUNCTION f() IS 'the public one';
      ALTER FUNCTION f() STABLE;`);
    expect(routines(model)).toEqual(['public.f']);
    expect(model.procedures[0]).toMatchObject({ doc: 'the public one', volatility: 'stable' });
  });

  it('resolves DROP TYPE and ALTER TYPE through the path', () => {
    const model = clean(`
      CREATE SCHEMA app;
      CREATE TYPE app.mood AS ENUM ('a');
      CREATE TYPE public.mood AS ENUM ('b');
      SET search_path = app;
      ALTER TYPE mood ADD VALUE 'c';
      SET search_path = public;
      DROP TYPE mood;`);
    expect(model.types).toMatchObject([{ schema: named('app'), name: 'mood', values: ['a', 'c'] }]);
  });
});

describe('schemas', () => {
  it('drops a schema with its routines and types only with CASCADE', () => {
    const { model, diagnostics } = parseSql(`
      CREATE SCHEMA app;
      ${fn('app.f')}
      DROP SCHEMA app;
      DROP SCHEMA IF EXISTS nope;
      DROP SCHEMA app CASCADE;
      ${fn('app.g')}`);
    expect(diagnostics.map(({ code, message }) => `${code}: ${message}`)).toEqual([
      'dependent-objects: cannot drop schema "app" because 1 object in it depend on it (use CASCADE)',
    ]);
    expect(routines(model)).toEqual(['app.g']);
  });

  it('moves routines and types with ALTER SCHEMA ... RENAME', () => {
    const model = clean(`
      CREATE SCHEMA old;
      CREATE TYPE old.mood AS ENUM ('a');
      CREATE FUNCTION old.f(m old.mood) RETURNS void LANGUAGE sql AS $$ $$;
      ALTER SCHEMA old RENAME TO new;
      SET search_path = new;
      DROP FUNCTION f(new.mood);
      ${fn('g')}`);
    expect(routines(model)).toEqual(['new.g']);
    expect(model.types).toMatchObject([{ schema: named('new'), name: 'mood' }]);
  });

  it('treats CREATE SCHEMA AUTHORIZATION role as a schema named after the role', () => {
    expect(routines(clean(`CREATE SCHEMA AUTHORIZATION worker; SET search_path = worker; ${fn('f')}`))).toEqual([
      'worker.f',
    ]);
  });
});

describe('splitSearchPath', () => {
  it.each([
    ['', []],
    ['  ', []],
    ['a', ['a']],
    ['App, "My ""Schema""" ,public', ['app', 'My "Schema"', 'public']],
    ['"$user", public', ['$user', 'public']],
  ])('reads %j', (text, names) => {
    expect(splitSearchPath(text)).toEqual(names);
  });

  it.each(['a,', ',a', 'a b', '"a'])('rejects %j', (text) => {
    expect(splitSearchPath(text)).toBeNull();
  });
});

describe('ALTER ... SET SCHEMA', () => {
  it('moves a routine, and a type with every reference to it', () => {
    const model = clean(`
      CREATE SCHEMA app;
      CREATE TYPE mood AS ENUM ('a');
      CREATE TYPE pair AS (m mood);
      CREATE FUNCTION f(m mood) RETURNS mood LANGUAGE sql AS $$ SELECT m $$;
      ALTER TYPE mood SET SCHEMA app;
      ALTER FUNCTION f(app.mood) SET SCHEMA app;
      SET search_path = app;
      DROP FUNCTION f(mood);
      CREATE FUNCTION g(p public.pair) RETURNS void LANGUAGE sql AS $$ $$;`);
    expect(routines(model)).toEqual(['app.g']);
    expect(model.types).toMatchObject([
      { schema: named('app'), name: 'mood' },
      { schema: named('public'), name: 'pair', attributes: [{ type: { schema: named('app'), name: 'mood' } }] },
    ]);
  });
});
