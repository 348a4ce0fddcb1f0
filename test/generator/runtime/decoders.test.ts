import { describe, expect, it } from 'vitest';
import {
  ProcedureValueError,
  arrayDecoder,
  decodeBool,
  decodeBytea,
  decodeDate,
  decodeFloat,
  decodeInt,
  decodeInt8AsBigInt,
  decodeInt8AsNumber,
  decodeInterval,
  decodeJsonText,
  decodeNumericAsNumber,
  decodeNumericAsString,
  decodeText,
  decodeTimestamp,
  decodeTimestamptz,
  enumDecoder,
  notNull,
  orNull,
  recordFields,
} from '../../../generator/runtime/index.js';

const at = ['sp_test', 'col'] as const;

describe('int8 decoders', () => {
  it('keep every integer up to ±(2^53-1) exact as a number', () => {
    expect(decodeInt8AsNumber('9007199254740991', ...at)).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeInt8AsNumber('-9007199254740991', ...at)).toBe(-Number.MAX_SAFE_INTEGER);
    expect(decodeInt8AsNumber(42, ...at)).toBe(42);
    expect(decodeInt8AsNumber(42n, ...at)).toBe(42);
    expect(decodeInt8AsNumber('0', ...at)).toBe(0);
  });

  it('throw past 2^53-1 (string, number or bigint) naming procedure and column', () => {
    for (const value of ['9007199254740992', '-9007199254740992', '9223372036854775807', 2 ** 53, 2n ** 53n]) {
      expect(() => decodeInt8AsNumber(value, ...at)).toThrow(ProcedureValueError);
      expect(() => decodeInt8AsNumber(value, ...at)).toThrow(/^sp_test: col: int8 value/);
    }
  });

  it('reject non-integers', () => {
    expect(() => decodeInt8AsNumber('1.5', ...at)).toThrow(/expected an int8/);
    expect(() => decodeInt8AsNumber(1.5, ...at)).toThrow(ProcedureValueError);
    expect(() => decodeInt8AsBigInt('abc', ...at)).toThrow(ProcedureValueError);
  });

  it('decode the whole int8 range as bigint', () => {
    expect(decodeInt8AsBigInt('9223372036854775807', ...at)).toBe(9223372036854775807n);
    expect(decodeInt8AsBigInt('-9223372036854775808', ...at)).toBe(-9223372036854775808n);
    expect(decodeInt8AsBigInt(5, ...at)).toBe(5n);
  });
});

describe('NULL handling', () => {
  it('notNull throws on NULL with procedure and column; orNull passes it through', () => {
    expect(() => notNull(decodeText, null, ...at)).toThrow('sp_test: col: is NULL but was declared non-null');
    expect(() => notNull(decodeText, undefined, ...at)).toThrow(ProcedureValueError);
    expect(orNull(decodeText, null, ...at)).toBeNull();
    expect(notNull(decodeText, 'x', ...at)).toBe('x');
  });
});

