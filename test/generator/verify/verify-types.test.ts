import { describe, expect, inject, it } from 'vitest';
import type { Model, UserType } from '../../../generator/model/types.js';
import { parseSources } from '../../../generator/parse/index.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';

const databaseUrl = inject('databaseUrl');

/** Parses the files as the generator does and compares the model with what PostgreSQL made of them. */
async function verifyParsed(texts: string[], change: (model: Model) => Model = (model) => model) {
  const sources = texts.map((text, index) => ({ path: `${index + 1}.sql`, text }));
  const { model, diagnostics } = parseSources(sources);
  expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  return verifyModel({
    connectionString: databaseUrl,
    sources,
    model: change(model),
    placeholder: '{schema}',
    include: '*',
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
    const differences = await verifyParsed(sql, (model) => {
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
    });
    expect(differences).toEqual([
      '1.sql:1:1: table t: column 1 (a): type: model bigint, catalog integer',
      '1.sql:1:1: table t: column 2 (c): name: model c, catalog b',
      '1.sql:2:8: materialized view v: the catalog has a view',
      '1.sql:3:8: enum mood: labels: model sad, happy, catalog happy, sad',
      '1.sql:4:8: domain d: base: type: model bigint, catalog integer',
      '1.sql:5:8: range r: multirange: model rs, catalog {schema}.r_multirange',
      '{schema}.extra (a table): in the catalog but not in the model',
    ]);
  });
});
