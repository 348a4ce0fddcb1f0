import { ProcedureValueError } from './procedure-error.js';
import { formatArrayLiteral, type LiteralElement } from './postgres-literals.js';

/**
 * An encoder turns one non-null argument into what the driver sends: text in PostgreSQL's input syntax (the wrapper
 * casts every parameter, `$1::int8`, so the server parses it), or bytes for a top-level bytea. Both `pg` and PGlite
 * pass text through unchanged, so the SQL sees the same value through either driver.
 */
export type Encoder<T> = (value: T, procedure: string, field: string) => string | Uint8Array;

function invalid(procedure: string, field: string, expected: string, value: unknown): never {
  throw new ProcedureValueError(
    procedure,
    field,
    `expected ${expected}, got ${typeof value} ${String(value).slice(0, 80)}`,
  );
}

/** `String.prototype.isWellFormed` (ES2024, Node 20), typed here so the runtime compiles with an older `lib`. */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

const LONE_SURROGATE =
  'contains a lone UTF-16 surrogate, which cannot be sent as UTF-8 (the driver would replace it with U+FFFD)';

/**
 * Text as it is sent. A string holding a lone UTF-16 surrogate has no UTF-8 form: the driver would send U+FFFD in
 * its place, so a lookup would find, or a write would store, a different string than the one given.
 */
function wellFormed(text: string, procedure: string, field: string): string {
  if (!isWellFormed(text)) throw new ProcedureValueError(procedure, field, LONE_SURROGATE);
  return text;
}

/** Configured type overrides: the user's representation goes to the driver as is (a string is still checked). */
export const encodeAny: Encoder<unknown> = (value, procedure, field) =>
  typeof value === 'string' ? wellFormed(value, procedure, field) : (value as string);

export const encodeText: Encoder<string> = (value, procedure, field) =>
  typeof value === 'string' ? wellFormed(value, procedure, field) : invalid(procedure, field, 'a string', value);

/** int2 and int4 from a safe integer; the server checks the type's range. */
export const encodeInt: Encoder<number> = (value, procedure, field) =>
  Number.isSafeInteger(value) ? String(value) : invalid(procedure, field, 'a safe integer', value);

export const encodeFloat: Encoder<number> = (value, procedure, field) =>
  typeof value === 'number' ? String(value) : invalid(procedure, field, 'a number', value);

export const encodeBool: Encoder<boolean> = (value, procedure, field) =>
  typeof value === 'boolean' ? String(value) : invalid(procedure, field, 'a boolean', value);

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/**
 * int8 from a bigint within int8's range, or from a number only when it is a safe integer: NaN, the infinities and
 * fractions are no int8, and from 2^53 on a number may already have been rounded.
 */
export const encodeInt8: Encoder<number | bigint> = (value, procedure, field) => {
  if (typeof value === 'bigint' && value >= INT8_MIN && value <= INT8_MAX) return value.toString();
  if (Number.isSafeInteger(value)) return String(value);
  return invalid(procedure, field, 'a safe integer or a bigint for int8', value);
};

/** numeric from its exact decimal text, or from a finite-or-not number the caller chose to pass. */
export const encodeNumeric: Encoder<string | number> = (value, procedure, field) => {
  if (typeof value === 'string') return wellFormed(value, procedure, field);
  if (typeof value === 'number') return String(value);
  return invalid(procedure, field, 'a numeric string or number', value);
};

function dateValue(value: Date | string, procedure: string, field: string): Date | string {
  if (typeof value === 'string') return wellFormed(value, procedure, field);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  return invalid(procedure, field, 'a valid Date or a date/time string', value);
}

export const encodeTimestamptz: Encoder<Date | string> = (value, procedure, field) => {
  const checked = dateValue(value, procedure, field);
  return typeof checked === 'string' ? checked : checked.toISOString();
};

/** timestamp (without time zone) receives a Date's UTC wall-clock time, the inverse of `decodeTimestamp`. */
export const encodeTimestamp: Encoder<Date | string> = (value, procedure, field) => {
  const checked = dateValue(value, procedure, field);
  return typeof checked === 'string' ? checked : checked.toISOString().replace('Z', '');
};

