import { describe, expect, it } from 'vitest';
import {
  FingerprintMismatchError,
  ProcedureError,
  ProcedureValueError,
  arrayType,
  pgTypes,
  type Queryable,
} from '../../../generator/runtime/index.js';
import * as annotations from '../golden/annotations/expected.js';
import * as bigintNumeric from '../golden/bigint-numeric/expected.js';
import * as builtinTypes from '../golden/builtin-types/expected.js';
import * as callOut from '../golden/call-out/expected.js';
import * as domainsAndRanges from '../golden/domains-and-ranges/expected.js';
import * as formsAndHistory from '../golden/forms-and-history/expected.js';
import * as names from '../golden/names/expected.js';
import * as overloads from '../golden/overloads/expected.js';
import * as polymorphic from '../golden/polymorphic/expected.js';
import * as recordColumns from '../golden/record-columns/expected.js';
import * as relations from '../golden/relations/expected.js';
import * as schemas from '../golden/schemas/expected.js';
import * as schemasPrefixed from '../golden/schemas-prefixed/expected.js';
import * as shapes from '../golden/shapes/expected.js';
import * as typeOverrides from '../golden/type-overrides/expected.js';
import * as types from '../golden/types/expected.js';

/** Where a golden case's SQL was applied: a connection and the schema that replaced the placeholder. */
export type Installed = { db: Queryable; schema: string };

/**
 * The round trip, the same for every driver: each golden case's SQL is installed in a fresh schema (by the caller,
 * through `install`), then called through the generated client and the decoded values checked.
 */
