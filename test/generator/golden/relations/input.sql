-- Tables, views and materialized views whose row types routines take and return, after a migration history.
CREATE TABLE {schema}.customers (
  id bigserial PRIMARY KEY,
  name varchar(40) NOT NULL,
  obsolete int
);
CREATE TABLE {schema}.orders (
  id serial PRIMARY KEY,
  customer_id int8 NOT NULL REFERENCES {schema}.customers (id),
  amount numeric(12, 2) NOT NULL,
  placed timestamptz NOT NULL DEFAULT now()
);

-- Later migrations: columns added, dropped, renamed and retyped; a table renamed.
ALTER TABLE {schema}.customers DROP COLUMN obsolete, ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
ALTER TABLE {schema}.orders RENAME COLUMN placed TO placed_at;
ALTER TABLE {schema}.orders ADD COLUMN note varchar(10);
ALTER TABLE {schema}.orders ALTER COLUMN note TYPE text;
CREATE TABLE {schema}.order_lines (order_id int4, sku text, quantity int2);
ALTER TABLE {schema}.order_lines RENAME TO lines;

CREATE VIEW {schema}.order_totals AS
  SELECT o.id, c.name AS customer, o.amount, sum(l.quantity) AS items, o.amount * 2 AS doubled,
         o.placed_at::date AS day, count(*) OVER () AS orders, 'open' AS status
    FROM {schema}.orders o
    JOIN {schema}.customers c ON c.id = o.customer_id
    LEFT JOIN {schema}.lines l ON l.order_id = o.id
   GROUP BY o.id, c.name;

CREATE MATERIALIZED VIEW {schema}.customer_spend AS
  SELECT c.*, coalesce(sum(o.amount), 0) AS spent
    FROM {schema}.customers c LEFT JOIN {schema}.orders o ON o.customer_id = c.id
   GROUP BY c.id;

CREATE FUNCTION {schema}.sp_add_customer(p_name {schema}.customers.name%TYPE, p_tags text[] DEFAULT '{}')
RETURNS {schema}.customers LANGUAGE sql AS $$
  INSERT INTO {schema}.customers (name, tags) VALUES (p_name, p_tags) RETURNING *
$$;

CREATE FUNCTION {schema}.sp_add_order(p_order {schema}.orders) RETURNS {schema}.orders.id%TYPE LANGUAGE sql AS $$
  INSERT INTO {schema}.orders (customer_id, amount, placed_at, note)
  VALUES (p_order.customer_id, p_order.amount, coalesce(p_order.placed_at, now()), p_order.note)
  RETURNING id
$$;

CREATE FUNCTION {schema}.sp_orders_of(p_customer_id int8) RETURNS SETOF {schema}.orders LANGUAGE sql STABLE AS $$
  SELECT * FROM {schema}.orders WHERE customer_id = p_customer_id ORDER BY id
$$;

CREATE FUNCTION {schema}.sp_order_totals() RETURNS SETOF {schema}.order_totals LANGUAGE sql STABLE AS $$
  SELECT * FROM {schema}.order_totals ORDER BY id
$$;

CREATE FUNCTION {schema}.sp_spend() RETURNS SETOF {schema}.customer_spend LANGUAGE sql AS $$
  REFRESH MATERIALIZED VIEW {schema}.customer_spend;
  SELECT * FROM {schema}.customer_spend ORDER BY id
$$;

CREATE FUNCTION {schema}.sp_first_line(p_order_id int4) RETURNS {schema}.lines LANGUAGE sql STABLE AS $$
  SELECT * FROM {schema}.lines WHERE order_id = p_order_id LIMIT 1
$$;
