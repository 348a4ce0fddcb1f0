import { describe, expect, it } from 'vitest';
import { analyze } from '../../../generator/analyze/index.js';
import type { GeneratorConfig } from '../../../generator/config/schema.js';
import type { Model, Procedure, TypeRef } from '../../../generator/model/types.js';
import { baseConfig } from '../golden/golden-case.js';

const location = { file: 'hand.sql', line: 1, column: 1 };
const builtin = (name: string, arrayDimensions = 0): TypeRef => ({
  schema: { kind: 'unqualified' },
  name,
  arrayDimensions,
  modifiers: [],
});

function procedure(overrides: Partial<Procedure>): Procedure {
  return {
    kind: 'function',
    schema: { kind: 'placeholder' },
    name: 'sp_thing',
    parameters: [],
    returns: { kind: 'void' },
    language: 'sql',
    volatility: 'volatile',
    security: 'invoker',
    raises: [],
    doc: null,
    annotations: [],
    location,
    parsedBy: 'libpg-query',
    ...overrides,
  };
}

function scalarResult(type: TypeRef, config: Partial<GeneratorConfig> = {}) {
  const model: Model = { procedures: [procedure({ returns: { kind: 'scalar', type } })], types: [] };
  const { program, diagnostics } = analyze(model, { ...baseConfig, ...config });
  expect(diagnostics).toEqual([]);
  return program.procedures[0]!.result.columns[0]!.type;
}

function scalarParam(type: TypeRef, config: Partial<GeneratorConfig> = {}) {
  const parameters = [{ name: 'p_value', type, mode: 'in' as const, hasDefault: false, defaultText: null }];
  const model: Model = { procedures: [procedure({ parameters })], types: [] };
  const { program } = analyze(model, { ...baseConfig, ...config });
  return program.procedures[0]!.params[0]!.type;
}

