import { describe, expect, it } from 'vitest';
import { analyze } from '../../../generator/analyze/index.js';
import { describeRoutine, describeType } from '../../../generator/model/describe.js';
import type { Parameter, TypeRef } from '../../../generator/model/types.js';
import { parseSources } from '../../../generator/parse/index.js';
import { baseConfig } from '../golden/golden-case.js';

const mood: TypeRef = { schema: { kind: 'placeholder' }, name: 'mood', arrayDimensions: 1, modifiers: [] };
const parameter = (name: string, type: TypeRef, mode: Parameter['mode'] = 'in'): Parameter => ({
  name,
  type,
  mode,
  hasDefault: false,
  defaultText: null,
});

describe('describing model objects', () => {
  it('writes the tenant schema as the configured placeholder', () => {
    expect(describeType(mood, '{schema}')).toBe('{schema}.mood[]');
    expect(describeType(mood, '__tenant__')).toBe('__tenant__.mood[]');
    expect(describeType({ ...mood, schema: { kind: 'named', name: 'app' } }, '__tenant__')).toBe('app.mood[]');
    expect(describeType({ ...mood, schema: { kind: 'unqualified' } }, '__tenant__')).toBe('mood[]');
  });

  it('lists only the input arguments of a routine', () => {
    const int4: TypeRef = { schema: { kind: 'unqualified' }, name: 'int4', arrayDimensions: 0, modifiers: [] };
    const routine = {
      schema: { kind: 'placeholder' } as const,
      name: 'sp_x',
      parameters: [parameter('a', mood), parameter('b', int4, 'out'), parameter('c', int4, 'inout')],
    };
    expect(describeRoutine(routine, '$tenant$')).toBe('$tenant$.sp_x($tenant$.mood[], int4)');
  });

  it('parse messages use the configured placeholder', () => {
    const text = 'CREATE FUNCTION __tenant__.sp_x(a int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n'.repeat(2);
    const { diagnostics } = parseSources([{ path: 'a.sql', text }], { placeholder: '__tenant__' });
    expect(diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      'function __tenant__.sp_x(int4) already exists with same argument types (defined at a.sql:1:1)',
    ]);
  });

  it('analyze messages use the configured placeholder', () => {
    const text = 'CREATE FUNCTION __tenant__.sp_x(a __tenant__.widget) RETURNS void LANGUAGE sql AS $$ SELECT $$;';
    const parsed = parseSources([{ path: 'a.sql', text }], { placeholder: '__tenant__' });
    expect(parsed.diagnostics).toEqual([]);
    const { diagnostics } = analyze(parsed.model, { ...baseConfig, placeholder: '__tenant__' });
    expect(diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      'sp_x: parameter a: unknown type __tenant__.widget: not a supported built-in type, not declared in the input files, and not in typeOverrides',
    ]);
  });
});
