import { ProcedureValueError } from './procedure-error.js';
import { LiteralSyntaxError, parseArrayLiteral, parseRecordLiteral, type ArrayLiteral } from './postgres-literals.js';

/**
 * A decoder checks one non-NULL value from a result row and converts it to its TypeScript form, or throws a
 * `ProcedureValueError` naming the procedure and the field. Decoders accept both what a driver parses natively and
 * the server's text form, because values inside arrays and composites always arrive as text.
 */
export type Decoder<T> = (value: unknown, procedure: string, field: string) => T;

/** A result value that does not have its declared shape (22000, data_exception). */
function resultError(procedure: string, field: string, problem: string): ProcedureValueError {
  return new ProcedureValueError(procedure, field, problem, '22000');
}

function wrongType(procedure: string, field: string, expected: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw resultError(procedure, field, `expected ${expected}, got ${typeof value} ${shown.slice(0, 80)}`);
}

/** A column declared non-null (or a composite's attribute read through a non-null annotation). */
export function notNull<T>(decode: Decoder<T>, value: unknown, procedure: string, field: string): T {
  if (value === null || value === undefined) {
    throw resultError(procedure, field, 'is NULL but was declared non-null');
  }
  return decode(value, procedure, field);
}

export function orNull<T>(decode: Decoder<T>, value: unknown, procedure: string, field: string): T | null {
  return value === null || value === undefined ? null : decode(value, procedure, field);
}

/** Passes a value through unchanged; used for configured type overrides, whose representation the user owns. */
export const decodeAny: Decoder<unknown> = (value) => value;

export const decodeText: Decoder<string> = (value, procedure, field) =>
  typeof value === 'string' ? value : wrongType(procedure, field, 'a string', value);

const integerText = /^[+-]?\d+$/;

/** int2, int4, oid. */
export const decodeInt: Decoder<number> = (value, procedure, field) => {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && integerText.test(value)) return Number(value);
  return wrongType(procedure, field, 'an integer', value);
};

const floatText = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|-?Infinity)$/;

/** float4, float8 (NaN and ±Infinity included: PostgreSQL has them too). */
export const decodeFloat: Decoder<number> = (value, procedure, field) => {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && floatText.test(value)) return Number(value);
  return wrongType(procedure, field, 'a floating-point number', value);
};

export const decodeBool: Decoder<boolean> = (value, procedure, field) => {
  if (typeof value === 'boolean') return value;
  if (value === 't' || value === 'true') return true;
  if (value === 'f' || value === 'false') return false;
  return wrongType(procedure, field, 'a boolean', value);
};

/** int8 as a JavaScript number: exact up to 2^53-1, and an error beyond rather than a silently rounded value. */
export const decodeInt8AsNumber: Decoder<number> = (value, procedure, field) => {
  let result: number;
  if (typeof value === 'number') result = value;
  else if (typeof value === 'bigint') result = Number(value);
  else if (typeof value === 'string' && integerText.test(value)) result = Number(value);
  else return wrongType(procedure, field, 'an int8', value);
  if (!Number.isSafeInteger(result)) {
    throw resultError(
      procedure,
      field,
      `int8 value ${String(value)} is outside ±(2^53-1) and cannot be a number without losing precision; configure int8: "bigint"`,
    );
  }
  return result;
};

export const decodeInt8AsBigInt: Decoder<bigint> = (value, procedure, field) => {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && integerText.test(value)) return BigInt(value);
  return wrongType(procedure, field, 'an int8', value);
};

const numericText = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|-?Infinity)$/;

/** numeric kept exact as its decimal text. */
export const decodeNumericAsString: Decoder<string> = (value, procedure, field) =>
  typeof value === 'string' && numericText.test(value) ? value : wrongType(procedure, field, 'a numeric text', value);

/** numeric as a float, only when the configuration asks for it. */
export const decodeNumericAsNumber: Decoder<number> = (value, procedure, field) => {
  if (typeof value === 'number') return value;
  return Number(decodeNumericAsString(value, procedure, field));
};

function validDate(date: Date, procedure: string, field: string, original: unknown): Date {
  if (Number.isNaN(date.getTime())) wrongType(procedure, field, 'a representable date/time', original);
  return date;
}