describe('type mapping', () => {
  it.each([
    ['text', 'string', 'string'],
    ['varchar', 'string', 'string'],
    ['bpchar', 'string', 'string'],
    ['uuid', 'string', 'string'],
    ['citext', 'string', 'string'],
    ['int2', 'number', 'number'],
    ['int4', 'number', 'number'],
    ['float4', 'number', 'number'],
    ['float8', 'number', 'number'],
    ['int8', 'number | bigint', 'number'],
    ['numeric', 'string | number', 'string'],
    ['bool', 'boolean', 'boolean'],
    ['timestamptz', 'Date | string', 'Date'],
    ['timestamp', 'Date | string', 'Date'],
    ['date', 'Date | string', 'Date'],
    ['time', 'string', 'string'],
    ['interval', 'string', 'string'],
    ['json', 'unknown', 'unknown'],
    ['jsonb', 'unknown', 'unknown'],
    ['bytea', 'Uint8Array', 'Uint8Array'],
  ])('%s → in %s, out %s', (name, tsInput, tsOutput) => {
    expect(scalarParam(builtin(name)).tsInput).toBe(tsInput);
    expect(scalarResult(builtin(name)).tsOutput).toBe(tsOutput);
  });

  it('follows the int8 and numeric configuration', () => {
    expect(scalarResult(builtin('int8'), { int8: 'bigint' })).toMatchObject({
      tsOutput: 'bigint',
      value: { codec: 'int8BigInt' },
    });
    expect(scalarResult(builtin('numeric'), { numeric: 'number' })).toMatchObject({
      tsOutput: 'number',
      value: { codec: 'numericNumber' },
    });
  });

  it('selects lossy or driver-dependent types as text, natively parsed ones as they are', () => {
    for (const name of ['numeric', 'date', 'timestamp', 'interval', 'json', 'jsonb']) {
      expect(scalarResult(builtin(name)).viaText).toBe(true);
    }
    // int8 arrives exactly from both drivers (pg: string; PGlite: number or, past 2^53, bigint).
    for (const name of ['text', 'int4', 'int8', 'float8', 'bool', 'timestamptz', 'bytea']) {
      expect(scalarResult(builtin(name)).viaText).toBe(false);
    }
  });

  it('maps arrays (readonly in, mutable out) and keeps the element codec', () => {
    const type = scalarResult(builtin('int8', 2));
    expect(type).toMatchObject({
      tsOutput: 'number[][]',
      value: { kind: 'array', dimensions: 2, element: { codec: 'int8Number' } },
    });
    expect(scalarParam(builtin('timestamptz', 1)).tsInput).toBe('readonly (Date | string)[]');
  });

  it('applies typeOverrides to input and output, marking the type as asserted', () => {
    const type = scalarResult(builtin('money'), { typeOverrides: { money: 'string' } });
    expect(type).toMatchObject({ tsInput: 'string', tsOutput: 'string', asserted: true, value: { codec: 'any' } });
  });

  it("uses an override's own codecs, reading its value as text, and imports the types it names", () => {
    const geometry = { type: 'Geometry | null', module: './geo.js', decode: 'decodeG', encode: 'encodeG' };
    const type = scalarResult(builtin('geometry'), { typeOverrides: { geometry } });
    expect(type).toMatchObject({
      value: { kind: 'custom', module: './geo.js', decode: 'decodeG', encode: 'encodeG' },
      tsOutput: 'Geometry | null',
      asserted: false,
      viaText: true,
      moduleTypes: { module: './geo.js', names: ['Geometry'] },
    });
  });

  it.each([
    [{ type: 'Geometry' }, /typeOverrides\["geometry"\]: the type uses Geometry, but no module is configured/],
    [{ type: 'not a type', module: './geo.js' }, /typeOverrides\["geometry"\]: 'not a type' is not a TypeScript type/],
  ])('refuses an override whose type cannot be printed: %j', (geometry, message) => {
    const model: Model = {
      procedures: [procedure({ returns: { kind: 'scalar', type: builtin('geometry') } })],
      types: [],
    };
    const { diagnostics } = analyze(model, { ...baseConfig, typeOverrides: { geometry } });
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', message: expect.stringMatching(message) }),
    ]);
  });

  it('reports an unknown type at the definition', () => {
    const model: Model = {
      procedures: [procedure({ returns: { kind: 'scalar', type: builtin('geometry') } })],
      types: [],
    };
    const { program, diagnostics } = analyze(model, baseConfig);
    expect(program.procedures).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'unknown-type', severity: 'error', location })]);
  });
});

describe('filtering and naming', () => {
  const model: Model = {
    procedures: [
      procedure({ name: 'sp_list_items' }),
      procedure({ name: 'helper' }),
      procedure({ name: '_sp_internal' }),
    ],
    types: [],
  };

  it('takes names matching include (default ^sp_) or every function for "*"', () => {
    expect(analyze(model, baseConfig).program.procedures.map((item) => item.methodName)).toEqual(['listItems']);
    expect(analyze(model, { ...baseConfig, include: '*' }).program.procedures.map((item) => item.methodName)).toEqual([
      'listItems',
      'helper',
      'spInternal',
    ]);
  });

  it('drops the p_ prefix from parameter properties and reports properties that collide', () => {
    const parameters = [
      { name: 'p_item_id', type: builtin('int4'), mode: 'in' as const, hasDefault: false, defaultText: null },
      { name: 'item_id', type: builtin('int4'), mode: 'in' as const, hasDefault: false, defaultText: null },
    ];
    const { diagnostics } = analyze({ procedures: [procedure({ parameters })], types: [] }, baseConfig);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'name-collision' })]);
  });

  it('makes a defaulted parameter optional only when every later argument has a name', () => {
    const parameters = [
      { name: 'p_a', type: builtin('int4'), mode: 'in' as const, hasDefault: true, defaultText: '1' },
      { name: null, type: builtin('int4'), mode: 'in' as const, hasDefault: true, defaultText: '2' },
    ];
    const { program } = analyze({ procedures: [procedure({ parameters })], types: [] }, baseConfig);
    expect(program.procedures[0]!.params.map((param) => param.optional)).toEqual([false, true]);
  });
});
