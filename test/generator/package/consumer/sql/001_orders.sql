CREATE TABLE {schema}.orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer text NOT NULL,
  total numeric(12, 2) NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION {schema}.add_numbers(a integer, b integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;

CREATE FUNCTION {schema}.place_order(p_customer text, p_total numeric) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  IF p_total <= 0 THEN
    RAISE EXCEPTION 'an order needs a positive total, got %', p_total USING ERRCODE = 'OR001';
  END IF;
  INSERT INTO {schema}.orders (customer, total) VALUES (p_customer, p_total) RETURNING id INTO v_id;
  RETURN v_id;
END;
$$;

CREATE FUNCTION {schema}.list_orders(p_customer text)
RETURNS TABLE (id bigint, customer text, total numeric, placed_at timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT o.id, o.customer, o.total, o.placed_at FROM {schema}.orders o WHERE o.customer = p_customer ORDER BY o.id
$$;
