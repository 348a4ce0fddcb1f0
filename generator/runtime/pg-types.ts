import * as decoders from './decoders.js';
import type { Decoder } from './decoders.js';
import * as encoders from './encoders.js';
import type { Encoder } from './encoders.js';
import * as geometry from './geometry.js';
import { ProcedureValueError } from './procedure-error.js';
import {
  multirangeDecoder,
  multirangeEncoder,
  rangeDecoder,
  rangeEncoder,
  type Range,
  type RangeInput,
} from './ranges.js';

/**
 * A PostgreSQL type at run time: how a call casts a value to it and how its values are read and written. The caller
 * of a generic method passes one to fix the type a polymorphic routine works on (`anyelement` as `int4`), or to
 * describe the columns of a routine returning `record`. Values are read from their text, which every decoder takes.
 */
export interface PgType<T> {
  /** The type as a cast names it; `schema` is the client's quoted schema, where the input files' types live. */
  sql(this: void, schema: string): string;
  decode(this: void, value: unknown, procedure: string, field: string): T;
  // A method, so that a PgType<number> is also a PgType<unknown> where a list of column types is expected.
  encode(this: void, value: T, procedure: string, field: string): string | Uint8Array;
  /** The array delimiter when it is not `,` (`;` for box). */
  readonly delimiter?: string;
  /** The range and multirange types over this type, for `anyrange` and `anymultirange`. */
  readonly range?: string;
  readonly multirange?: string;
}

/** The value type of a `PgType`. */
export type ValueOf<P> = P extends PgType<infer T> ? T : never;

/** A row described by a column definition list: each column's value, or null. */
export type ColumnsRow<C extends Record<string, PgType<unknown>>> = { [K in keyof C]: ValueOf<C[K]> | null };

/** A type of the client's schema (an enum or composite of the input files), or a built-in one when `schema` is null. */
export function pgType<T>(
  name: string,
  decode: Decoder<T>,
  encode: Encoder<T>,
  extra: { inClientSchema?: boolean; delimiter?: string; range?: string; multirange?: string } = {},
): PgType<T> {
  const { inClientSchema = false, ...rest } = extra;
  return { sql: inClientSchema ? (schema) => `${schema}.${name}` : () => name, decode, encode, ...rest };
}

export function arrayType<T>(element: PgType<T>): PgType<T[]> {
  const decode: Decoder<T> = (value, procedure, field) => element.decode(value, procedure, field);
  const encode: Encoder<T> = (value, procedure, field) => element.encode(value, procedure, field);
  return {
    sql: (schema) => `${element.sql(schema)}[]`,
    decode: decoders.arrayDecoder(decode, 1, element.delimiter),
    encode: encoders.arrayEncoder(encode, { dimensions: 1, delimiter: element.delimiter }),
  };
}

const ranged = <T>(name: string, decode: Decoder<T>, encode: Encoder<T>, range: string, multirange: string) =>
  pgType(name, decode, encode, { range, multirange });
const rangeType = <T>(name: string, element: PgType<T>): PgType<Range<T>> =>
  pgType<Range<T>>(name, rangeDecoder(element.decode), rangeEncoder(element.encode));

const int4 = ranged('int4', decoders.decodeInt, encoders.encodeInt, 'int4range', 'int4multirange');
const int8 = ranged('int8', decoders.decodeInt8AsNumber, encoders.encodeInt8, 'int8range', 'int8multirange');
const numeric = ranged('numeric', decoders.decodeNumericAsString, encoders.encodeNumeric, 'numrange', 'nummultirange');
const timestamp = ranged('timestamp', decoders.decodeTimestamp, encoders.encodeTimestamp, 'tsrange', 'tsmultirange');
const timestamptz = ranged(
  'timestamptz',
  decoders.decodeTimestamptz,
  encoders.encodeTimestamptz,
  'tstzrange',
  'tstzmultirange',
);
const date = ranged('date', decoders.decodeDate, encoders.encodeDate, 'daterange', 'datemultirange');
const text = (name: string) => pgType(name, decoders.decodeText, encoders.encodeText);

