import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Model, Parameter, Procedure, SourceFile, TypeRef, UserType } from '../../../generator/model/types.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';
import { baseConfig } from '../golden/golden-case.js';

// A hand-written model keeps these tests independent of the parse stage: they pin what verify compares.
const builtin = (name: string, arrayDimensions = 0): TypeRef => ({
  schema: { kind: 'unqualified' },
  name,
  arrayDimensions,
  modifiers: [],
});
const param = (name: string, type: TypeRef, extra: Partial<Parameter> = {}): Parameter => ({
  name,
  type,
  mode: 'in',
  hasDefault: false,
  defaultText: null,
  ...extra,
});
const procedure = (name: string, extra: Partial<Procedure>): Procedure => ({
  kind: 'function',
  schema: { kind: 'placeholder' },
  name,
  parameters: [],
  returns: { kind: 'void' },
  language: 'plpgsql',
  volatility: 'volatile',
  security: 'invoker',
  raises: [],
  doc: null,
  annotations: [],
  location: { file: 'fixture.sql', line: 1, column: 1 },
  parsedBy: 'libpg-query',
  ...extra,
});

const sql: SourceFile = {
  path: 'fixture.sql',
  text: `
CREATE TYPE {schema}.mood AS ENUM ('happy', 'sad');
CREATE FUNCTION {schema}.sp_add(p_a int4, p_b int8 DEFAULT 1) RETURNS int8 LANGUAGE sql IMMUTABLE AS $$ SELECT p_a + p_b $$;
CREATE FUNCTION {schema}.sp_list(p_tags text[]) RETURNS TABLE(tag text, mood {schema}.mood) LANGUAGE sql STABLE
  AS $$ SELECT t, 'happy'::{schema}.mood FROM unnest(p_tags) t $$;
CREATE FUNCTION {schema}.sp_touch() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN END $$;
CREATE FUNCTION {schema}.sp_pair(IN p_x int4, OUT o_a int4, OUT o_b text) LANGUAGE sql AS $$ SELECT p_x, 'b' $$;
CREATE FUNCTION {schema}.sp_one_out(IN p_x int4, OUT o_a int4) LANGUAGE sql AS $$ SELECT p_x $$;
CREATE FUNCTION {schema}.helper() RETURNS int4 LANGUAGE sql AS $$ SELECT 1 $$;
`,
};

const mood: TypeRef = { schema: { kind: 'placeholder' }, name: 'mood', arrayDimensions: 0, modifiers: [] };
const moodType: UserType = {
  kind: 'enum',
  schema: { kind: 'placeholder' },
  name: 'mood',
  values: ['happy', 'sad'],
  location: { file: 'fixture.sql', line: 2, column: 1 },
};
const matchingModel: Model = {
  types: [moodType],
  procedures: [
    procedure('sp_add', {
      parameters: [
        param('p_a', builtin('int4')),
        param('p_b', builtin('int8'), { hasDefault: true, defaultText: '1' }),
      ],
      returns: { kind: 'scalar', type: builtin('int8') },
      language: 'sql',
      volatility: 'immutable',
    }),
    procedure('sp_list', {
      parameters: [param('p_tags', builtin('text', 1))],
      returns: {
        kind: 'table',
        columns: [
          { name: 'tag', type: builtin('text') },
          { name: 'mood', type: mood },
        ],
      },
      language: 'sql',
      volatility: 'stable',
    }),
    procedure('sp_touch', { security: 'definer' }),
    procedure('sp_pair', {
      parameters: [
        param('p_x', builtin('int4')),
        param('o_a', builtin('int4'), { mode: 'out' }),
        param('o_b', builtin('text'), { mode: 'out' }),
      ],
      returns: { kind: 'scalar', type: builtin('record') },
      language: 'sql',
    }),
    procedure('sp_one_out', {
      parameters: [param('p_x', builtin('int4')), param('o_a', builtin('int4'), { mode: 'out' })],
      returns: { kind: 'scalar', type: builtin('record') },
      language: 'sql',
    }),
  ],
};

