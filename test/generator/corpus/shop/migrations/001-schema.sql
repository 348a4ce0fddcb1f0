-- A shop application: everything lives in its own schema, reached through the search path.
CREATE SCHEMA corpus_shop;
SET search_path = corpus_shop, public;

CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN price AS numeric(12, 2) CHECK (VALUE >= 0);

CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email email NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  id serial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  title text NOT NULL,
  unit_price price NOT NULL,
  tags text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id int8 NOT NULL REFERENCES customers (id),
  placed_at timestamptz NOT NULL DEFAULT now(),
  note text
);

CREATE TABLE order_lines (
  order_id int8 NOT NULL REFERENCES orders (id),
  product_id int4 NOT NULL REFERENCES products (id),
  quantity int4 NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);
