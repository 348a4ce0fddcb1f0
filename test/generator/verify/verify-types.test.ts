import { describe, expect, inject, it } from 'vitest';
import type { Model, UserType } from '../../../generator/model/types.js';
import { parseSources } from '../../../generator/parse/index.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';

const databaseUrl = inject('databaseUrl');
const searchPath = ['{schema}'];

/** Parses the files as the generator does and compares the model with what PostgreSQL made of them. */
async function verifyParsed(
  texts: string[],
  change: (model: Model) => Model = (model) => model,
  note: (line: string) => void = (line) => expect.fail(`unexpected note: ${line}`),
) {
  const sources = texts.map((text, index) => ({ path: `${index + 1}.sql`, text }));
  // Unqualified names mean the tenant schema, as the migration runner sets the search path to it.
  const { model, diagnostics } = parseSources(sources, { searchPath });
  expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  // Every file here is fully static: an unknown column type would go unchecked by verify.
  const unknowns = model.types.flatMap((type) =>
    'columns' in type
      ? [
          ...(type.columnsUnknownReason ? [`${type.name}: ${type.columnsUnknownReason}`] : []),
          ...type.columns.flatMap((column) =>
            column.type ? [] : [`${type.name}.${column.name}: ${column.typeUnknownReason}`],
          ),
        ]
      : [],
  );
  expect(unknowns).toEqual([]);
  return verifyModel({
    connectionString: databaseUrl,
    sources,
    model: change(model),
    placeholder: '{schema}',
    include: '*',
    searchPath,
    note,
  });
}

const withType = (name: string, change: (type: UserType) => UserType) => (model: Model) => ({
  ...model,
  types: model.types.map((type) => (type.name === name ? change(type) : type)),
});

