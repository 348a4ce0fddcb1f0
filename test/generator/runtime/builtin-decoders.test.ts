import { describe, expect, it } from 'vitest';
import {
  ProcedureValueError,
  arrayDecoder,
  arrayEncoder,
  decodeBitString,
  decodeBox,
  decodeCircle,
  decodeDate,
  decodeInt,
  decodeIntVector,
  decodeLine,
  decodeLineSegment,
  decodePath,
  decodePgLsn,
  decodePoint,
  decodePolygon,
  decodeRecord,
  decodeUuid,
  encodeBox,
  encodeCircle,
  encodeInt,
  encodeIntVector,
  encodeMoney,
  encodePath,
  encodePoint,
  encodePolygon,
  multirangeDecoder,
  multirangeEncoder,
  rangeDecoder,
  rangeEncoder,
} from '../../../generator/runtime/index.js';

const at = ['sp_test', 'col'] as const;

describe('geometric decoders and encoders', () => {
  it('read the text the server prints, with exponents, NaN and infinities', () => {
    expect(decodePoint('(1.5,-2e-05)', ...at)).toEqual({ x: 1.5, y: -2e-5 });
    expect(decodePoint('(NaN,-Infinity)', ...at)).toEqual({ x: Number.NaN, y: Number.NEGATIVE_INFINITY });
    expect(decodeLine('{1,-1,0}', ...at)).toEqual({ a: 1, b: -1, c: 0 });
    expect(decodeLineSegment('[(0,0),(1e+30,-0.5)]', ...at)).toEqual([
      { x: 0, y: 0 },
      { x: 1e30, y: -0.5 },
    ]);
    expect(decodeBox('(1,1),(0,0)', ...at)).toEqual([
      { x: 1, y: 1 },
      { x: 0, y: 0 },
    ]);
    expect(decodePath('[(0,0),(1,1)]', ...at)).toEqual({
      closed: false,
      points: [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
    });
    expect(decodePath('((0,0))', ...at)).toEqual({ closed: true, points: [{ x: 0, y: 0 }] });
    expect(decodePolygon('((0,0),(1,0),(0,1))', ...at)).toHaveLength(3);
    expect(decodeCircle('<(1,2),3>', ...at)).toEqual({ x: 1, y: 2, radius: 3 });
  });

  it('accept the objects node-postgres parses points and circles into (results of CALL)', () => {
    expect(decodePoint({ x: 1, y: 2 }, ...at)).toEqual({ x: 1, y: 2 });
    expect(decodeCircle({ x: 1, y: 2, radius: 3 }, ...at)).toEqual({ x: 1, y: 2, radius: 3 });
  });

  it('refuse anything else, naming procedure and field', () => {
    for (const [decode, value] of [
      [decodePoint, '(1,2'],
      [decodePoint, '(1,2,3)'],
      [decodePoint, { x: 1 }],
      [decodeLine, '{1,2}'],
      [decodeBox, '(1,1)'],
      [decodePath, '[(0,0))'],
      [decodePolygon, '[(0,0)]'],
      [decodeCircle, '<(1,2)>'],
      [decodeLineSegment, 42],
    ] as const) {
      expect(() => decode(value as never, ...at)).toThrow(ProcedureValueError);
      expect(() => decode(value as never, ...at)).toThrow(/^sp_test: col: expected a/);
    }
  });

  it('write the input syntax and check shapes', () => {
    expect(encodePoint({ x: 1, y: Number.NaN }, ...at)).toBe('(1,NaN)');
    expect(
      encodeBox(
        [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
        ...at,
      ),
    ).toBe('(0,0),(1,1)');
    expect(encodePath({ closed: true, points: [{ x: 0, y: 0 }] }, ...at)).toBe('((0,0))');
    expect(encodePolygon([{ x: 0, y: 0 }], ...at)).toBe('((0,0))');
    expect(encodeCircle({ x: 0, y: 0, radius: 2 }, ...at)).toBe('<(0,0),2>');
    expect(() => encodePoint({ x: '1', y: 2 } as never, ...at)).toThrow(/expected a point/);
    expect(() => encodePolygon([], ...at)).toThrow(/at least 1 points/);
    expect(() => encodeBox([{ x: 0, y: 0 }] as never, ...at)).toThrow(/expected a box/);
  });

  it('keep array levels apart from array-shaped elements, with the box delimiter', () => {
    const box = [
      { x: 1, y: 1 },
      { x: 0, y: 0 },
    ];
    const encoded = arrayEncoder(encodeBox, { dimensions: 1, delimiter: ';' })([box, null, box], ...at);
    expect(encoded).toBe('{"(1,1),(0,0)";NULL;"(1,1),(0,0)"}');
    expect(() => arrayDecoder(decodeBox, 1, ';')('{(1,1),(0,0);(3,3),(2,2)}', ...at)).not.toThrow();
    expect(arrayDecoder(decodeBox, 1, ';')('{(1,1),(0,0);(3,3),(2,2)}', ...at)).toHaveLength(2);
  });
});

describe('checked text forms', () => {
  it('uuid, bit strings and pg_lsn must have their form', () => {
    expect(decodeUuid('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', ...at)).toBe('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11');
    expect(() => decodeUuid('a0eebc99', ...at)).toThrow(/expected a uuid/);
    expect(decodeBitString('0101', ...at)).toBe('0101');
    expect(decodeBitString('', ...at)).toBe('');
    expect(() => decodeBitString('012', ...at)).toThrow(/expected a bit string/);
    expect(decodePgLsn('16/B374D848', ...at)).toBe('16/B374D848');
    expect(() => decodePgLsn('16-B3', ...at)).toThrow(/expected a pg_lsn/);
  });

  it('integer vectors and anonymous records', () => {
    expect(decodeIntVector('1 -2 3', ...at)).toEqual([1, -2, 3]);
    expect(decodeIntVector('', ...at)).toEqual([]);
    expect(() => decodeIntVector('1,2', ...at)).toThrow(/space-separated integers/);
    expect(encodeIntVector([1, 2], ...at)).toBe('1 2');
    expect(() => encodeIntVector([1.5], ...at)).toThrow(/array of integers/);
    expect(decodeRecord('(1,,"a ""b""")', ...at)).toEqual(['1', null, 'a "b"']);
    expect(() => decodeRecord('1,2', ...at)).toThrow(/expected a record/);
    expect(encodeMoney(12.5, ...at)).toBe('12.5');
    expect(() => encodeMoney(Number.NaN, ...at)).toThrow(/finite number/);
  });
});

describe('range decoders and encoders', () => {
  it('decode bounds with the element decoder, naming a bad bound', () => {
    const int4range = rangeDecoder(decodeInt);
    expect(int4range('[1,6)', ...at)).toEqual({
      empty: false,
      lower: 1,
      upper: 6,
      lowerInclusive: true,
      upperInclusive: false,
    });
    expect(int4range('empty', ...at)).toEqual({ empty: true });
    expect(() => int4range('[1,x)', ...at)).toThrow(/^sp_test: col\.upper: expected an integer/);
    expect(() => int4range('[1,2', ...at)).toThrow(/^sp_test: col: expected a range/);
    expect(() => int4range(7, ...at)).toThrow(ProcedureValueError);
    const dates = multirangeDecoder(decodeDate);
    expect(dates('{[2020-01-01,2020-01-03),[2020-02-01,)}', ...at)).toEqual([
      {
        empty: false,
        lower: new Date('2020-01-01T00:00:00Z'),
        upper: new Date('2020-01-03T00:00:00Z'),
        lowerInclusive: true,
        upperInclusive: false,
      },
      {
        empty: false,
        lower: new Date('2020-02-01T00:00:00Z'),
        upper: null,
        lowerInclusive: true,
        upperInclusive: false,
      },
    ]);
    expect(() => dates('{[2020-01-01,x)}', ...at)).toThrow(/^sp_test: col\[1\]\.upper: expected a finite date/);
  });

  it("encode with PostgreSQL's default bounds [) and quoted bound texts", () => {
    const int4range = rangeEncoder(encodeInt);
    expect(int4range({ lower: 1, upper: 5 }, ...at)).toBe('["1","5")');
    expect(int4range({ upper: 5, upperInclusive: true }, ...at)).toBe('[,"5"]');
    expect(int4range({}, ...at)).toBe('[,)');
    expect(int4range({ empty: true }, ...at)).toBe('empty');
    expect(() => int4range({ lower: 1.5 }, ...at)).toThrow(/^sp_test: col\.lower: expected a safe integer/);
    expect(() => int4range('[1,2)' as never, ...at)).toThrow(/expected a range object/);
    expect(multirangeEncoder(encodeInt)([{ lower: 1, upper: 2 }, { empty: true }], ...at)).toBe('{["1","2"),empty}');
    expect(() => multirangeEncoder(encodeInt)({} as never, ...at)).toThrow(/array of ranges/);
  });
});
