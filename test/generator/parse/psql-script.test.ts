import { describe, expect, it } from 'vitest';
import { readPsqlScript } from '../../../generator/parse/psql-script.js';
import { parseSql } from './helpers.js';

const read = (text: string, variables: Record<string, string> = {}) =>
  readPsqlScript(text, { variables, placeholder: '{schema}' });

/** The script's text with the blanks psql leaves collapsed, to compare what PostgreSQL receives. */
const sent = (text: string, variables: Record<string, string> = {}) =>
  read(text, variables)
    .text.split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');

describe('readPsqlScript', () => {
  it('substitutes :name raw, :\'name\' as a literal and :"name" as an identifier', () => {
    expect(sent(`SELECT :n, :'s', :"i", :'b';`, { n: '42', s: "it's", i: 'My "T"', b: 'a\\b' })).toBe(
      `SELECT 42, 'it''s', "My ""T""",  E'a\\\\b';`,
    );
  });

  it('leaves literals, quoted identifiers, dollar quotes, comments and casts alone', () => {
    const text = `SELECT ':x', E'\\':x', ":x", $$ :x $$, $t$ :x $t$, 1::int, a[1:2] -- :x\n/* :x /* :x */ */;`;
    expect(read(text, { x: 'X', int: 'no', '2': 'no' }).text).toBe(text.replace('a[1:2]', 'a[1no]'));
  });

  it('leaves an unset variable in brackets alone (a slice) and makes it the placeholder elsewhere', () => {
    const script = read(`SELECT a[1:n], :s.f(), :'s', :"s";`);
    expect(script.text).toBe(`SELECT a[1:n], {schema}.f(), '{schema}', {schema};`);
    expect(script.unset).toEqual([{ name: 's', offset: 15 }]);
  });

  it('applies \\set and \\unset for the rest of the file, with psql quoting in the arguments', () => {
    const text = ["\\set a 'x''y' z", '\\set b :a:"a"', 'SELECT :a, :b;', '\\unset a', 'SELECT :a;'].join('\n');
    expect(sent(text)).toBe(`SELECT x'yz, x'yz"x'yz";\nSELECT {schema};`);
  });

  it('sends only the branch of \\if ... \\endif that psql takes, and reads booleans as psql does', () => {
    const text = [
      '\\set on yes',
      '\\if :on',
      '  SELECT 1;',
      '  \\if of',
      '    SELECT 2;',
      '  \\elif t',
      '    SELECT 3;',
      '  \\else',
      '    SELECT 4;',
      '  \\endif',
      '\\elif true',
      '  SELECT 5;',
      '\\else',
      '  SELECT 6;',
      '\\endif',
      '\\if maybe',
      '  SELECT 7;',
      '\\endif',
    ].join('\n');
    const script = read(text);
    expect(sent(text)).toBe('SELECT 1;\nSELECT 3;');
    expect(script.notes.map((note) => note.message)).toEqual([
      'cannot read \\if maybe as a boolean; psql takes it as false, so its lines are skipped',
    ]);
  });

  it('skips other meta-commands with a warning, and a \\g-like one ends the statement', () => {
    const text = ['\\echo Use "CREATE EXTENSION x" \\quit', '\\i other.sql', 'SELECT 1 AS n \\gset', 'SELECT 2;'].join(
      '\n',
    );
    const script = read(text);
    expect(sent(text)).toBe('SELECT 1 AS n ;\nSELECT 2;');
    expect(script.notes.map((note) => [note.offset, note.message])).toEqual([
      [0, 'psql meta-command \\echo is skipped, with the rest of its line'],
      [37, 'psql meta-command \\i is skipped; the file it names is not read (list it as an input)'],
      [
        64,
        'psql meta-command \\gset is skipped; the statement before it is read, what \\gset does with its result is not',
      ],
    ]);
  });

  it('stops at \\q', () => {
    expect(sent('SELECT 1;\n\\q\nSELECT 2;')).toBe('SELECT 1;');
  });

  it('skips COPY ... FROM stdin with its data up to \\.', () => {
    const text = 'COPY :s.t (a, b) FROM stdin;\n1\t:x\n\\.\nSELECT 1;';
    expect(sent(text, { s: 'a_long_schema_name' })).toBe('SELECT 1;');
    expect(read(text).notes.map((note) => note.code)).toEqual(['psql-copy']);
  });

  it('keeps every line break, so lines stay where they are', () => {
    const text = '\\set x 1\n\\if false\nSELECT 1;\n\\endif\nSELECT :x;\n';
    expect(read(text).text.split('\n')).toHaveLength(text.split('\n').length);
  });
});

describe('psql scripts in the parse stage', () => {
  it('reads the routines a script defines with its variables, and points diagnostics at the file as written', () => {
    const { model, diagnostics } = parseSql(
      [
        '\\set ON_ERROR_STOP on',
        'CREATE SCHEMA :"app";',
        "CREATE FUNCTION :app.sp_greet(p_name text DEFAULT :'greeting') RETURNS text",
        '  LANGUAGE sql AS $$ SELECT p_name $$;',
        'CREATE FUNCTION :app.sp_bad(p_x :missing_type) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
      ].join('\n'),
      { variables: { app: 'my_app', greeting: 'hello', missing_type: 'widget' } },
    );
    expect(diagnostics).toEqual([]);
    expect(model.procedures.map((procedure) => [procedure.schema, procedure.name])).toEqual([
      [{ kind: 'named', name: 'my_app' }, 'sp_greet'],
      [{ kind: 'named', name: 'my_app' }, 'sp_bad'],
    ]);
    // The default as written, and the locations of the file as written.
    expect(model.procedures[0]!.parameters[0]!.defaultText).toBe(":'greeting'");
    expect(model.procedures[1]!.location).toEqual({ file: '1.sql', line: 5, column: 1 });
  });

  it('reads a variable without a value as the placeholder, with one warning per variable', () => {
    const { model, diagnostics } = parseSql([
      'CREATE SCHEMA IF NOT EXISTS :MY_SCHEMA;\nCREATE FUNCTION :MY_SCHEMA.add_job() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
      'CREATE FUNCTION :MY_SCHEMA.get_job() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
    ]);
    expect(model.procedures.map((procedure) => procedure.schema)).toEqual([
      { kind: 'placeholder' },
      { kind: 'placeholder' },
    ]);
    expect(diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'psql-variable',
        message:
          'psql variable :MY_SCHEMA has no value, so it is read as {schema}, the schema chosen at run time; give it a ' +
          'value in "variables" (or --variable MY_SCHEMA=...) if it names something else',
        location: { file: '1.sql', line: 1, column: 29 },
      },
    ]);
  });

  it('reports a parse error after a substitution at its place in the file as written', () => {
    const { diagnostics } = parseSql('SELECT :long_name, :x;\nCREATE FUNCTION f( RETURNS int;', {
      variables: { long_name: 'a_much_longer_replacement_value', x: '1' },
    });
    expect(diagnostics).toMatchObject([{ code: 'parse-error', location: { line: 2, column: 31 } }]);
  });

  it('warns about meta-commands it skips, at their line', () => {
    const { diagnostics } = parseSql('SELECT 1;\n\\i setup.sql\n');
    expect(diagnostics).toMatchObject([{ severity: 'warning', code: 'psql-meta-command', location: { line: 2 } }]);
  });
});
