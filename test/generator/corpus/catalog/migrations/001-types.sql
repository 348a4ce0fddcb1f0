-- A catalog service: ranges, enums, composites.
CREATE SCHEMA corpus_catalog;
SET search_path TO corpus_catalog;

CREATE TYPE availability AS ENUM ('in_stock', 'backorder', 'discontinued');
CREATE TYPE dimensions AS (width_mm int4, height_mm int4, depth_mm int4);
CREATE TYPE price_band AS RANGE (subtype = numeric);

CREATE TABLE items (
  id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  status availability NOT NULL DEFAULT 'in_stock',
  size dimensions,
  sold_during tstzrange,
  band price_band,
  weight_g int4,
  updated_at timestamptz NOT NULL DEFAULT now()
);
