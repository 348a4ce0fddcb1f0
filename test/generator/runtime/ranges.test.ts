import { describe, expect, it } from 'vitest';
import {
  decodeFloat,
  decodeText,
  encodeText,
  multirangeDecoder,
  multirangeEncoder,
  parseMultirangeLiteral,
  parseRangeLiteral,
  ProcedureValueError,
  rangeDecoder,
  rangeEncoder,
} from '../../../generator/runtime/index.js';

describe('range literals', () => {
  it('reads bounds as the server prints them: unbounded, quoted with escapes and doubled quotes, empty', () => {
    expect(parseRangeLiteral('[1.5,)')).toEqual({
      empty: false,
      lower: '1.5',
      upper: null,
      lowerInclusive: true,
      upperInclusive: false,
    });
    expect(parseRangeLiteral('("a,b","c\\"d""e"]')).toEqual({
      empty: false,
      lower: 'a,b',
      upper: 'c"d"e',
      lowerInclusive: false,
      upperInclusive: true,
    });
    expect(parseRangeLiteral('empty')).toMatchObject({ empty: true });
    expect(parseMultirangeLiteral('{}')).toEqual([]);
    expect(parseMultirangeLiteral('{[1,2),[3,4)}').map((range) => (range.empty ? null : range.lower))).toEqual([
      '1',
      '3',
    ]);
  });

  it('rejects what is not a range, naming the procedure and field', () => {
    const decode = rangeDecoder(decodeFloat);
    for (const text of ['[1,2', '1,2)', '[1,2)x', '{[1,2)}']) {
      expect(() => decode(text, 'sp_x', 'r')).toThrow(ProcedureValueError);
    }
    expect(() => decode(3, 'sp_x', 'r')).toThrow(/sp_x.*r.*expected a range/);
    expect(() => multirangeDecoder(decodeFloat)('{[1,2)', 'sp_x', 'm')).toThrow(ProcedureValueError);
  });

  it('writes every bound quoted, so bound text cannot change the structure, and defaults to [)', () => {
    const encode = rangeEncoder(encodeText);
    expect(encode({ lower: 'a,b', upper: 'c"d\\e' }, 'sp_x', 'r')).toBe('["a,b","c\\"d\\\\e")');
    expect(encode({ empty: true }, 'sp_x', 'r')).toBe('empty');
    expect(encode({ lower: null, upperInclusive: true, upper: 'z' }, 'sp_x', 'r')).toBe('[,"z"]');
    expect(multirangeEncoder(encodeText)([{ lower: 'a' }, { upper: 'b' }], 'sp_x', 'm')).toBe('{["a",),[,"b")}');
    const back = rangeDecoder(decodeText)(encode({ lower: 'a,b', upper: 'c"d\\e' }, 'sp_x', 'r'), 'sp_x', 'r');
    expect(back).toEqual({ empty: false, lower: 'a,b', upper: 'c"d\\e', lowerInclusive: true, upperInclusive: false });
  });
});
