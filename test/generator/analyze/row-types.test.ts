import { describe, expect, it } from 'vitest';
import { analyze } from '../../../generator/analyze/index.js';
import { parseSources } from '../../../generator/parse/index.js';
import { baseConfig } from '../golden/golden-case.js';

function analyzeSql(text: string) {
  // Unqualified names mean the tenant schema, as the migration runner sets the search path to it.
  const parsed = parseSources([{ path: 'x.sql', text }], { searchPath: ['{schema}'] });
  expect(parsed.diagnostics).toEqual([]);
  return analyze(parsed.model, { ...baseConfig, include: '*' });
}

describe('row types and domains in analyze', () => {
  it('types a SETOF table as its rows, a table parameter as the row input, a domain as its base type', () => {
    const { program, diagnostics } = analyzeSql(`
      CREATE DOMAIN email AS text;
      CREATE TABLE users (id int8, mail email, previous email[]);
      CREATE FUNCTION list_users() RETURNS SETOF users LANGUAGE sql AS 'select * from users';
      CREATE FUNCTION save_user(p users, p_mail email) RETURNS void LANGUAGE sql AS 'select';`);
    expect(diagnostics).toEqual([]);
    const [list, save] = program.procedures;
    expect(list!.result).toMatchObject({ kind: 'rows' });
    expect(list!.result.columns.map((column) => [column.sqlName, column.type.tsOutput])).toEqual([
      ['id', 'number'],
      ['mail', 'string'],
      ['previous', 'string[]'],
    ]);
    // A domain argument is cast to the domain, so the server checks its constraints.
    expect(save!.params.map((param) => [param.property, param.type.tsInput, param.type.sqlType])).toEqual([
      ['p', 'UsersInput', [{ clientSchema: true }, '."users"']],
      ['mail', 'string', [{ clientSchema: true }, '."email"']],
    ]);
    expect(program.composites.map((composite) => [composite.typeName, composite.sqlKind])).toEqual([
      ['Users', 'table'],
    ]);
  });

  it('names row types of the same name in two schemas apart', () => {
    const { program, diagnostics } = analyzeSql(`
      CREATE TABLE app.users (id int);
      CREATE TABLE auth.users (login text);
      CREATE FUNCTION a() RETURNS SETOF app.users LANGUAGE sql AS 'select * from app.users';
      CREATE FUNCTION b(p auth.users) RETURNS auth.users LANGUAGE sql AS 'select p';`);
    expect(diagnostics).toEqual([]);
    expect(program.composites.map((composite) => [composite.typeName, composite.attributes[0]!.sqlName])).toEqual([
      ['Users', 'id'],
      ['AuthUsers', 'login'],
    ]);
    expect(program.procedures[1]!.params[0]!.type.tsInput).toBe('AuthUsersInput');
  });

  it('reports the column of a view a routine cannot be typed through, and leaves other routines alone', () => {
    const { program, diagnostics } = analyzeSql(`
      CREATE TABLE t (a int);
      CREATE VIEW v AS SELECT a, unknown_function(a) AS b FROM t;
      CREATE FUNCTION uses_view() RETURNS SETOF v LANGUAGE sql AS 'select * from v';
      CREATE FUNCTION uses_table() RETURNS SETOF t LANGUAGE sql AS 'select * from t';`);
    expect(diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      'uses_view: result column value: the type of column b of view {schema}.v cannot be known without a server (the result type of unknown_function(...) is not known without a server); run the generator with --catalog <url> to read it from a database where the files are applied',
    ]);
    expect(program.procedures.map((procedure) => procedure.sqlName)).toEqual(['uses_table']);
  });
});
