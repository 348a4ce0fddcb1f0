import { describe, expect, it } from 'vitest';
import {
  ProcedureValueError,
  arrayEncoder,
  decodeInt8AsNumber,
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
    expect(() => arrayEncoder(encodeInt)([1.5], ...at)).toThrow('sp_test: param[1]: expected a safe integer');
  });
});

describe('encoders refuse what the driver or the server would silently change (SQLSTATE 22023)', () => {
  const refusal = (run: () => unknown): ProcedureValueError => {
    let thrown: unknown;
    try {
      run();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProcedureValueError);
    expect(thrown).toMatchObject({ procedure: 'sp_test', field: 'param', sqlstate: '22023' });
    return thrown as ProcedureValueError;
  };

  it('numbers that are not safe integers for int2/int4/int8, and bigints outside int8', () => {
    for (const value of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0.5,
      2 ** 53,
      -(2 ** 53),
      1e21,
    ]) {
      refusal(() => encodeInt8(value, ...at));
      refusal(() => encodeInt(value, ...at));
    }
    refusal(() => encodeInt8(2n ** 63n, ...at));
    refusal(() => encodeInt8(-(2n ** 63n) - 1n, ...at));
    expect(encodeInt8(-(2n ** 63n), ...at)).toBe('-9223372036854775808');
    expect(encodeInt8(-Number.MAX_SAFE_INTEGER, ...at)).toBe('-9007199254740991');
    expect(encodeInt(-0, ...at)).toBe('0');
  });

  it('strings with a lone surrogate, which the driver would send as U+FFFD', () => {
    for (const text of ['\uD800', 'a\uDC00b', '\uDE00\uD83D']) {
      expect(refusal(() => encodeText(text, ...at)).message).toMatch(/lone UTF-16 surrogate/);
      refusal(() => encodeNumeric(text, ...at));
      refusal(() => encodeTimestamptz(text, ...at));
    }
    expect(encodeText('\uD83D\uDE00', ...at)).toBe('\uD83D\uDE00');
    expect(() => arrayEncoder(encodeText)(['ok', '\uD800'], ...at)).toThrow('sp_test: param[2]: ');
  });

  it('JSON with a lone surrogate in a string or key, a non-finite number, a bigint or a cycle', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [
      '\uD800',
      { a: ['x', 'y\uDBFF'] },
      { ['\uDC00']: 1 },
      { fire_at_ms: Number.NaN },
      [1, Number.POSITIVE_INFINITY],
      { deep: { deeper: [Number.NEGATIVE_INFINITY] } },
      { id: 1n },
      cyclic,
    ]) {
      refusal(() => encodeJson(value, ...at));
    }
    // A backslash before the letters is text, not an escape.
    expect(encodeJson({ path: '\\ud800', pair: '\uD83D\uDE00' }, ...at)).toBe('{"path":"\\\\ud800","pair":"😀"}');
    expect(encodeJson({ max: Number.MAX_VALUE, date: new Date(0) }, ...at)).toBe(
      '{"max":1.7976931348623157e+308,"date":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it('argument errors are 22023; a result that does not match its declaration is 22000', () => {
    expect(new ProcedureValueError('sp_test', 'param', 'bad').sqlstate).toBe('22023');
    expect(() => decodeInt8AsNumber('9007199254740992', 'sp_test', 'column')).toThrow(
      expect.objectContaining({ sqlstate: '22000' }),
    );
  });
});
