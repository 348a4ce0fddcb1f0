import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  builtinRanges,
  builtinType,
  polymorphicTypes,
  pseudoTypeReasons,
} from '../../../generator/analyze/builtin-types.js';
import type { SqlPart } from '../../../generator/analyze/program.js';
import { TypeMapper } from '../../../generator/analyze/type-mapping.js';
import { baseConfig } from '../golden/golden-case.js';

let pool: pg.Pool;
/** Every type of the server's pg_catalog that is not an array type or a catalog table's row type. */
let catalogTypes: { name: string; oid: string; pseudo: boolean; hasArray: boolean }[];

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
  pool.on('error', () => {});
  const { rows } = await pool.query<(typeof catalogTypes)[number]>(
    `SELECT t.typname AS name, t.oid::text AS oid, t.typtype = 'p' AS pseudo, t.typarray <> 0 AS "hasArray"
       FROM pg_type t
      WHERE t.typnamespace = 'pg_catalog'::regnamespace AND t.typrelid = 0
        AND NOT (t.typelem <> 0 AND t.typname LIKE '\\_%')
      ORDER BY t.typname`,
  );
  catalogTypes = rows;
});

afterAll(async () => {
  await pool.end();
});

/** Built-in types never name the client's schema, so their cast is plain text. */
const sqlText = (parts: SqlPart[]) => parts.map((part) => (typeof part === 'string' ? part : '?')).join('');

const ref = (name: string, arrayDimensions = 0) => ({
  schema: { kind: 'unqualified' as const },
  name,
  arrayDimensions,
  modifiers: [],
});

describe('the built-in type table', () => {
  it('covers every type in pg_catalog: a mapping, a range, a polymorphic type or a pseudo-type with a reason', () => {
    expect(catalogTypes.length).toBeGreaterThan(90);
    const uncovered = catalogTypes
      .map((type) => type.name)
      .filter(
        (name) =>
          !builtinType(name, baseConfig) &&
          !(name in builtinRanges) &&
          !(name in polymorphicTypes) &&
          !(name in pseudoTypeReasons) &&
          name !== 'void',
      );
    expect(uncovered).toEqual([]);
  });

  it('maps every non-pseudo type and its arrays, and each cast names that very type on the server', async () => {
    const mapper = new TypeMapper(baseConfig, []);
    for (const type of catalogTypes.filter((candidate) => !candidate.pseudo)) {
      for (const dimensions of type.hasArray ? [0, 1] : [0]) {
        const mapped = mapper.map(ref(type.name, dimensions));
        if ('error' in mapped) throw new Error(`${type.name}: ${mapped.error}`);
        const cast = sqlText(mapped.sqlType);
        const { rows } = await pool.query<{ oid: string | null }>(
          'SELECT $1::regtype::oid::text AS oid FROM (SELECT 1) AS x',
          [cast],
        );
        const { rows: arrays } = await pool.query<{ oid: string }>(
          `SELECT CASE WHEN $2 THEN typarray ELSE oid END::text AS oid FROM pg_type WHERE oid = $1::oid`,
          [type.oid, dimensions > 0],
        );
        expect({ type: type.name, cast, oid: rows[0]!.oid }).toEqual({ type: type.name, cast, oid: arrays[0]!.oid });
      }
    }
  });

  it('a cast keeps a value whole: no keyword spelling with an implied length', async () => {
    const mapper = new TypeMapper(baseConfig, []);
    const bit = mapper.map(ref('bit'));
    if ('error' in bit) throw new Error(bit.error);
    const { rows } = await pool.query(`SELECT ($1::${sqlText(bit.sqlType)})::text AS value`, ['1010']);
    expect(rows[0].value).toBe('1010');
  });
});