/** date receives a Date's UTC calendar day, the inverse of `decodeDate`. */
export const encodeDate: Encoder<Date | string> = (value, procedure, field) => {
  const checked = dateValue(value, procedure, field);
  return typeof checked === 'string' ? checked : checked.toISOString().slice(0, 10);
};

/**
 * Refuses, during serialisation, what `JSON.stringify` would silently change or the server refuse: a non-finite number
 * (written as `null`: a NaN due time would become "no due time") and a lone surrogate in a string or key (written as
 * a `\ud800` escape, which jsonb rejects and json stores as text no well-formed string equals).
 */
function checkedJsonMember(key: string, value: unknown): unknown {
  if (!isWellFormed(key)) throw new RangeError(`a key ${LONE_SURROGATE}`);
  if (typeof value === 'string' && !isWellFormed(value)) throw new RangeError(`a string ${LONE_SURROGATE}`);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`contains ${value}, which JSON cannot represent (JSON.stringify would write null)`);
  }
  return value;
}

/** JSON text of a value, or a `ProcedureValueError` for anything that would not arrive as given (see above). */
export const encodeJson: Encoder<unknown> = (value, procedure, field) => {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, checkedJsonMember);
  } catch (error) {
    // RangeError: refused above; TypeError: a cycle or a bigint, which JSON.stringify cannot write.
    if (error instanceof RangeError || error instanceof TypeError) {
      throw new ProcedureValueError(procedure, field, `is not JSON-serialisable as given: ${error.message}`);
    }
    throw error;
  }
  return text === undefined ? invalid(procedure, field, 'a JSON-serialisable value', value) : text;
};

export const encodeBytea: Encoder<Uint8Array> = (value, procedure, field) =>
  value instanceof Uint8Array ? value : invalid(procedure, field, 'a Uint8Array', value);

/** money from its text (any form the server's lc_monetary accepts) or from a number. */
export const encodeMoney: Encoder<string | number> = (value, procedure, field) => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return invalid(procedure, field, 'a money string or a finite number', value);
};

export const encodeIntVector: Encoder<readonly number[]> = (value, procedure, field) =>
  Array.isArray(value) && value.every((item) => Number.isInteger(item))
    ? value.join(' ')
    : invalid(procedure, field, 'an array of integers', value);

export function enumEncoder<const L extends string>(typeName: string, labels: readonly L[]): Encoder<L> {
  const allowed = new Set<string>(labels);
  return (value, procedure, field) =>
    typeof value === 'string' && allowed.has(value)
      ? value
      : invalid(procedure, field, `a ${typeName} label (${labels.join(', ')})`, value);
}

/**
 * An array argument; NULL elements are allowed on the way in (PostgreSQL arrays may hold them). Without `dimensions`
 * every nested JavaScript array is a level of the SQL array; element types whose own value is a JavaScript array
 * (box, polygon, multirange, ...) give the exact number. `delimiter` is the element type's (`;` for box).
 */
export function arrayEncoder<T>(
  element: Encoder<T>,
  options: { dimensions?: number; delimiter?: string } = {},
): Encoder<readonly unknown[]> {
  const { dimensions = Number.POSITIVE_INFINITY, delimiter = ',' } = options;
  function encodeLevel(items: readonly unknown[], depth: number, procedure: string, path: string): LiteralElement[] {
    return items.map((item, index) => {
      if (item === null || item === undefined) return null;
      const itemPath = `${path}[${index + 1}]`;
      if (depth > 1 && Array.isArray(item)) return encodeLevel(item, depth - 1, procedure, itemPath);
      return element(item as T, procedure, itemPath);
    });
  }
  return (value, procedure, field) =>
    Array.isArray(value)
      ? formatArrayLiteral(encodeLevel(value, dimensions, procedure, field), delimiter)
      : invalid(procedure, field, 'an array', value);
}
