import { describe, expect, it } from 'vitest';
import {
  ProcedureValueError,
  arrayEncoder,
  encodeBytea,
  encodeDate,
  encodeInt,
  encodeInt8,
  encodeJson,
  encodeNumeric,
  encodeText,
  encodeTimestamp,
  encodeTimestamptz,
  enumEncoder,
} from '../../../generator/runtime/index.js';

const at = ['sp_test', 'param'] as const;

describe('encoders', () => {
  it('send int8 exactly: bigint always, numbers only while safe', () => {
    expect(encodeInt8(2n ** 62n, ...at)).toBe('4611686018427387904');
    expect(encodeInt8(Number.MAX_SAFE_INTEGER, ...at)).toBe('9007199254740991');
    expect(() => encodeInt8(2 ** 53, ...at)).toThrow(ProcedureValueError);
    expect(() => encodeInt8(1.5, ...at)).toThrow(/sp_test: param: expected a safe integer/);
  });

  it('check scalars', () => {
    expect(encodeInt(3, ...at)).toBe('3');
    expect(() => encodeInt(3.5, ...at)).toThrow(ProcedureValueError);
    expect(() => encodeText(3 as never, ...at)).toThrow(ProcedureValueError);
    expect(encodeNumeric('1.10', ...at)).toBe('1.10');
    expect(encodeJson('text', ...at)).toBe('"text"');
    expect(encodeJson(null, ...at)).toBe('null');
    expect(() => encodeJson(undefined, ...at)).toThrow(ProcedureValueError);
    const bytes = new Uint8Array([1]);
    expect(encodeBytea(bytes, ...at)).toBe(bytes);
  });

  it('send dates as UTC calendar days and timestamps as UTC wall-clock time', () => {
    const instant = new Date('2024-02-29T23:30:00.250Z');
    expect(encodeDate(instant, ...at)).toBe('2024-02-29');
    expect(encodeTimestamp(instant, ...at)).toBe('2024-02-29T23:30:00.250');
    expect(encodeTimestamptz(instant, ...at)).toBe('2024-02-29T23:30:00.250Z');
    expect(encodeTimestamptz('2024-01-01 00:00+02', ...at)).toBe('2024-01-01 00:00+02');
    expect(() => encodeDate(new Date('invalid'), ...at)).toThrow(ProcedureValueError);
  });

  it('check enum labels before anything reaches the database', () => {
    const encodeMood = enumEncoder('mood', ['happy']);
    expect(encodeMood('happy', ...at)).toBe('happy');
    expect(() => encodeMood('sad' as never, ...at)).toThrow(/a mood label/);
  });

  it('format arrays with quoting, NULLs, nesting and bytes', () => {
    expect(arrayEncoder(encodeText)(['a', null, 'b"c\\d', 'NULL'], ...at)).toBe('{"a",NULL,"b\\"c\\\\d","NULL"}');
    expect(
      arrayEncoder(encodeInt)(
        [
          [1, 2],
          [3, 4],
        ],
        ...at,
      ),
    ).toBe('{{"1","2"},{"3","4"}}');
    expect(arrayEncoder(encodeBytea)([new Uint8Array([255])], ...at)).toBe('{"\\\\xff"}');
    expect(() => arrayEncoder(encodeInt)([1.5], ...at)).toThrow('sp_test: param[1]: expected an integer');
  });
});