/** The built-in types, mapped as the generator maps them with the default configuration. */
export const pgTypes = {
  bool: pgType('bool', decoders.decodeBool, encoders.encodeBool),
  int2: pgType('int2', decoders.decodeInt, encoders.encodeInt),
  int4,
  int8,
  int8AsBigInt: ranged('int8', decoders.decodeInt8AsBigInt, encoders.encodeInt8, 'int8range', 'int8multirange'),
  float4: pgType('float4', decoders.decodeFloat, encoders.encodeFloat),
  float8: pgType('float8', decoders.decodeFloat, encoders.encodeFloat),
  numeric,
  numericAsNumber: ranged(
    'numeric',
    decoders.decodeNumericAsNumber,
    encoders.encodeNumeric,
    'numrange',
    'nummultirange',
  ),
  money: pgType('money', decoders.decodeMoney, encoders.encodeMoney),
  oid: pgType('oid', decoders.decodeInt, encoders.encodeInt),
  text: text('text'),
  varchar: text('varchar'),
  bpchar: text('bpchar'),
  name: text('name'),
  uuid: pgType('uuid', decoders.decodeUuid, encoders.encodeText),
  bytea: pgType('bytea', decoders.decodeBytea, encoders.encodeBytea),
  date,
  timestamp,
  timestamptz,
  time: pgType('time', decoders.decodeInterval, encoders.encodeText),
  timetz: pgType('timetz', decoders.decodeInterval, encoders.encodeText),
  interval: pgType('interval', decoders.decodeInterval, encoders.encodeText),
  json: pgType('json', decoders.decodeJsonText, encoders.encodeJson),
  jsonb: pgType('jsonb', decoders.decodeJsonText, encoders.encodeJson),
  xml: text('xml'),
  inet: text('inet'),
  cidr: text('cidr'),
  macaddr: text('macaddr'),
  bit: pgType('"bit"', decoders.decodeBitString, encoders.encodeText),
  varbit: pgType('varbit', decoders.decodeBitString, encoders.encodeText),
  tsvector: text('tsvector'),
  tsquery: text('tsquery'),
  point: pgType('point', geometry.decodePoint, geometry.encodePoint),
  line: pgType('line', geometry.decodeLine, geometry.encodeLine),
  lseg: pgType('lseg', geometry.decodeLineSegment, geometry.encodeLineSegment),
  box: pgType('box', geometry.decodeBox, geometry.encodeBox, { delimiter: ';' }),
  path: pgType('path', geometry.decodePath, geometry.encodePath),
  polygon: pgType('polygon', geometry.decodePolygon, geometry.encodePolygon),
  circle: pgType('circle', geometry.decodeCircle, geometry.encodeCircle),
  int4range: rangeType('int4range', int4),
  int8range: rangeType('int8range', int8),
  numrange: rangeType('numrange', numeric),
  tsrange: rangeType('tsrange', timestamp),
  tstzrange: rangeType('tstzrange', timestamptz),
  daterange: rangeType('daterange', date),
};

/** How a polymorphic argument or result relates to the type the caller fixed. */
export type PolymorphicForm = 'element' | 'array' | 'range' | 'multirange';

function rangeName(type: PgType<unknown>, form: 'range' | 'multirange', procedure: string, field: string): string {
  const name = form === 'range' ? type.range : type.multirange;
  if (name !== undefined) return name;
  throw new ProcedureValueError(procedure, field, `${type.sql('')} has no ${form} type to pass as any${form}`);
}

/** The decoder of a polymorphic result of `form` when the type parameter is `type`. */
export function polymorphicDecoder<T>(type: PgType<T>, form: 'element'): Decoder<T>;
export function polymorphicDecoder<T>(type: PgType<T>, form: 'array'): Decoder<T[]>;
export function polymorphicDecoder<T>(type: PgType<T>, form: 'range'): Decoder<Range<T>>;
export function polymorphicDecoder<T>(type: PgType<T>, form: 'multirange'): Decoder<Range<T>[]>;
export function polymorphicDecoder(type: PgType<unknown>, form: PolymorphicForm): Decoder<unknown> {
  const decode: Decoder<unknown> = (value, procedure, field) => type.decode(value, procedure, field);
  switch (form) {
    case 'element':
      return decode;
    case 'array':
      return decoders.arrayDecoder(decode, 1, type.delimiter);
    case 'range':
      return rangeDecoder(decode);
    case 'multirange':
      return multirangeDecoder(decode);
  }
}

/** The cast and encoder of a polymorphic argument of `form` when the type parameter is `type`. */
export function polymorphicArgument(
  type: PgType<unknown>,
  form: PolymorphicForm,
  schema: string,
  procedure: string,
  field: string,
): { cast: string; encode: Encoder<unknown> } {
  const encode: Encoder<unknown> = (value, at, name) => type.encode(value, at, name);
  switch (form) {
    case 'element':
      return { cast: type.sql(schema), encode };
    case 'array':
      return {
        cast: `${type.sql(schema)}[]`,
        encode: encoders.arrayEncoder(encode, { dimensions: 1, delimiter: type.delimiter }) as Encoder<unknown>,
      };
    case 'range':
      return { cast: rangeName(type, form, procedure, field), encode: rangeEncoder(encode) as Encoder<unknown> };
    case 'multirange':
      return { cast: rangeName(type, form, procedure, field), encode: multirangeEncoder(encode) as Encoder<unknown> };
  }
}

export type { Range, RangeInput };