describe('scalar decoders', () => {
  it('check the type of what they get', () => {
    expect(() => decodeText(1, ...at)).toThrow(/expected a string, got number 1/);
    expect(decodeInt('12', ...at)).toBe(12);
    expect(() => decodeInt('1.2', ...at)).toThrow(ProcedureValueError);
    expect(decodeFloat('NaN', ...at)).toBeNaN();
    expect(decodeFloat('-Infinity', ...at)).toBe(-Infinity);
    expect(decodeFloat('1.5e3', ...at)).toBe(1500);
    expect(decodeBool('t', ...at)).toBe(true);
    expect(decodeBool(false, ...at)).toBe(false);
    expect(() => decodeBool('yes', ...at)).toThrow(ProcedureValueError);
  });

  it('keep numeric exact as text unless number is asked for', () => {
    expect(decodeNumericAsString('123456789012345678901234.000001', ...at)).toBe('123456789012345678901234.000001');
    expect(decodeNumericAsString('NaN', ...at)).toBe('NaN');
    expect(() => decodeNumericAsString(1.5, ...at)).toThrow(ProcedureValueError);
    expect(decodeNumericAsNumber('0.25', ...at)).toBe(0.25);
  });

  it('read dates and timestamps as UTC and timestamptz with its offset', () => {
    expect(decodeDate('2024-02-29', ...at)).toEqual(new Date('2024-02-29T00:00:00Z'));
    expect(decodeDate('0001-01-01 BC', ...at).getUTCFullYear()).toBe(0);
    expect(decodeTimestamp('2001-02-03 04:05:06.789123', ...at)).toEqual(new Date('2001-02-03T04:05:06.789Z'));
    expect(decodeTimestamptz('2001-02-03 04:05:06+05:30', ...at)).toEqual(new Date('2001-02-02T22:35:06Z'));
    expect(decodeTimestamptz('2001-02-03 04:05:06.5-08', ...at)).toEqual(new Date('2001-02-03T12:05:06.500Z'));
    const date = new Date();
    expect(decodeTimestamptz(date, ...at)).toBe(date);
    expect(() => decodeTimestamptz(Infinity, ...at)).toThrow(ProcedureValueError);
    expect(() => decodeDate('infinity', ...at)).toThrow(/a finite date/);
    expect(() => decodeTimestamp('not a time', ...at)).toThrow(ProcedureValueError);
  });

  it('parse JSON text (a JSON string stays a string) and reject invalid JSON', () => {
    expect(decodeJsonText('{"a":[1,null]}', ...at)).toEqual({ a: [1, null] });
    expect(decodeJsonText('"text"', ...at)).toBe('text');
    expect(decodeJsonText('null', ...at)).toBeNull();
    expect(() => decodeJsonText('{', ...at)).toThrow(/valid JSON/);
    expect(() => decodeJsonText({ a: 1 }, ...at)).toThrow(ProcedureValueError);
  });

  it('decode bytea from bytes or hex text', () => {
    expect([...decodeBytea('\\x00ff10', ...at)]).toEqual([0, 255, 16]);
    const bytes = new Uint8Array([1, 2]);
    expect(decodeBytea(bytes, ...at)).toBe(bytes);
    expect(() => decodeBytea('\\x0', ...at)).toThrow(ProcedureValueError);
  });

  it('print a pg interval object back as PostgreSQL text', () => {
    expect(decodeInterval('1 day', ...at)).toBe('1 day');
    expect(decodeInterval({ toPostgres: () => '2 hours' }, ...at)).toBe('2 hours');
    expect(() => decodeInterval(5, ...at)).toThrow(ProcedureValueError);
  });
});

describe('enum, array and composite decoders', () => {
  it('accept only the declared enum labels', () => {
    const decodeMood = enumDecoder('mood', ['happy', 'sad']);
    expect(decodeMood('sad', ...at)).toBe('sad');
    expect(() => decodeMood('angry', ...at)).toThrow(/a mood label \(happy, sad\)/);
  });

  it('decode array text and driver arrays, nested, and refuse NULL elements with their position', () => {
    const ints = arrayDecoder(decodeInt8AsNumber);
    expect(ints('{1,-2,9007199254740991}', ...at)).toEqual([1, -2, Number.MAX_SAFE_INTEGER]);
    expect(ints([1, 2], ...at)).toEqual([1, 2]);
    expect(ints('{}', ...at)).toEqual([]);
    expect(() => ints('{1,NULL}', ...at)).toThrow('sp_test: col[2]: array element is NULL');
    expect(() => ints('{9007199254740992}', ...at)).toThrow(/col\[1\]: int8 value/);
    const grid = arrayDecoder(decodeInt, 2);
    expect(grid('{{1,2},{3,4}}', ...at)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(grid('[0:1][1:1]={{1},{2}}', ...at)).toEqual([[1], [2]]);
    const texts = arrayDecoder(decodeText);
    expect(texts('{"a,b","c\\"d","NULL",e}', ...at)).toEqual(['a,b', 'c"d', 'NULL', 'e']);
    expect(() => texts('{unterminated', ...at)).toThrow(/expected an array/);
    for (const malformed of ['{"unterminated}', '{a,,b}', '{{a}', '{a}}', 'ab']) {
      expect(() => texts(malformed, ...at), malformed).toThrow(/expected an array/);
    }
    expect(() => texts(5, ...at)).toThrow(ProcedureValueError);
  });

  it('split composite text into attributes and check their count', () => {
    expect(recordFields('(1,"a ""b""",,"")', 4, ...at)).toEqual(['1', 'a "b"', null, '']);
    expect(() => recordFields('(1,2)', 3, ...at)).toThrow(/has 2 attributes, expected 3/);
    expect(() => recordFields(5, 1, ...at)).toThrow(/a composite value/);
  });
});