const dateText = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;

function utcDate(year: number, month: number, day: number, rest: [number, number, number, number] = [0, 0, 0, 0]) {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(...rest);
  return date;
}

function astronomicalYear(digits: string, bc: string | undefined): number {
  const year = Number(digits);
  return bc ? 1 - year : year;
}

/** date → a Date at UTC midnight of that day, the same whichever driver or process time zone. */
export const decodeDate: Decoder<Date> = (value, procedure, field) => {
  if (value instanceof Date) return validDate(value, procedure, field, value);
  const match = typeof value === 'string' ? dateText.exec(value) : null;
  if (!match) return wrongType(procedure, field, 'a finite date', value);
  return validDate(
    utcDate(astronomicalYear(match[1]!, match[4]), Number(match[2]), Number(match[3])),
    procedure,
    field,
    value,
  );
};

const timestampText =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?( BC)?$/;

function parseTimestampText(text: string): Date | null {
  const match = timestampText.exec(text);
  if (!match) return null;
  const milliseconds = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = utcDate(astronomicalYear(match[1]!, match[12]), Number(match[2]), Number(match[3]), [
    Number(match[4]),
    Number(match[5]),
    Number(match[6]),
    milliseconds,
  ]);
  if (match[8]) {
    const offsetSeconds = Number(match[9]) * 3600 + Number(match[10] ?? 0) * 60 + Number(match[11] ?? 0);
    date.setTime(date.getTime() - (match[8] === '-' ? -1 : 1) * offsetSeconds * 1000);
  }
  return date;
}

/** timestamp (without time zone) → a Date whose UTC fields are the stored wall-clock time. */
export const decodeTimestamp: Decoder<Date> = (value, procedure, field) => {
  if (value instanceof Date) return validDate(value, procedure, field, value);
  const parsed = typeof value === 'string' ? parseTimestampText(value) : null;
  return parsed ? validDate(parsed, procedure, field, value) : wrongType(procedure, field, 'a finite timestamp', value);
};

/** timestamptz → the Date of that instant (both drivers parse it natively; arrays and composites carry text). */
export const decodeTimestamptz: Decoder<Date> = decodeTimestamp;

/** time, timetz, interval and other values whose exact text is the safest TypeScript form. */
export const decodeInterval: Decoder<string> = (value, procedure, field) => {
  if (typeof value === 'string') return value;
  // pg parses a top-level interval into an object that prints itself back as PostgreSQL text.
  const printable = value as { toPostgres?: () => string } | null;
  if (printable && typeof printable.toPostgres === 'function') return printable.toPostgres();
  return wrongType(procedure, field, 'an interval text', value);
};

/** json/jsonb sent as text (the wrapper casts it), so a JSON string value is never confused with raw text. */
export const decodeJsonText: Decoder<unknown> = (value, procedure, field) => {
  if (typeof value !== 'string') return wrongType(procedure, field, 'JSON text', value);
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return wrongType(procedure, field, 'valid JSON text', value);
  }
};

/** json/jsonb already parsed by the driver (results of CALL, which cannot be cast in the query). */
export const decodeJsonValue: Decoder<unknown> = (value) => value;

const hexText = /^\\x((?:[0-9a-fA-F]{2})*)$/;

export const decodeBytea: Decoder<Uint8Array> = (value, procedure, field) => {
  if (value instanceof Uint8Array) return value;
  const match = typeof value === 'string' ? hexText.exec(value) : null;
  if (!match) return wrongType(procedure, field, 'bytea', value);
  const hex = match[1]!;
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index += 1) {
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
};

/** A decoder for text in one exact form, e.g. a uuid; anything else is an error naming what was expected. */
function patternDecoder(expected: string, pattern: RegExp): Decoder<string> {
  return (value, procedure, field) =>
    typeof value === 'string' && pattern.test(value) ? value : wrongType(procedure, field, expected, value);
}

export const decodeUuid: Decoder<string> = patternDecoder(
  'a uuid',
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
);

/** bit and bit varying: the string of 0s and 1s PostgreSQL prints. */
export const decodeBitString: Decoder<string> = patternDecoder('a bit string', /^[01]*$/);