const databaseUrl = inject('databaseUrl');
const verify = (model: Model, sources: SourceFile[] = [sql], include = '^sp_') =>
  verifyModel({ connectionString: databaseUrl, sources, model, placeholder: '{schema}', include });

function withProcedure(name: string, change: (procedure: Procedure) => Procedure): Model {
  return {
    ...matchingModel,
    procedures: matchingModel.procedures.map((entry) => (entry.name === name ? change(entry) : entry)),
  };
}

describe('verifyModel', () => {
  it('finds no difference when the model matches what PostgreSQL made of the files', async () => {
    expect(await verify(matchingModel)).toEqual([]);
  });

  it('reports a parameter type that differs, naming file, procedure, parameter and both types', async () => {
    const drifted = withProcedure('sp_add', (entry) => ({
      ...entry,
      parameters: [param('p_a', builtin('int8')), entry.parameters[1]!],
    }));
    const differences = await verify(drifted);
    expect(differences).toContain(
      'fixture.sql:1:1: sp_add(int8, int8): not in the catalog (the catalog has {schema}.sp_add(integer, bigint))',
    );
    expect(differences).toContain('{schema}.sp_add(integer, bigint): in the catalog but not in the model');
  });

  it('reports names, modes, defaults and result columns that differ', async () => {
    const drifted = withProcedure('sp_add', (entry) => ({
      ...entry,
      parameters: [param('p_first', builtin('int4')), param('p_b', builtin('int8'))],
      returns: { kind: 'scalar', type: builtin('int4') },
    }));
    const listDrift = withProcedure('sp_list', (entry) => ({
      ...entry,
      returns: {
        kind: 'table',
        columns: [
          { name: 'label', type: builtin('text') },
          { name: 'mood', type: builtin('text') },
        ],
      },
    }));
    const model: Model = {
      types: [moodType],
      procedures: [drifted.procedures[0]!, listDrift.procedures[1]!, ...matchingModel.procedures.slice(2)],
    };
    expect(await verify(model)).toEqual([
      'fixture.sql:1:1: sp_add(int4, int8): parameter 1 (p_first): name: model p_first, catalog p_a',
      'fixture.sql:1:1: sp_add(int4, int8): parameter 2 (p_b): default: model no default, catalog has a default',
      'fixture.sql:1:1: sp_add(int4, int8): return type: model integer, catalog bigint',
      'fixture.sql:1:1: sp_list(text[]): result column 1 (label): name: model label, catalog tag',
      'fixture.sql:1:1: sp_list(text[]): result column 2 (mood): type: model text, catalog {schema}.mood',
    ]);
  });

  it('reports volatility, security, language and shape differences', async () => {
    const model: Model = {
      types: [moodType],
      procedures: matchingModel.procedures.map((entry) => {
        if (entry.name === 'sp_touch') return { ...entry, security: 'invoker', volatility: 'stable', language: 'sql' };
        if (entry.name === 'sp_pair') {
          return { ...entry, parameters: entry.parameters.map((p) => ({ ...p, mode: 'in' as const })) };
        }
        return entry;
      }),
    };
    const differences = await verify(model);
    expect(differences).toContain('fixture.sql:1:1: sp_touch(): language: model sql, catalog plpgsql');
    expect(differences).toContain("fixture.sql:1:1: sp_touch(): volatility: model stable, catalog provolatile 'v'");
    expect(differences).toContain('fixture.sql:1:1: sp_touch(): security: model invoker, catalog definer');
    expect(
      differences.some((line) => line.startsWith('fixture.sql:1:1: sp_pair(int4, int4, text): not in the catalog')),
    ).toBe(true);
  });

  it('reports a result shape that differs: set or single value, void or a value, procedure or function', async () => {
    const model: Model = {
      types: [moodType],
      procedures: matchingModel.procedures.map((entry) => {
        if (entry.name === 'sp_add') return { ...entry, returns: { kind: 'setof' as const, type: builtin('int8') } };
        if (entry.name === 'sp_touch') return { ...entry, returns: { kind: 'scalar' as const, type: builtin('int4') } };
        if (entry.name === 'sp_one_out')
          return { ...entry, kind: 'procedure' as const, returns: { kind: 'procedure' as const } };
        if (entry.name === 'sp_list') return { ...entry, returns: { kind: 'setof' as const, type: builtin('text') } };
        return entry;
      }),
    };
    expect(await verify(model)).toEqual([
      'fixture.sql:1:1: sp_add(int4, int8): model returns a set, catalog one value',
      'fixture.sql:1:1: sp_list(text[]): model returns setof, catalog returns TABLE(tag text, mood {schema}.mood)',
      'fixture.sql:1:1: sp_touch(): return type: model integer, catalog void',
      "fixture.sql:1:1: sp_one_out(int4): model says procedure, catalog has prokind 'f'",
    ]);
  });

  it('ignores catalog functions the include pattern leaves out, and checks them all with "*"', async () => {
    expect(await verify(matchingModel, [sql], '^sp_')).toEqual([]);
    expect(await verify(matchingModel, [sql], '*')).toEqual(['{schema}.helper(): in the catalog but not in the model']);
  });

  it('reports a model type the server does not know', async () => {
    const model = withProcedure('sp_touch', (entry) => ({
      ...entry,
      parameters: [param('p', builtin('no_such_type'))],
    }));
    expect(await verify(model)).toContain(
      'fixture.sql:1:1: sp_touch(no_such_type): parameter 1 (p): type no_such_type does not exist on the server',
    );
  });

  describe('with the configuration: every generated call, as PostgreSQL receives it', () => {
    const withCalls = (model: Model, sources: SourceFile[] = [sql]) =>
      verifyModel({
        connectionString: databaseUrl,
        sources,
        model,
        placeholder: '{schema}',
        include: '^sp_',
        config: { ...baseConfig, fingerprintFunction: null },
      });

    it('accepts the calls of a model that matches, every combination of left-out defaults included', async () => {
      expect(await withCalls(matchingModel)).toEqual([]);
    });

    it("refuses a call PostgreSQL cannot resolve, showing the call's text", async () => {
      const drifted = withProcedure('sp_add', (entry) => ({
        ...entry,
        parameters: [param('p_a', builtin('text')), entry.parameters[1]!],
      }));
      const refused = (await withCalls(drifted)).filter((line) => line.includes('does not accept'));
      expect(refused).toHaveLength(2);
      expect(refused[0]).toMatch(
        /^fixture\.sql:1:1: sp_add: PostgreSQL does not accept the generated call SELECT "sproc_verify_\w+"\."sp_add"\(\$1::text, \$2::int8\) AS "value": function .*sp_add\(text, bigint\) does not exist$/,
      );
    });

    it("checks a procedure's CALL by running it in a savepoint: its own errors do not count, a wrong call does", async () => {
      const procedures: SourceFile = {
        path: 'procedures.sql',
        text: `CREATE PROCEDURE {schema}.sp_fail(p_a int4) LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no' USING ERRCODE = '22023'; END $$;`,
      };
      const model: Model = {
        types: [],
        procedures: [
          procedure('sp_fail', {
            kind: 'procedure',
            parameters: [param('p_a', builtin('int4'))],
            returns: { kind: 'procedure' },
          }),
        ],
      };
      expect(await withCalls(model, [procedures])).toEqual([]);
      const wrong = { ...model, procedures: [{ ...model.procedures[0]!, name: 'sp_fail', parameters: [] }] };
      expect((await withCalls(wrong, [procedures])).join('\n')).toMatch(
        /sp_fail: PostgreSQL does not accept the generated call CALL .*"sp_fail"\(\): procedure .* does not exist/,
      );
    });
  });

  it('fails with the file and line when PostgreSQL rejects the SQL', async () => {
    const broken: SourceFile = {
      path: 'broken.sql',
      text: 'SELECT 1;\n\nCREATE FUNCTION {schema}.sp_x( RETURNS int4;',
    };
    await expect(verify(matchingModel, [broken])).rejects.toThrow(
      /^broken\.sql:3: PostgreSQL rejected the file: syntax error/,
    );
  });
});
