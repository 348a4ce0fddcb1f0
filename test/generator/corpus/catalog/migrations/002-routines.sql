SET search_path TO corpus_catalog;

CREATE FUNCTION items_in_band(p_band price_band) RETURNS SETOF items LANGUAGE sql STABLE AS $$
  SELECT * FROM items WHERE band && p_band
$$;

CREATE FUNCTION item_name(p_id items.id%TYPE) RETURNS items.name%TYPE LANGUAGE sql STABLE AS $$
  SELECT name FROM items WHERE id = p_id
$$;

CREATE FUNCTION set_status(p_id int8, p_status availability) RETURNS availability LANGUAGE plpgsql AS $$
DECLARE
  v_old availability;
BEGIN
  SELECT status INTO v_old FROM items WHERE id = p_id FOR UPDATE;
  UPDATE items SET status = p_status WHERE id = p_id;
  RETURN v_old;
END
$$;

CREATE FUNCTION item_volume(p_size dimensions) RETURNS int8 LANGUAGE sql IMMUTABLE AS $$
  SELECT (p_size).width_mm::int8 * (p_size).height_mm * (p_size).depth_mm
$$;

CREATE FUNCTION on_sale(p_at timestamptz DEFAULT now()) RETURNS TABLE (id int8, name text, sold_during tstzrange)
LANGUAGE sql STABLE AS $$
  SELECT id, name, sold_during FROM items WHERE sold_during @> p_at
$$;

-- Aggregate: the heaviest weight, as text with its unit.
CREATE FUNCTION heavier(p_state int4, p_value int4) RETURNS int4 LANGUAGE sql IMMUTABLE AS $$
  SELECT greatest(p_state, p_value)
$$;
CREATE FUNCTION grams(p_state int4) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT p_state || ' g' $$;
CREATE AGGREGATE heaviest(int4) (SFUNC = heavier, STYPE = int4, FINALFUNC = grams);

-- Trigger function: keeps updated_at current.
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();
