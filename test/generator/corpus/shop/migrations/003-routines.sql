SET search_path = corpus_shop, public;

CREATE FUNCTION register_customer(p_email email, p_name text) RETURNS customers
LANGUAGE sql AS $$
  INSERT INTO customers (email, name) VALUES (p_email, p_name) RETURNING *
$$;

CREATE FUNCTION find_customer(p_id int8) RETURNS customers LANGUAGE sql STABLE AS $$
  SELECT * FROM customers WHERE id = p_id
$$;

-- Overloads: by id and by e-mail.
CREATE FUNCTION find_customer(p_email email) RETURNS customers LANGUAGE sql STABLE AS $$
  SELECT * FROM customers WHERE email = p_email
$$;

CREATE FUNCTION list_products(p_tag text DEFAULT NULL) RETURNS SETOF products LANGUAGE sql STABLE AS $$
  SELECT * FROM products WHERE p_tag IS NULL OR p_tag = ANY (tags) ORDER BY sku
$$;

CREATE FUNCTION place_order(p_customer int8, p_products int4[], p_quantities int4[]) RETURNS int8
LANGUAGE plpgsql AS $$
DECLARE
  v_order int8;
BEGIN
  IF cardinality(p_products) <> cardinality(p_quantities) THEN
    RAISE EXCEPTION 'products and quantities differ in length' USING ERRCODE = '22023';
  END IF;
  INSERT INTO orders (customer_id) VALUES (p_customer) RETURNING id INTO v_order;
  INSERT INTO order_lines (order_id, product_id, quantity)
  SELECT v_order, product, quantity FROM unnest(p_products, p_quantities) AS t(product, quantity);
  RETURN v_order;
END
$$;

CREATE FUNCTION order_total(p_order int8) RETURNS order_totals LANGUAGE sql STABLE AS $$
  SELECT * FROM order_totals WHERE order_id = p_order
$$;

CREATE FUNCTION price_with_tax(p_price price, p_rate numeric DEFAULT 0.2) RETURNS price
LANGUAGE sql IMMUTABLE AS $$ SELECT round(p_price * (1 + p_rate), 2)::price $$;

-- A polymorphic helper: the first argument that is not null.
CREATE FUNCTION first_present(p_first anyelement, p_second anyelement) RETURNS anyelement
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(p_first, p_second) $$;

CREATE FUNCTION customer_orders(p_customer int8)
RETURNS TABLE (order_id int8, placed_at timestamptz, total numeric)
LANGUAGE sql STABLE AS $$
  SELECT t.order_id, o.placed_at, t.total FROM order_totals t JOIN orders o ON o.id = t.order_id
   WHERE t.customer_id = p_customer
$$;
