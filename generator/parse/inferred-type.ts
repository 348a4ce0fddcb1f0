import type { TypeRef } from '../model/types.js';

/**
 * The type of an expression in a view's query, as far as it can be known without a server: a type; a literal
 * whose type comes from its context (a quoted string or NULL, PostgreSQL's `unknown`, which becomes text when
 * nothing else decides); or unknown, with the reason.
 */
export type Inferred = { type: TypeRef } | { literal: true } | { unknown: string };

export const builtinType = (name: string, arrayDimensions = 0): Inferred => ({
  type: { schema: { kind: 'unqualified' }, name, arrayDimensions, modifiers: [] },
});

export const literal: Inferred = { literal: true };
export const unknown = (reason: string): Inferred => ({ unknown: reason });

/** The built-in name of a known, non-array type (`int4`, `text`), or null. */
export function builtinName(inferred: Inferred): string | null {
  if (!('type' in inferred)) return null;
  const { schema, name, arrayDimensions } = inferred.type;
  return schema.kind === 'unqualified' && arrayDimensions === 0 ? name : null;
}

/** A known type without its modifiers: an expression's result never keeps `varchar(20)`'s length. */
export function withoutModifiers(inferred: Inferred): Inferred {
  return 'type' in inferred && inferred.type.modifiers.length > 0
    ? { type: { ...inferred.type, modifiers: [] } }
    : inferred;
}

export function arrayOf(inferred: Inferred): Inferred {
  if (!('type' in inferred)) return 'literal' in inferred ? builtinType('text', 1) : inferred;
  return { type: { ...inferred.type, arrayDimensions: Math.max(1, inferred.type.arrayDimensions + 1), modifiers: [] } };
}

export function elementOf(inferred: Inferred): Inferred {
  if (!('type' in inferred))
    return 'literal' in inferred ? unknown('the element type of an untyped literal') : inferred;
  if (inferred.type.arrayDimensions === 0) return unknown(`${inferred.type.name} is not an array`);
  return { type: { ...inferred.type, arrayDimensions: 0, modifiers: [] } };
}

/** Ranks within PostgreSQL's numeric category: each converts implicitly to every later one. */
const numericRanks: Record<string, number> = { int2: 1, int4: 2, int8: 3, numeric: 4, float4: 5, float8: 6 };
const stringTypes = new Set(['text', 'varchar', 'bpchar', 'name', 'char', 'citext']);

export const isNumeric = (name: string | null): name is string => name !== null && name in numericRanks;
export const isString = (name: string | null): name is string => name !== null && stringTypes.has(name);
export const isInteger = (name: string | null): boolean => name === 'int2' || name === 'int4' || name === 'int8';

/** The numeric type PostgreSQL's arithmetic operators return for two numeric operands. */
export function numericResult(left: string, right: string): string {
  const floats = [left, right].filter((name) => name === 'float4' || name === 'float8');
  // float4 has operators only with itself and float8: any other mix resolves to float8.
  if (floats.length > 0) return left === 'float4' && right === 'float4' ? 'float4' : 'float8';
  return numericRanks[left]! >= numericRanks[right]! ? left : right;
}

function sameType(left: TypeRef, right: TypeRef): boolean {
  return (
    left.name === right.name &&
    left.arrayDimensions === right.arrayDimensions &&
    left.schema.kind === right.schema.kind &&
    (left.schema.kind !== 'named' || left.schema.name === (right.schema as { name: string }).name)
  );
}

/**
 * PostgreSQL's rule for UNION, CASE, COALESCE, VALUES and ARRAY[...]: all literals make text; otherwise the first
 * typed input, replaced by a later one it converts to implicitly. Across categories the server would reject the
 * query, so the result is unknown.
 */
export function commonType(inputs: Inferred[]): Inferred {
  const unknownInput = inputs.find((input) => 'unknown' in input);
  if (unknownInput) return unknownInput;
  const typed = inputs.flatMap((input) => ('type' in input ? [input.type] : []));
  const [first] = typed;
  if (!first) return builtinType('text');
  if (typed.every((type) => sameType(type, first))) return withoutModifiers({ type: first });
  let candidate = first;
  for (const type of typed.slice(1)) {
    if (sameType(type, candidate)) continue;
    const left = builtinName({ type: candidate });
    const right = builtinName({ type });
    if (isNumeric(left) && isNumeric(right)) {
      if (numericRanks[right]! > numericRanks[left]!) candidate = type;
    } else if (isString(left) && isString(right)) {
      // The string types convert implicitly both ways, so the first one stays.
      continue;
    } else if (left === 'timestamp' && right === 'timestamptz') {
      candidate = type;
    } else if (left === 'date' && (right === 'timestamp' || right === 'timestamptz')) {
      candidate = type;
    } else if (!(right === 'date' && (left === 'timestamp' || left === 'timestamptz'))) {
      return unknown(`no common type for ${candidate.name} and ${type.name}`);
    }
  }
  return withoutModifiers({ type: candidate });
}
