-- Every result shape, defaults in the middle, VARIADIC, OUT/INOUT, procedures.
CREATE TYPE {schema}.point2 AS (x int4, y int4);

-- Rows of a table result; the middle default can be left out.
CREATE FUNCTION {schema}.sp_range(p_from int4, p_step int4 DEFAULT 1, p_count int4 DEFAULT 3)
RETURNS TABLE(n int4, label text) LANGUAGE sql AS $$
  SELECT p_from + p_step * i, 'n' || (p_from + p_step * i) FROM generate_series(0, p_count - 1) AS i
$$;

-- A scalar result.
CREATE FUNCTION {schema}.sp_add(p_a int4, p_b int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a + p_b $$;

-- Nothing back.
CREATE FUNCTION {schema}.sp_noop() RETURNS void LANGUAGE sql AS $$ SELECT $$;

-- Several OUT parameters: exactly one row.
CREATE FUNCTION {schema}.sp_divide(p_a int4, p_b int4, OUT quotient int4, OUT remainder int4)
LANGUAGE sql AS $$ SELECT p_a / p_b, p_a % p_b $$;

-- One OUT parameter: a scalar.
CREATE FUNCTION {schema}.sp_double(p_a int4, OUT doubled int4) LANGUAGE sql AS $$ SELECT p_a * 2 $$;

-- A set of scalars, with VARIADIC arguments.
CREATE FUNCTION {schema}.sp_each(VARIADIC p_values text[]) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT unnest(p_values)
$$;

-- A set of a composite type: its attributes are the columns.
CREATE FUNCTION {schema}.sp_points(p_count int4) RETURNS SETOF {schema}.point2 LANGUAGE sql AS $$
  SELECT i, i * i FROM generate_series(1, p_count) AS i
$$;

-- A composite value.
CREATE FUNCTION {schema}.sp_origin() RETURNS {schema}.point2 LANGUAGE sql AS $$ SELECT ROW(0, 0)::{schema}.point2 $$;

-- SETOF record described by OUT parameters.
CREATE FUNCTION {schema}.sp_pairs(p_count int4, OUT k int4, OUT v text) RETURNS SETOF record LANGUAGE sql AS $$
  SELECT i, repeat('x', i) FROM generate_series(1, p_count) AS i
$$;

-- A procedure with an INOUT parameter.
CREATE PROCEDURE {schema}.sp_increment(INOUT p_counter int4, p_by int4 DEFAULT 1) LANGUAGE plpgsql AS $$
BEGIN
  p_counter := p_counter + p_by;
END
$$;

-- A procedure without results.
CREATE PROCEDURE {schema}.sp_check_positive(p_value int4) LANGUAGE plpgsql AS $$
BEGIN
  IF p_value <= 0 THEN
    RAISE EXCEPTION 'not positive: %', p_value USING ERRCODE = '22023', DETAIL = 'value must be > 0';
  END IF;
END
$$;

-- Not generated: the name does not match ^sp_.
CREATE FUNCTION {schema}.helper() RETURNS int4 LANGUAGE sql AS $$ SELECT 1 $$;