/** pg_lsn: two hexadecimal halves, `16/B374D848`. */
export const decodePgLsn: Decoder<string> = patternDecoder('a pg_lsn', /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/);

/** money as the server prints it (in its lc_monetary format, e.g. `-$1,234.56`): never a float. */
export const decodeMoney: Decoder<string> = patternDecoder('a money text', /\d/);

/** int2vector and oidvector: space-separated integers. */
export const decodeIntVector: Decoder<number[]> = (value, procedure, field) => {
  if (Array.isArray(value) && value.every((item) => Number.isInteger(item))) return value as number[];
  if (typeof value !== 'string' || !/^\s*(?:-?\d+(?:\s+-?\d+)*)?\s*$/.test(value)) {
    return wrongType(procedure, field, 'space-separated integers', value);
  }
  const trimmed = value.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/).map(Number);
};

/** An anonymous record (`record` that no column definition list describes): its field texts, NULL as null. */
export const decodeRecord: Decoder<(string | null)[]> = (value, procedure, field) => {
  if (typeof value !== 'string') return wrongType(procedure, field, 'a record', value);
  try {
    return parseRecordLiteral(value);
  } catch (error) {
    if (error instanceof LiteralSyntaxError) return wrongType(procedure, field, 'a record', value);
    throw error;
  }
};

/** An enum's decoder: the value must be one of the labels the SQL declared. */
export function enumDecoder<const L extends string>(typeName: string, labels: readonly L[]): Decoder<L> {
  const allowed = new Set<string>(labels);
  return (value, procedure, field) => {
    if (typeof value === 'string' && allowed.has(value)) return value as L;
    return wrongType(procedure, field, `a ${typeName} label (${labels.join(', ')})`, value);
  };
}

/**
 * An array decoder (any number of dimensions) whose elements are non-null: a NULL element is an error naming its
 * position, the same as a NULL in a non-null column.
 */
export function arrayDecoder<T, D extends number = 1>(
  element: Decoder<T>,
  dimensions: D = 1 as D,
  delimiter = ',',
): Decoder<NestedArray<T, D>> {
  function decodeLevel(items: readonly unknown[], depth: number, procedure: string, path: string): unknown[] {
    return items.map((item, index) => {
      const itemPath = `${path}[${index + 1}]`;
      if (item === null || item === undefined) {
        throw resultError(procedure, itemPath, 'array element is NULL');
      }
      if (depth > 1) {
        if (!Array.isArray(item)) return wrongType(procedure, itemPath, 'a nested array', item);
        return decodeLevel(item, depth - 1, procedure, itemPath);
      }
      return element(item, procedure, itemPath);
    });
  }
  return (value, procedure, field) => {
    let items: readonly unknown[];
    if (Array.isArray(value)) items = value;
    else if (typeof value === 'string') {
      try {
        items = parseArrayLiteral(value, delimiter);
      } catch (error) {
        if (error instanceof LiteralSyntaxError) return wrongType(procedure, field, 'an array', value);
        throw error;
      }
    } else return wrongType(procedure, field, 'an array', value);
    // An empty multi-dimensional array prints as `{}`: no inner levels to descend into.
    return decodeLevel(items, dimensions, procedure, field) as NestedArray<T, D>;
  };
}

export type NestedArray<T, D extends number> = D extends 1
  ? T[]
  : D extends 2
    ? T[][]
    : D extends 3
      ? T[][][]
      : unknown[];

/** Splits a composite value's text into its attribute texts, checking the attribute count. */
export function recordFields(
  value: unknown,
  attributeCount: number,
  procedure: string,
  field: string,
): (string | null)[] {
  if (typeof value !== 'string') return wrongType(procedure, field, 'a composite value', value);
  let fields: (string | null)[];
  try {
    fields = parseRecordLiteral(value);
  } catch (error) {
    if (error instanceof LiteralSyntaxError) return wrongType(procedure, field, 'a composite value', value);
    throw error;
  }
  if (fields.length !== attributeCount) {
    throw resultError(
      procedure,
      field,
      `composite value has ${fields.length} attributes, expected ${attributeCount}: ${value.slice(0, 80)}`,
    );
  }
  return fields;
}

export type { ArrayLiteral };