export function roundTripSuite(install: (caseName: string) => Promise<Installed>): void {
  const client = <T>(create: (db: Queryable, options: { schema: string }) => T, caseName: string) => {
    let created: T | undefined;
    return async () => {
      if (!created) {
        const { db, schema } = await install(caseName);
        created = create(db, { schema });
      }
      return created;
    };
  };
  const shapesClient = client(shapes.createClient, 'shapes');
  const typesClient = client(types.createClient, 'types');
  const annotationsClient = client(annotations.createClient, 'annotations');
  const namesClient = client(names.createClient, 'names');
  const bigintClient = client(bigintNumeric.createClient, 'bigint-numeric');
  const formsClient = client(formsAndHistory.createClient, 'forms-and-history');
  const relationsClient = client(relations.createClient, 'relations');
  const domainsClient = client(domainsAndRanges.createClient, 'domains-and-ranges');
  const builtinClient = client(builtinTypes.createClient, 'builtin-types');
  const overridesClient = client(typeOverrides.createClient, 'type-overrides');
  const overloadsClient = client(overloads.createClient, 'overloads');
  const schemasClient = client(schemas.createClient, 'schemas');
  const polymorphicClient = client(polymorphic.createClient, 'polymorphic');
  const recordClient = client(recordColumns.createClient, 'record-columns');
  const callOutClient = client(callOut.createClient, 'call-out');

  describe('forms only libpg-query reads, after a migration history', () => {
    it('calls the final definitions: a SETOF with a custom dollar tag, a replaced function with its new default', async () => {
      const c = await formsClient();
      expect(await c.tagged({ name: 'ab' })).toEqual(['ab', 'AB']);
      expect(await c.greeting()).toBe('hi world');
      expect(await c.greeting({ name: 'Ann' })).toBe('hi Ann');
      expect('obsolete' in c).toBe(false);
    });

    it("raises a called helper's SQLSTATE through the caller, and not where the caller catches it", async () => {
      const c = await formsClient();
      await expect(c.checkedDouble({ value: -1 })).rejects.toMatchObject({ sqlstate: '22023' });
      expect(await c.checkedDouble({ value: 4 })).toBe(8);
      expect(await c.forgivingDouble({ value: -1 })).toBe(0);
    });
  });

  describe('result shapes', () => {
    it('returns table rows, leaving out optional arguments (also one in the middle)', async () => {
      const c = await shapesClient();
      expect(await c.range({ from: 1 })).toEqual([
        { n: 1, label: 'n1' },
        { n: 2, label: 'n2' },
        { n: 3, label: 'n3' },
      ]);
      expect((await c.range({ from: 10, count: 2 })).map((row) => row.n)).toEqual([10, 11]);
      expect((await c.range({ from: 0, step: 5 })).map((row) => row.n)).toEqual([0, 5, 10]);
      expect((await c.range({ from: 0, step: 2, count: 1 })).map((row) => row.n)).toEqual([0]);
    });

    it('returns scalars, NULL as null, and nothing for void', async () => {
      const c = await shapesClient();
      expect(await c.add({ a: 2, b: 3 })).toBe(5);
      expect(await c.add({ a: null, b: 3 })).toBeNull();
      expect(await c.noop()).toBeUndefined();
    });

    it('returns OUT parameters as one row, or one value for a single OUT parameter', async () => {
      const c = await shapesClient();
      expect(await c.divide({ a: 7, b: 2 })).toEqual({ quotient: 3, remainder: 1 });
      expect(await c.double({ a: 21 })).toBe(42);
      expect(await c.pairs({ count: 2 })).toEqual([
        { k: 1, v: 'x' },
        { k: 2, v: 'xx' },
      ]);
    });

    it('passes VARIADIC arrays and returns sets of scalars', async () => {
      const c = await shapesClient();
      expect(await c.each({ values: ['a', 'b,c', '"d"'] })).toEqual(['a', 'b,c', '"d"']);
    });

    it('returns SETOF composite as rows and a composite value as an object', async () => {
      const c = await shapesClient();
      expect(await c.points({ count: 2 })).toEqual([
        { x: 1, y: 1 },
        { x: 2, y: 4 },
      ]);
      expect(await c.origin()).toEqual({ x: 0, y: 0 });
    });

    it('CALLs procedures with INOUT parameters and defaults', async () => {
      const c = await shapesClient();
      expect(await c.increment({ counter: 1 })).toBe(2);
      expect(await c.increment({ counter: 1, by: 5 })).toBe(6);
      await expect(c.checkPositive({ value: 1 })).resolves.toBeUndefined();
    });

    it('rethrows database errors as ProcedureError with SQLSTATE, detail and retryability', async () => {
      const c = await shapesClient();
      const error = await c.checkPositive({ value: -1 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProcedureError);
      expect(error).toMatchObject({
        procedure: 'sp_check_positive',
        sqlstate: '22023',
        detail: 'value must be > 0',
        retryable: false,
      });
      expect((error as Error).message).toContain('not positive: -1');
      await expect(c.divide({ a: 1, b: 0 })).rejects.toMatchObject({ sqlstate: '22012', procedure: 'sp_divide' });
    });
  });

  describe('types', () => {
    it('round-trips text, integers, floats, int8 at ±(2^53-1), exact numeric and booleans', async () => {
      const c = await typesClient();
      const [row] = await c.echoScalars({
        text: 'ünïcode \' " \\ ,{}',
        varchar: 'short',
        uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
        small: -32768,
        int: 2147483647,
        big: Number.MAX_SAFE_INTEGER,
        real: 1.5,
        double: 0.1,
        numeric: '12345678901234.123456',
        flag: true,
      });
      expect(row).toEqual({
        t: 'ünïcode \' " \\ ,{}',
        vc: 'short',
        u: '0f8fad5b-d9cb-469f-a165-70867728950e',
        s: -32768,
        i: 2147483647,
        b: Number.MAX_SAFE_INTEGER,
        r: 1.5,
        d: 0.1,
        n: '12345678901234.123456',
        f: true,
      });
      const [negative] = await c.echoScalars({
        text: null,
        varchar: null,
        uuid: null,
        small: null,
        int: null,
        big: -Number.MAX_SAFE_INTEGER,
        real: null,
        double: null,
        numeric: null,
        flag: false,
      });
      expect(negative).toMatchObject({ t: null, b: -Number.MAX_SAFE_INTEGER, n: null, f: false });
    });

    it('throws instead of rounding an int8 past 2^53-1, in both directions', async () => {
      const c = await typesClient();
      expect(await c.bigValue({ text: '9007199254740991' })).toBe(9007199254740991);
      expect(await c.bigValue({ text: '-9007199254740991' })).toBe(-9007199254740991);
      for (const text of ['9007199254740992', '-9007199254740992', '9223372036854775807']) {
        const error = await c.bigValue({ text }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ProcedureValueError);
        expect((error as Error).message).toMatch(/sp_big_value: value: int8 value .* outside/);
      }
      await expect(
        c.echoScalars({
          text: null,
          varchar: null,
          uuid: null,
          small: null,
          int: null,
          big: 2 ** 53,
          real: null,
          double: null,
          numeric: null,
          flag: null,
        }),
      ).rejects.toBeInstanceOf(ProcedureValueError);
    });

    it('round-trips timestamps, dates, times and intervals', async () => {
      const c = await typesClient();
      const instant = new Date('2024-02-29T23:59:58.123Z');
      const [row] = await c.echoTimes({
        tz: instant,
        ts: new Date('2001-02-03T04:05:06.789Z'),
        date: new Date('2024-02-29T00:00:00Z'),
        time: '12:34:56',
        span: '1 day 02:00:00',
      });
      expect(row!.tz).toEqual(instant);
      expect(row!.ts).toEqual(new Date('2001-02-03T04:05:06.789Z'));
      expect(row!.day).toEqual(new Date('2024-02-29T00:00:00Z'));
      expect(row!.clock).toBe('12:34:56');
      expect(row!.span).toBe('1 day 02:00:00');
      const [fromText] = await c.echoTimes({
        tz: '2020-01-01T00:00:00+02:00',
        ts: '1999-12-31 23:59:59',
        date: '0044-03-15',
        time: null,
        span: null,
      });
      expect(fromText!.tz).toEqual(new Date('2019-12-31T22:00:00Z'));
      expect(fromText!.ts).toEqual(new Date('1999-12-31T23:59:59Z'));
      expect(fromText!.day!.toISOString()).toBe('0044-03-15T00:00:00.000Z');
    });

    it('round-trips json and jsonb, including a JSON string and JSON null, distinct from SQL NULL', async () => {
      const c = await typesClient();
      const value = { a: [1, 'x', null, { b: true }], 'quote"': 'back\\slash' };
      expect(await c.echoJson({ json: value, jsonb: value })).toEqual([{ j: value, jb: value }]);
      expect(await c.echoJson({ json: 'just a string', jsonb: 42 })).toEqual([{ j: 'just a string', jb: 42 }]);
      expect(await c.echoJson({ json: null, jsonb: null })).toEqual([{ j: null, jb: null }]);
    });

    it('round-trips bytea', async () => {
      const c = await typesClient();
      const bytes = new Uint8Array([0, 1, 127, 128, 255]);
      const back = await c.echoBytes({ bytes });
      expect(back).toBeInstanceOf(Uint8Array);
      expect([...back!]).toEqual([...bytes]);
    });

    it('round-trips arrays of integers, int8, text with special characters, two dimensions and dates', async () => {
      const c = await typesClient();
      const texts = ['plain', 'with,comma', 'with "quotes"', 'back\\slash', 'NULL', '', '{braces}', ' spaced '];
      const [row] = await c.echoArrays({
        ints: [1, -2, 3],
        bigs: [Number.MAX_SAFE_INTEGER, -1],
        texts,
        grid: [
          [1, 2],
          [3, 4],
        ],
        days: [new Date('2020-01-01T00:00:00Z')],
      });
      expect(row).toEqual({
        ints: [1, -2, 3],
        bigs: [Number.MAX_SAFE_INTEGER, -1],
        texts,
        grid: [
          [1, 2],
          [3, 4],
        ],
        days: [new Date('2020-01-01T00:00:00Z')],
      });
      const [empty] = await c.echoArrays({ ints: [], bigs: null, texts: [], grid: null, days: null });
      expect(empty).toEqual({ ints: [], bigs: null, texts: [], grid: null, days: null });
    });

    it('refuses a NULL array element, naming the procedure, column and position', async () => {
      const c = await typesClient();
      const ints = [1, null] as unknown as number[];
      await expect(c.echoArrays({ ints, bigs: null, texts: null, grid: null, days: null })).rejects.toThrow(
        /sp_echo_arrays: ints\[2\]: array element is NULL/,
      );
    });

    it('round-trips enums (checked against their labels) and arrays of enums', async () => {
      const c = await typesClient();
      expect(await c.echoMood({ mood: 'it\'s "complicated"', moods: ['sad', 'happy'] })).toEqual([
        { mood: 'it\'s "complicated"', moods: ['sad', 'happy'] },
      ]);
      await expect(c.echoMood({ mood: 'angry' as never, moods: null })).rejects.toBeInstanceOf(ProcedureValueError);
    });

    it('round-trips composites with NULL attributes, nested arrays and timestamps, and arrays of composites', async () => {
      const c = await typesClient();
      const address = {
        street: 'Main "St", 1\\2',
        zip: null,
        tags: ['a,b', 'c"d'],
        movedAt: new Date('2021-06-01T10:00:00Z'),
      };
      const [row] = await c.echoAddress({
        address,
        addresses: [address, { street: null, zip: 7, tags: [], movedAt: null }],
      });
      expect(row).toEqual({
        address,
        addresses: [address, { street: null, zip: 7, tags: [], movedAt: null }],
      });
    });
  });

  describe('every family of built-in types', () => {
    it('round-trips money, oid, xid8 and the integer vectors', async () => {
      const c = await builtinClient();
      const [row] = await c.echoNumbers({
        money: '12.34',
        oid: 4294967295,
        xid8: Number.MAX_SAFE_INTEGER,
        vector: [1, -2, 3],
        oids: [23, 25],
      });
      expect(row).toMatchObject({ o: 4294967295, x: Number.MAX_SAFE_INTEGER, v: [1, -2, 3], ov: [23, 25] });
      // The server prints money in its lc_monetary format: never a float.
      expect(row!.m).toMatch(/12\.34/);
      const [empty] = await c.echoNumbers({ money: -1, oid: 0, xid8: 0, vector: [], oids: [] });
      expect(empty).toMatchObject({ o: 0, x: 0, v: [], ov: [] });
      expect(empty!.m).toMatch(/1\.00/);
    });

    it('round-trips the text kinds, a uuid and a cursor name', async () => {
      const c = await builtinClient();
      const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
      expect(await c.echoText({ char: 'ab', quotedChar: 'x', name: 'a name', uuid, ref: 'cursor 1' })).toEqual([
        { c: 'ab', qc: 'x', n: 'a name', u: uuid, r: 'cursor 1' },
      ]);
    });

    it('round-trips bit strings, clock times with and without zone, and intervals', async () => {
      const c = await builtinClient();
      expect(await c.echoBits({ fixed: '1010', varying: '110' })).toEqual([{ f: '1010', v: '110' }]);
      await expect(c.echoBits({ fixed: '102', varying: null })).rejects.toMatchObject({ sqlstate: '22P02' });
      expect(
        await c.echoClock({ time: '12:34:56.789', timetz: '12:00:00+02', span: '1 day 2 hours 3 seconds' }),
      ).toEqual([{ t: '12:34:56.789', tz: '12:00:00+02', span: '1 day 02:00:03' }]);
    });

    it('round-trips network addresses', async () => {
      const c = await builtinClient();
      const row = { i: '192.168.0.1/24', c: '10.0.0.0/8', m: '08:00:2b:01:02:03', m8: '08:00:2b:01:02:03:04:05' };
      expect(await c.echoNetwork({ inet: row.i, cidr: row.c, mac: row.m, mac8: row.m8 })).toEqual([row]);
    });

    it('round-trips every geometric type as objects, NaN and infinite coordinates included', async () => {
      const c = await builtinClient();
      const geometry = {
        pt: { x: 1.5, y: -2 },
        l: { a: 1, b: -1, c: 0 },
        s: [
          { x: 0, y: 0 },
          { x: 1e30, y: -0.5 },
        ] as [{ x: number; y: number }, { x: number; y: number }],
        b: [
          { x: 1, y: 1 },
          { x: 0, y: 0 },
        ] as [{ x: number; y: number }, { x: number; y: number }],
        pa: {
          closed: false,
          points: [
            { x: 0, y: 0 },
            { x: 1 / 3, y: 1 },
          ],
        },
        pg: [
          { x: 0, y: 0 },
          { x: 1, y: 0 },
          { x: 0, y: 1 },
        ],
        c: { x: 1, y: 2, radius: 3 },
      };
      const [row] = await c.echoGeometry({
        point: geometry.pt,
        line: geometry.l,
        lseg: geometry.s,
        // Given as lower left, upper right: PostgreSQL stores upper right first.
        box: [geometry.b[1], geometry.b[0]],
        path: geometry.pa,
        polygon: geometry.pg,
        circle: geometry.c,
      });
      expect(row).toEqual(geometry);
      const [special] = await c.echoGeometry({
        point: { x: Number.NaN, y: Number.POSITIVE_INFINITY },
        line: null,
        lseg: null,
        box: null,
        path: { closed: true, points: [{ x: -0.25, y: 1e-10 }] },
        polygon: null,
        circle: null,
      });
      expect(special!.pt).toEqual({ x: Number.NaN, y: Number.POSITIVE_INFINITY });
      expect(special!.pa).toEqual({ closed: true, points: [{ x: -0.25, y: 1e-10 }] });
    });

    it('round-trips text search values, json paths and xml as the server prints them', async () => {
      const c = await builtinClient();
      expect(await c.echoSearch({ vector: 'a:1 b:2', query: 'a & b', path: '$.a' })).toEqual([
        { v: "'a':1 'b':2", q: "'a' & 'b'", jp: '$."a"' },
      ]);
      expect(await c.echoXml({ doc: '<a x="1">text</a>' })).toBe('<a x="1">text</a>');
    });

    it('round-trips every built-in range with typed bounds: empty, unbounded and canonical forms', async () => {
      const c = await builtinClient();
      const [row] = await c.echoRanges({
        int4: { lower: 1, upper: 5, upperInclusive: true },
        int8: { upper: Number.MAX_SAFE_INTEGER },
        num: { empty: true },
        ts: { lower: new Date('2020-01-01T10:00:00Z'), upper: new Date('2020-01-02T00:00:00Z') },
        tstz: { lower: '2020-01-01T10:00:00+02:00', lowerInclusive: false, upper: null },
        date: {
          lower: new Date('2024-02-29T00:00:00Z'),
          upper: new Date('2024-03-01T00:00:00Z'),
          upperInclusive: true,
        },
      });
      const bounded = { empty: false, lowerInclusive: true, upperInclusive: false };
      expect(row).toEqual({
        // Discrete ranges come back canonical: [1,5] is [1,6).
        i4: { ...bounded, lower: 1, upper: 6 },
        i8: { empty: false, lower: null, lowerInclusive: false, upper: Number.MAX_SAFE_INTEGER, upperInclusive: false },
        n: { empty: true },
        ts: { ...bounded, lower: new Date('2020-01-01T10:00:00Z'), upper: new Date('2020-01-02T00:00:00Z') },
        tstz: {
          empty: false,
          lower: new Date('2020-01-01T08:00:00Z'),
          lowerInclusive: false,
          upper: null,
          upperInclusive: false,
        },
        d: { ...bounded, lower: new Date('2024-02-29T00:00:00Z'), upper: new Date('2024-03-02T00:00:00Z') },
      });
      const [numeric] = await c.echoRanges({
        int4: { empty: true },
        int8: null,
        num: { lower: '1.50', upper: '2.5', lowerInclusive: false, upperInclusive: true },
        ts: null,
        tstz: null,
        date: null,
      });
      expect(numeric).toMatchObject({
        i4: { empty: true },
        n: { empty: false, lower: '1.50', upper: '2.5', lowerInclusive: false, upperInclusive: true },
      });
      await expect(
        c.echoRanges({ int4: { lower: 5, upper: 1 }, int8: null, num: null, ts: null, tstz: null, date: null }),
      ).rejects.toMatchObject({ sqlstate: '22000' });
    });

    it('round-trips every built-in multirange as its ranges, merged and sorted by the server', async () => {
      const c = await builtinClient();
      const [row] = await c.echoMultiranges({
        int4: [
          { lower: 5, upper: 7 },
          { lower: 1, upper: 3 },
          { lower: 2, upper: 4 },
        ],
        int8: [],
        num: [{ lower: '0.5' }],
        ts: [{ upper: new Date('2020-01-01T00:00:00Z') }],
        tstz: [{ empty: true }],
        date: [
          { lower: new Date('2020-01-01T00:00:00Z'), upper: new Date('2020-01-01T00:00:00Z'), upperInclusive: true },
        ],
      });
      const range = (lower: unknown, upper: unknown) => ({
        empty: false,
        lower,
        upper,
        lowerInclusive: lower !== null,
        upperInclusive: false,
      });
      expect(row).toEqual({
        i4: [range(1, 4), range(5, 7)],
        i8: [],
        n: [range('0.5', null)],
        ts: [range(null, new Date('2020-01-01T00:00:00Z'))],
        tstz: [],
        d: [range(new Date('2020-01-01T00:00:00Z'), new Date('2020-01-02T00:00:00Z'))],
      });
    });

    it('round-trips arrays of geometric values (box arrays are ;-separated), ranges, uuids, bit strings and money', async () => {
      const c = await builtinClient();
      const box = (x: number) =>
        [
          { x, y: x },
          { x: x - 1, y: x - 1 },
        ] as [{ x: number; y: number }, { x: number; y: number }];
      const uuids = ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000000'];
      const [row] = await c.echoArrays({
        boxes: [box(2), box(5)],
        points: [{ x: 1, y: 2 }],
        ranges: [{ lower: 1, upper: 2 }, { empty: true }],
        uuids,
        bits: ['1', '0101'],
        moneys: ['1.50'],
      });
      expect(row).toMatchObject({
        boxes: [box(2), box(5)],
        points: [{ x: 1, y: 2 }],
        ranges: [{ empty: false, lower: 1, upper: 2, lowerInclusive: true, upperInclusive: false }, { empty: true }],
        uuids,
        bits: ['1', '0101'],
      });
      expect(row!.moneys).toHaveLength(1);
      expect(row!.moneys![0]).toMatch(/1\.50/);
    });

    it('reads catalog names, positions, snapshots and transaction ids as the server prints them', async () => {
      const c = await builtinClient();
      const [row] = await c.catalogValues({ class: 'pg_class', type: 'int4' });
      expect(row).toMatchObject({
        class: 'pg_class',
        type: 'integer',
        proc: 'now',
        namespace: 'pg_catalog',
        lsn: '16/B374D848',
        ctid: '(0,1)',
        transaction: 42,
        command: 7,
      });
      expect(row!.snapshot).toMatch(/^\d+:\d+:/);
      expect(row!.txid).toMatch(/^\d+:\d+:/);
    });

    it('returns an anonymous record column as its field texts, and calls a SETOF void function', async () => {
      const c = await builtinClient();
      expect(await c.recordColumn({ a: 1, b: 'x, "y"' })).toEqual([{ r: ['1', 'x, "y"', null] }]);
      expect(await c.voidSet()).toBeUndefined();
    });
  });

  describe('typeOverrides', () => {
    it("reads and writes an extension type through the project's codecs, alone and in arrays", async () => {
      const c = await overridesClient();
      const shape = { kind: 'point' as const, coordinates: [1, 2] as [number, number] };
      expect(await c.move({ shape, by: 0.5 })).toEqual({ kind: 'point', coordinates: [1.5, 2.5] });
      expect(await c.shapes({ shapes: [shape, shape] })).toEqual([{ shapes: [shape, shape], n: 2 }]);
    });

    it('passes a value typed only by its TypeScript type through as the driver gives it', async () => {
      const c = await overridesClient();
      const [row] = await c.segment({ segment: '[(0,0),(1,1)]', circle: null });
      expect(row!.segment).toBe('[(0,0),(1,1)]');
    });
  });

  describe('overloads', () => {
    it('reaches each overload, sending the defaults a shorter call would leave ambiguous', async () => {
      const c = await overloadsClient();
      expect(await c.findByIdAndLimit({ id: 1, limit: 5 })).toBe('limit 1/5');
      expect(await c.findByIdAndName({ id: 1, name: 'n' })).toBe('name 1/n');
      expect(await c.tagByLabelAndSize({ label: 2, size: 3 })).toBe('label 2/3');
      expect(await c.showByValue({ value: 1 })).toBe('int 1');
      expect(await c.showByValueAndSuffix({ value: 'a' })).toBe('text a!');
      expect(await c.showByValueAndSuffix({ value: 'a', suffix: '?' })).toBe('text a?');
    });

    it('reaches by named notation the overload a positional call cannot', async () => {
      const c = await overloadsClient();
      expect(await c.tagByValue({ value: 7 })).toBe('value 7');
    });
  });

  describe('routines of the same name in several schemas', () => {
    it('calls the tenant schema on the client and each named schema on its own client', async () => {
      const c = await schemasClient();
      expect(await c.version()).toBe('tenant');
      expect(await c.rtApp.version()).toBe('app');
      expect(await c.rtAudit.version()).toBe('audit');
      expect(await c.rtApp.greet({ name: 'Ann' })).toBe('hello Ann');
      const error = await c.rtApp.greet({ name: '' }).catch((caught: unknown) => caught);
      expect(schemas.isProcedureError(error, 'rtApp.greet', '22023')).toBe(true);
      expect(schemas.isProcedureError(error, 'version')).toBe(false);
    });

    it('with schemaNaming "prefixed", names the methods after their schema', async () => {
      const { db, schema } = await install('schemas-prefixed');
      const c = schemasPrefixed.createClient(db, { schema });
      expect([await c.version(), await c.rtAppVersion(), await c.rtAuditVersion()]).toEqual(['tenant', 'app', 'audit']);
    });
  });

  describe('polymorphic routines as generic methods', () => {
    it('anyelement and anyarray: the result type follows the runtime type the caller passes', async () => {
      const c = await polymorphicClient();
      const { int4, text, date, jsonb } = pgTypes;
      const five: number | null = await c.coalesceValue({ value: null, fallback: 5 }, { element: int4 });
      expect(five).toBe(5);
      expect(await c.coalesceValue({ value: 'a', fallback: 'b' }, { element: text })).toBe('a');
      const day = new Date('2024-02-29T00:00:00Z');
      expect(await c.first({ values: [day] }, { element: date })).toEqual(day);
      expect(await c.first({ values: [{ a: 1 }, null] }, { element: jsonb })).toEqual({ a: 1 });
      expect(await c.each({ values: ['x', 'y,z'] }, { element: text })).toEqual(['x', 'y,z']);
      // An array type as the element: anyelement is any type, arrays included.
      expect(await c.coalesceValue({ value: null, fallback: [1, 2] }, { element: arrayType(int4) })).toEqual([1, 2]);
    });

    it('anyrange and anymultirange through the element type, and anyenum through the generated enum type', async () => {
      const c = await polymorphicClient();
      expect(await c.lower({ range: { lower: 3, upper: 9 } }, { element: pgTypes.int4 })).toBe(3);
      expect(
        await c.span(
          {
            ranges: [
              { lower: '1', upper: '2' },
              { lower: '5', upper: '6' },
            ],
          },
          { element: pgTypes.numeric },
        ),
      ).toEqual({ empty: false, lower: '1', upper: '6', lowerInclusive: true, upperInclusive: false });
      const mood: polymorphic.Mood | null = await c.enumFirst({ value: 'happy' }, { element: polymorphic.moodType });
      expect(mood).toBe('sad');
      await expect(c.lower({ range: { lower: 'a' } }, { element: pgTypes.text })).rejects.toThrow(
        /sp_lower: range: text has no range type to pass as anyrange/,
      );
    });

    it('both families at once, and a call without the type it needs is refused before reaching the server', async () => {
      const c = await polymorphicClient();
      expect(await c.larger({ a: 2, b: 7, tag: 'x' }, { element: pgTypes.text, compatible: pgTypes.int8 })).toEqual([
        { larger: 7, tag: 'x' },
      ]);
      expect(await c.append({ values: [1.5], value: 2 }, { compatible: pgTypes.float8 })).toEqual([1.5, 2]);
      await expect(c.first({ values: [1] }, {} as never)).rejects.toThrow(/needs the type of its element family/);
    });
  });

  describe('RETURNS record without OUT parameters', () => {
    it('takes its column definition list from the caller and types the rows by it', async () => {
      const c = await recordClient();
      const rows = await c.pairs({ count: 2 }, { columns: { n: pgTypes.int4, label: pgTypes.text } });
      const first: { n: number | null; label: string | null } = rows[0]!;
      expect(first).toEqual({ n: 1, label: 'n1' });
      expect(rows).toEqual([
        { n: 1, label: 'n1' },
        { n: 2, label: 'n2' },
      ]);
      expect(
        await c.one({ columns: { id: pgTypes.int4, 'Created At': pgTypes.timestamptz, doc: pgTypes.jsonb } }),
      ).toEqual({ id: 7, 'Created At': new Date('2024-01-02T03:04:05Z'), doc: { a: [1] } });
      expect(await c.maybe({ found: true }, { columns: { a: pgTypes.int4, b: pgTypes.text } })).toEqual({
        a: 1,
        b: 'x',
      });
      expect(await c.maybe({ found: false }, { columns: { a: pgTypes.int4, b: pgTypes.text } })).toBeNull();
    });

    it('reports a column list that does not match the result as the database error it is', async () => {
      const c = await recordClient();
      await expect(c.pairs({ count: 1 }, { columns: { n: pgTypes.int4 } })).rejects.toMatchObject({
        name: 'ProcedureError',
        sqlstate: '42P13',
      });
    });
  });

  describe('CALL with OUT parameters', () => {
    it('returns the OUT and INOUT parameters as one row, or the value of a single one', async () => {
      const c = await callOutClient();
      expect(await c.split({ total: 7, parts: 2 })).toEqual({ quotient: 3, remainder: 1 });
      expect(await c.describe({ count: 1 })).toEqual({
        pCount: 2,
        name: 'item 2',
        tags: { n: 2 },
        at: new Date('2024-01-02T03:04:05Z'),
        amount: '12.50',
        big: Number.MAX_SAFE_INTEGER,
        flag: true,
      });
      expect(await c.label({ id: 4 })).toBe('label 4');
    });
  });

  describe('annotations', () => {
    it('@single-row returns the row or null, typed through @json and @not-null', async () => {
      const c = await annotationsClient();
      expect(await c.findSettings({ id: 1 })).toEqual({ id: 1, settings: { theme: 'dark', size: 3 }, note: null });
      expect(await c.findSettings({ id: 0 })).toBeNull();
      expect(await c.firstEven({ values: [1, 4, 6] })).toBe(4);
      expect(await c.firstEven({ values: [1, 3] })).toBeNull();
    });

    it('@json parameters and results round-trip', async () => {
      const c = await annotationsClient();
      expect(await c.storeSettings({ settings: { theme: 'light', size: 1 } })).toEqual({ theme: 'light', size: 1 });
      expect(await c.tags()).toEqual([{ tags: [{ name: 'a' }], extra: { x: 1 } }]);
    });

    it('refuses a second row under @single-row and a NULL under @not-null', async () => {
      const c = await annotationsClient();
      expect(await c.brokenSingle({ count: 1 })).toEqual({ n: 1 });
      await expect(c.brokenSingle({ count: 2 })).rejects.toThrow(/sp_broken_single: result: returned 2 rows/);
      expect(await c.claimsNotNull({ value: 3 })).toBe(3);
      await expect(c.claimsNotNull({ value: -1 })).rejects.toThrow(
        /sp_claims_not_null: value: is NULL but was declared non-null/,
      );
    });

    it("@exactly-one-row returns the row, passes the procedure's own error through and refuses any other count", async () => {
      const c = await annotationsClient();
      expect(await c.getAccount({ id: 2 })).toEqual({ id: 2, balance: 100, note: '' });
      expect(await c.getAccount({ id: 2, scale: 3, note: 'n' })).toEqual({ id: 2, balance: 300, note: 'n' });
      await expect(c.getAccount({ id: 0 })).rejects.toMatchObject({ name: 'ProcedureError', sqlstate: 'P0002' });
      expect(await c.claimsOne({ count: 1 })).toBe(1);
      await expect(c.claimsOne({ count: 0 })).rejects.toThrow(
        /sp_claims_one: result: returned 0 rows, expected exactly one/,
      );
      await expect(c.claimsOne({ count: 2 })).rejects.toThrow(
        /sp_claims_one: result: returned 2 rows, expected exactly one/,
      );
    });

    it('@required only narrows the type: a NULL from an untyped caller still reaches the procedure, which refuses it', async () => {
      const c = await annotationsClient();
      await expect(c.getAccount({ id: null as unknown as number })).rejects.toMatchObject({
        name: 'ProcedureError',
        sqlstate: '22023',
      });
    });

    it('isProcedureError recognises the SQLSTATEs a procedure raises explicitly, and only those', async () => {
      const c = await annotationsClient();
      const missing = await c.fail({ code: 'missing' }).catch((error: unknown) => error);
      expect(annotations.isProcedureError(missing, 'fail', 'P0002')).toBe(true);
      expect(annotations.isProcedureError(missing, 'fail')).toBe(true);
      expect(annotations.isProcedureError(missing)).toBe(true);
      expect(annotations.isProcedureError(missing, 'fail', '40001')).toBe(false);
      // sp_get_account raises P0002 too, but this error is sp_fail's.
      expect(annotations.isProcedureError(missing, 'getAccount', 'P0002')).toBe(false);

      // PostgreSQL's own error (integer out of range) is a ProcedureError, but not one the procedure raises.
      const overflow = await c.getAccount({ id: 1, scale: 2_000_000_000 }).catch((error: unknown) => error);
      expect(overflow).toBeInstanceOf(ProcedureError);
      expect(overflow).toMatchObject({ sqlstate: '22003' });
      expect(annotations.isProcedureError(overflow, 'getAccount')).toBe(false);
      expect(annotations.isProcedureError(overflow)).toBe(false);

      const wrongCount = await c.claimsOne({ count: 0 }).catch((error: unknown) => error);
      expect(wrongCount).toBeInstanceOf(ProcedureValueError);
      expect(annotations.isProcedureError(wrongCount)).toBe(false);
      expect(annotations.isProcedureError(new Error('P0002'))).toBe(false);
    });

    it('marks retryable SQLSTATEs', async () => {
      const c = await annotationsClient();
      await expect(c.fail({ code: 'missing' })).rejects.toMatchObject({
        sqlstate: 'P0002',
        detail: 'no row',
        retryable: false,
      });
      await expect(c.fail({ code: 'retry' })).rejects.toMatchObject({ sqlstate: '40001', retryable: true });
      await expect(c.fail({ code: 'fine' })).resolves.toBeUndefined();
    });

    it('compares its fingerprint with the one recorded in the schema', async () => {
      const c = await annotationsClient();
      expect(await c.checkFingerprint()).toEqual({
        matches: false,
        expected: annotations.SOURCE_FINGERPRINT,
        actual: 'recorded',
      });
      await expect(c.assertFingerprint()).rejects.toBeInstanceOf(FingerprintMismatchError);
    });
  });

  describe('names', () => {
    it('calls quoted, mixed-case, overloaded, unnamed-parameter and fixed-schema functions', async () => {
      const c = await namesClient();
      expect(await c.mixedCase({ weirdName: 'w', select: 2 })).toEqual([{ outCol: 'w', order: 2 }]);
      expect(await c.lookupById({ id: 7 })).toBe('id 7');
      expect(await c.lookupByEmail({ email: 'a@b' })).toBe('email a@b');
      expect(await c.showWithInt4({ value: 1 })).toBe('int 1');
      expect(await c.showWithBool({ value: true })).toBe('bool true');
      expect(await c.concat({ arg1: 'a', arg2: 'b' })).toBe('ab');
      expect(await c.public.publicVersion()).toBe('v1');
    });
  });

  describe('tables, views and materialized views', () => {
    it('takes and returns table rows, %TYPE values and view rows after the migration history', async () => {
      const c = await relationsClient();
      const ann = await c.addCustomer({ name: 'Ann', tags: ['vip', 'a,b'] });
      expect(ann).toEqual({ id: expect.any(Number), name: 'Ann', tags: ['vip', 'a,b'] });
      const customerId = ann!.id!;
      const placedAt = new Date('2024-03-01T10:00:00Z');
      const first = await c.addOrder({ order: { customerId, amount: '12.50', placedAt, note: 'first' } });
      const second = await c.addOrder({ order: { customerId, amount: 7 } });
      expect(typeof first).toBe('number');
      const orders = await c.ordersOf({ customerId });
      expect(orders).toEqual([
        { id: first, customerId, amount: '12.50', placedAt, note: 'first' },
        { id: second, customerId, amount: '7.00', placedAt: expect.any(Date), note: null },
      ]);
      expect(await c.orderTotals()).toEqual([
        {
          id: first,
          customer: 'Ann',
          amount: '12.50',
          items: null,
          doubled: '25.00',
          day: new Date('2024-03-01T00:00:00Z'),
          orders: 2,
          status: 'open',
        },
        expect.objectContaining({ id: second, doubled: '14.00', status: 'open' }),
      ]);
      expect(await c.spend()).toEqual([{ id: customerId, name: 'Ann', tags: ['vip', 'a,b'], spent: '19.50' }]);
      expect(await c.firstLine({ orderId: first })).toBeNull();
    });
  });

  describe('domains and ranges', () => {
    it('passes domains as their base types, and the server checks their constraints', async () => {
      const c = await domainsClient();
      const labelled = { label: 'a@b', quantity: 3 };
      expect(
        await c.echoDomains({ positive: 5, small: 7, emails: ['x@y', 'z@w'], codes: ['ab', 'cdef'], labelled }),
      ).toEqual([{ positive: 5, small: 7, emails: ['x@y', 'z@w'], codes: ['ab', 'cdef'], labelled }]);
      expect(await c.double({ value: 21 })).toBe(42);
      await expect(c.double({ value: 100 })).rejects.toMatchObject({ sqlstate: '23514' });
      await expect(c.double({ value: 0 })).rejects.toMatchObject({ sqlstate: '23514' });
    });

    it('round-trips ranges, multiranges and arrays of ranges with typed bounds', async () => {
      const c = await domainsClient();
      const range = { empty: false, lower: 1.5, upper: null, lowerInclusive: true, upperInclusive: false } as const;
      const days = {
        empty: false,
        lower: new Date('2024-01-01T00:00:00Z'),
        upper: new Date('2024-01-10T00:00:00Z'),
        lowerInclusive: true,
        upperInclusive: false,
      } as const;
      const [row] = await c.echoRanges({
        range,
        days,
        spans: [days, { ...days, lower: new Date('2024-02-01T00:00:00Z'), upper: new Date('2024-02-03T00:00:00Z') }],
        ranges: [range, { empty: true }],
      });
      expect(row).toEqual({
        range,
        days,
        spans: [days, { ...days, lower: new Date('2024-02-01T00:00:00Z'), upper: new Date('2024-02-03T00:00:00Z') }],
        ranges: [range, { empty: true }],
      });
      // Without a canonical function (only built-in discrete ranges have one) an inclusive bound stays inclusive.
      const inclusive = { ...days, upper: new Date('2024-01-05T00:00:00Z'), upperInclusive: true };
      const [other] = await c.echoRanges({ range: { empty: true }, days: inclusive, spans: [], ranges: null });
      expect(other).toEqual({ range: { empty: true }, days: inclusive, spans: [], ranges: null });
      expect(await c.spanLength({ days })).toBe(9);
    });
  });

  describe('configured int8 and numeric', () => {
    it('decodes int8 as bigint beyond 2^53 and numeric as number', async () => {
      const c = await bigintClient();
      expect(await c.bigTotal({ values: [2n ** 62n, 1n] })).toBe(2n ** 62n + 1n);
      expect(await c.bigTotal({ values: [] })).toBe(0n);
      expect(await c.ratio({ a: 1, b: 4 })).toBe(0.25);
    });
  });
}
