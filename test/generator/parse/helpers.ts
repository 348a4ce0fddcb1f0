import { expect } from 'vitest';
import type { Procedure, TypeRef, UserType } from '../../../generator/model/types.js';
import { parseSources, type ParseOptions, type ParseResult } from '../../../generator/parse/index.js';

/** Parses SQL given as one or more files named 1.sql, 2.sql, ... in order. */
export function parseSql(texts: string | string[], options: ParseOptions = {}): ParseResult {
  const list = typeof texts === 'string' ? [texts] : texts;
  return parseSources(
    list.map((text, index) => ({ path: `${index + 1}.sql`, text })),
    options,
  );
}

/** Parses SQL that must produce no diagnostics and returns its only procedure. */
export function onlyProcedure(text: string, options: ParseOptions = {}): Procedure {
  const { model, diagnostics } = parseSql(text, options);
  expect(diagnostics).toEqual([]);
  expect(model.procedures).toHaveLength(1);
  return model.procedures[0]!;
}

export function onlyType(text: string): UserType {
  const { model, diagnostics } = parseSql(text);
  expect(diagnostics).toEqual([]);
  expect(model.types).toHaveLength(1);
  return model.types[0]!;
}

export function builtin(name: string, arrayDimensions = 0, modifiers: number[] = []): TypeRef {
  return { schema: { kind: 'unqualified' }, name, arrayDimensions, modifiers };
}