describe('verify: relations and types equal the catalog', () => {
  it('tables after a migration history: ALTER ADD, DROP, RENAME and TYPE columns, RENAME, inheritance, LIKE, OF', async () => {
    const differences = await verifyParsed([
      `CREATE TABLE {schema}.orders (id serial PRIMARY KEY, amount numeric(12, 2) NOT NULL, note varchar(20),
         placed timestamptz DEFAULT now(), obsolete int);
       CREATE TABLE base (created_at timestamp, id bigserial);
       CREATE TABLE child (label text, id int8) INHERITS (base);
       CREATE TABLE copy (extra bool, LIKE {schema}.orders INCLUDING DEFAULTS, last smallserial);
       CREATE TYPE pair AS (a int, b text);
       CREATE TABLE typed OF pair;
       CREATE TABLE measurements (at date NOT NULL, value float8) PARTITION BY RANGE (at);
       CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`,
      `ALTER TABLE orders ADD COLUMN tags text[], DROP COLUMN obsolete, ALTER COLUMN note TYPE text;
       ALTER TABLE orders RENAME COLUMN placed TO placed_at;
       ALTER TABLE IF EXISTS missing ADD COLUMN x int;
       ALTER TABLE copy RENAME TO order_copy;
       ALTER TABLE orders ADD COLUMN IF NOT EXISTS tags text[], DROP COLUMN IF EXISTS gone;
       CREATE FUNCTION sp_amount_of(p_id orders.id%TYPE, p_order orders) RETURNS {schema}.orders.amount%TYPE
         LANGUAGE sql AS 'SELECT p_order.amount';`,
    ]);
    expect(differences).toEqual([]);
  });

  it('DROP ... CASCADE takes dependent views and routines with it; RENAME carries routines along', async () => {
    const differences = await verifyParsed([
      `CREATE TABLE t (a int, b text);
       CREATE VIEW v AS SELECT a FROM t;
       CREATE VIEW vv AS SELECT * FROM v;
       CREATE FUNCTION sp_rows() RETURNS SETOF v LANGUAGE sql AS 'SELECT * FROM v';
       ALTER TABLE t DROP COLUMN b;
       DROP TABLE t CASCADE;
       CREATE TABLE kept (x int);
       CREATE FUNCTION sp_kept(p kept) RETURNS kept LANGUAGE sql AS 'SELECT p';
       ALTER TABLE kept RENAME TO renamed;
       CREATE TABLE u (x int, y int);
       CREATE VIEW uv AS SELECT x FROM u;
       ALTER TABLE u DROP COLUMN x CASCADE;`,
    ]);
    expect(differences).toEqual([]);
  });

  it('views and materialized views: columns inferred from the query', async () => {
    const differences = await verifyParsed([
      `CREATE TYPE mood AS ENUM ('happy', 'sad');
       CREATE DOMAIN email AS text;
       CREATE TABLE customers (id int8 PRIMARY KEY, name varchar(40), email email, mood mood, meta jsonb,
         born date, scores int4[], balance numeric(10, 2), rate float4);
       CREATE TABLE orders (id serial, customer_id int8, total numeric, placed timestamptz, note text);
       CREATE FUNCTION helper_label(p int8) RETURNS text LANGUAGE sql AS 'SELECT p::text';
       CREATE FUNCTION helper_rows(p int) RETURNS TABLE(n int, label text) LANGUAGE sql AS 'SELECT p, p::text';
       CREATE VIEW customer_orders AS
         SELECT c.*, o.id AS order_id, o.total, o.total * 2 AS doubled, o.placed::date AS day,
                o.placed - interval '1 day' AS before, now() - o.placed AS age, count(*) OVER () AS n,
                'literal' AS lit, NULL AS nothing, 1 AS one, 3000000000 AS big, 1.5 AS dec, true AS flag,
                upper(c.name) AS shout, c.name || '!' AS bang, length(c.name), coalesce(o.note, c.name) AS either,
                CASE WHEN o.total > 100 THEN 'big' ELSE 'small' END AS size, c.email AS mail,
                c.meta -> 'a' AS meta_a, c.meta ->> 'b' AS meta_b, c.scores[1] AS first_score, c.scores[1:2] AS some,
                ARRAY[o.id, 2] AS ids, EXISTS (SELECT 1 FROM orders) AS any_orders,
                (SELECT max(total) FROM orders) AS max_total, helper_label(c.id) AS label,
                c.born + 1 AS next_day, current_date - c.born AS days, extract(year FROM c.born) AS year,
                date_trunc('month', o.placed) AS month, c.rate * 2 AS rate2, c.rate + 1 AS rate_plus,
                c.balance / 3 AS third, round(c.balance, 1) AS rounded, o.id::text AS id_text, c.mood AS feeling,
                greatest(o.id, 5) AS g, nullif(c.name, '') AS nonempty, current_timestamp, current_user
           FROM customers c LEFT JOIN orders o ON o.customer_id = c.id;
       CREATE VIEW with_using AS SELECT * FROM customers JOIN (SELECT customer_id AS id, sum(total) AS spent
         FROM orders GROUP BY 1) s USING (id);
       CREATE VIEW natural_join AS SELECT * FROM (SELECT 1 AS k, 'a'::text AS x) a NATURAL JOIN (SELECT 1 AS k, 2 AS y) b;
       CREATE VIEW unioned (key, value) AS SELECT id, name FROM customers UNION ALL SELECT id, note FROM orders;
       CREATE VIEW valued AS SELECT * FROM (VALUES (1, 'a'), (2.5, NULL)) AS v (n, s);
       CREATE VIEW from_functions AS SELECT g, u, r.*, e.key, e.value
         FROM generate_series(1, 3) g, unnest(ARRAY['a', 'b']) u, helper_rows(1) r, jsonb_each('{}') e;
       CREATE VIEW with_cte AS WITH recent AS (SELECT id, placed FROM orders) SELECT r.id, r.placed FROM recent r;
       CREATE VIEW aggregates AS SELECT customer_id, sum(total) AS total, avg(id) AS avg_id, array_agg(note) AS notes,
         string_agg(note, ',') AS joined, bool_or(total > 0) AS positive, min(placed) AS first, sum(id) AS id_sum
         FROM orders GROUP BY customer_id;
       CREATE MATERIALIZED VIEW totals AS SELECT customer_id, sum(total)::numeric(12, 2) AS total FROM orders
         GROUP BY customer_id WITH NO DATA;
       CREATE TABLE snapshot AS SELECT id, name FROM customers;
       CREATE OR REPLACE VIEW with_cte AS WITH recent AS (SELECT id, placed FROM orders)
         SELECT r.id, r.placed, 'added'::text AS extra FROM recent r;
       ALTER VIEW unioned RENAME COLUMN value TO label;
       ALTER MATERIALIZED VIEW totals RENAME TO customer_totals;`,
    ]);
    expect(differences).toEqual([]);
  });

  it('views: expressions, operators, functions, aggregates, joins, set operations and FROM functions', async () => {
    const differences = await verifyParsed([
      `CREATE TYPE pair AS (a int, b text);
CREATE DOMAIN money2 AS numeric(12,2);
CREATE TABLE t (id int8, p pair, m money2, j json, arr int[], ts timestamp, tz timestamptz, d date, i interval, b bytea, u uuid, c char(3), vc varchar(5), n name, f4 float4, s2 int2);
CREATE VIEW v1 AS SELECT (t.p).a AS pa, (p).b AS pb, t AS whole, m + 1 AS m1, m * m AS mm, -id AS neg, j -> 'x' AS jx, j #>> '{a}' AS jt, arr || 5 AS arr5, arr[2:3] AS sl, ts + i AS tsi, tz - i AS tzi, d - i AS di, d + i, i * 2 AS i2, b || b AS bb, c || 'x' AS cx, vc || vc AS vv, n, f4 * s2 AS fs, s2 + s2 AS ss, s2 * 2 AS s2i, id % 3 AS idm, id / 2.0 AS idd, 2 ^ 3 AS pw, u::text AS ut, ts::date AS td, date_part('epoch', tz) AS ep, to_char(tz, 'YYYY') AS tc, coalesce(m, 0) AS cm, coalesce(c, 'x') AS cc, array_length(arr, 1) AS al, cardinality(arr) AS card, jsonb_build_object('a', 1) AS jb, to_jsonb(t.*) AS tj, row_to_json(t) AS rj, md5(vc) AS md, abs(s2) AS ab, round(f4) AS rf, random() AS rnd, now()::time AS tm, localtimestamp AS lts, current_time AS ct, session_user AS su, id IN (1, 2) AS inl, vc LIKE 'a%' AS lk, id BETWEEN 1 AND 2 AS bt, id IS NULL AS isn, NOT (id > 1) AS nt, id IS DISTINCT FROM 2 AS idf, ARRAY(SELECT id FROM t) AS ids, (SELECT count(*) FROM t) AS cnt, lag(id) OVER (ORDER BY id) AS lg, rank() OVER () AS rk, ntile(2) OVER () AS nt2, first_value(vc) OVER () AS fv FROM t;
CREATE VIEW v2 AS SELECT x.* FROM (SELECT id, vc FROM t) AS x(a) ;
CREATE VIEW v3 AS SELECT s.a, s.b FROM t, LATERAL (SELECT t.id AS a, t.vc AS b) s;
CREATE VIEW v4 AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r;
CREATE VIEW v5 AS SELECT 1 AS a UNION SELECT 2.5 UNION SELECT NULL;
CREATE VIEW v6 AS SELECT 'a' AS x UNION ALL SELECT 'b';
CREATE VIEW v7 AS SELECT DISTINCT ON (id) id, vc FROM t ORDER BY id, vc;
CREATE VIEW v8 AS SELECT id, count(*) FILTER (WHERE id > 1) AS c, percentile_cont(0.5) WITHIN GROUP (ORDER BY id) AS med, mode() WITHIN GROUP (ORDER BY vc) AS mo FROM t GROUP BY id;
CREATE VIEW v9 AS SELECT gs, gs2 FROM generate_series(1::int8, 3) gs, generate_series(now(), now(), '1 day') gs2;
CREATE VIEW v10 AS SELECT o, x FROM unnest(ARRAY[1,2]) WITH ORDINALITY AS u(x, o);
CREATE VIEW v11 AS SELECT k, v FROM json_each_text('{}') AS e(k, v);
CREATE VIEW v12 AS SELECT a.id, b.id AS bid FROM t a FULL JOIN t b USING (vc);
CREATE VIEW v13 AS SELECT id, vc, a.p FROM t a JOIN t b USING (id, vc);
CREATE VIEW v14 AS SELECT id::varchar(10) AS vid, 'abc'::char(2) AS c2, 1::numeric(5,1) AS n51, '{1,2}'::int[] AS ia, '1'::bit(3) AS b3, interval '1 day' AS iv, timestamp '2020-01-01' AS tsl, date '2020-01-01' AS dl FROM t;
CREATE VIEW v15 AS SELECT x FROM (VALUES (1), (2)) v(x) WHERE x IN (SELECT id FROM t);
CREATE VIEW v16 AS SELECT * FROM (SELECT 'a' AS s) q;
CREATE VIEW v17 AS SELECT GREATEST(s2, id) AS g, LEAST(f4, 1) AS l, CASE id WHEN 1 THEN 'a' END AS cs, CASE WHEN true THEN NULL ELSE 1 END AS cn FROM t;
CREATE VIEW v18 AS SELECT t.*, t2.id AS id2 FROM t, t AS t2 WHERE false;
CREATE VIEW v19 AS SELECT sum(s2) AS a, sum(f4) AS b, avg(f4) AS c, avg(m) AS dd, sum(i) AS e, max(arr) AS f, min(d) AS g, count(DISTINCT vc) AS h, array_agg(arr) AS i2, string_agg(vc, ',') AS j2, json_agg(t) AS k, jsonb_agg(id) AS l, bool_and(true) AS m2, every(false) AS n2, stddev(id) AS o, variance(f4) AS p FROM t;`,
      `CREATE TABLE t2 (id int8, vc varchar(5), i interval, f float8);
CREATE FUNCTION one(p int8) RETURNS int4 LANGUAGE sql AS 'select 1';
CREATE FUNCTION one(p text) RETURNS text LANGUAGE sql AS 'select p';
CREATE FUNCTION many(p int8) RETURNS SETOF t2 LANGUAGE sql AS 'select * from t2';
CREATE FUNCTION pairs(OUT a int, OUT b text) RETURNS SETOF record LANGUAGE sql AS 'select 1, ''x''';
CREATE FUNCTION single(OUT a int) LANGUAGE sql AS 'select 1';
CREATE FUNCTION defaults(a int, b int DEFAULT 2) RETURNS numeric LANGUAGE sql AS 'select 1.0';
CREATE VIEW w1 AS SELECT one(id) AS a, one(vc::text) AS b, one('x'::text) AS c, defaults(1) AS d, single() AS e, percentile_cont(0.5) WITHIN GROUP (ORDER BY f) AS pc, percentile_cont(0.5) WITHIN GROUP (ORDER BY i) AS pi, percentile_disc(0.5) WITHIN GROUP (ORDER BY vc) AS pd, mode() WITHIN GROUP (ORDER BY id) AS mo FROM t2 GROUP BY t2.id, t2.vc;
CREATE VIEW w2 AS SELECT m.*, p.b FROM many(1) m, pairs() p;
CREATE VIEW w3 AS SELECT count(*) OVER (), t2.id::text, CAST(f AS int), EXTRACT(year FROM now()), 1::int, 'x'::varchar, CASE WHEN true THEN 1 END::text, (SELECT vc FROM t2 LIMIT 1), ARRAY[1], coalesce(1), vc COLLATE "C" AS vcc, to_jsonb(t2.*) AS tj FROM t2;
CREATE VIEW w4 AS SELECT * FROM single() s;
CREATE VIEW w5 AS SELECT x FROM one(1::int8) x;`,
    ]);
    expect(differences).toEqual([]);
  });

  it('composite types, domains and ranges after their histories', async () => {
    const differences = await verifyParsed([
      `CREATE TYPE pair AS (a int, b text, c bool);
       ALTER TYPE pair ADD ATTRIBUTE d date, DROP ATTRIBUTE c, ALTER ATTRIBUTE a TYPE int8;
       ALTER TYPE pair RENAME ATTRIBUTE b TO label;
       CREATE DOMAIN positive AS int4 CHECK (VALUE > 0);
       CREATE DOMAIN small_positive AS positive CHECK (VALUE < 100);
       CREATE DOMAIN codes AS varchar(4)[];
       CREATE TABLE uses (p positive, ps small_positive[], c codes);
       CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
       CREATE TYPE span AS RANGE (subtype = timestamptz, multirange_type_name = spans);
       CREATE TYPE mood AS ENUM ('happy', 'sad');
       ALTER TYPE mood ADD VALUE 'calm' BEFORE 'sad';
       ALTER TYPE mood RENAME VALUE 'happy' TO 'glad';
       ALTER DOMAIN small_positive RENAME TO tiny;
       CREATE DOMAIN gone AS text;
       DROP DOMAIN gone;
       CREATE FUNCTION sp_ranges(p floatrange, q floatmultirange, s spans) RETURNS span LANGUAGE sql AS 'SELECT NULL::span';`,
    ]);
    expect(differences).toEqual([]);
  });

  it('reports relations and types that differ from the catalog', async () => {
    const sql = [
      `CREATE TABLE t (a int, b text);
       CREATE VIEW v AS SELECT a, b FROM t;
       CREATE TYPE mood AS ENUM ('happy', 'sad');
       CREATE DOMAIN d AS int4;
       CREATE TYPE r AS RANGE (subtype = int8);
       CREATE TABLE extra (x int);`,
    ];
    const int8 = { schema: { kind: 'unqualified' as const }, name: 'int8', arrayDimensions: 0, modifiers: [] };
    const notes: string[] = [];
    const differences = await verifyParsed(
      sql,
      (model) => {
        let changed = withType('t', (type) =>
          type.kind === 'table'
            ? {
                ...type,
                columns: [
                  { ...type.columns[0]!, type: int8 },
                  { ...type.columns[1]!, name: 'c' },
                ],
              }
            : type,
        )(model);
        changed = withType('v', (type) => ({ ...type, kind: 'materialized-view' }) as UserType)(changed);
        changed = withType('mood', (type) => (type.kind === 'enum' ? { ...type, values: ['sad', 'happy'] } : type))(
          changed,
        );
        changed = withType('d', (type) => (type.kind === 'domain' ? { ...type, baseType: int8 } : type))(changed);
        changed = withType('r', (type) =>
          type.kind === 'range' ? { ...type, multirange: { ...type.multirange, name: 'rs' } } : type,
        )(changed);
        return { ...changed, types: changed.types.filter((type) => type.name !== 'extra') };
      },
      (line) => notes.push(line),
    );
    expect(differences).toEqual([
      '1.sql:1:1: table {schema}.t: column 1 (a): type: model bigint, catalog integer',
      '1.sql:1:1: table {schema}.t: column 2 (c): name: model c, catalog b',
      '1.sql:2:8: materialized view {schema}.v: the catalog has a view',
      '1.sql:3:8: enum {schema}.mood: labels: model sad, happy, catalog happy, sad',
      '1.sql:4:8: domain {schema}.d: base: type: model bigint, catalog integer',
      '1.sql:5:8: range {schema}.r: multirange: model {schema}.rs, catalog {schema}.r_multirange',
    ]);
    expect(notes).toEqual([
      '{schema}.extra (a table) is in the catalog but not in the model (created by code the files run?)',
    ]);
  });
});
