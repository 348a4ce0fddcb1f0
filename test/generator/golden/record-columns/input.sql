-- RETURNS [SETOF] record without OUT parameters: the caller gives the columns (PostgreSQL's column definition list)
-- as runtime types, and the row type follows them.
CREATE FUNCTION {schema}.sp_pairs(p_count int4) RETURNS SETOF record LANGUAGE sql AS $$
  SELECT i, 'n' || i FROM generate_series(1, p_count) AS i
$$;

CREATE FUNCTION {schema}.sp_one() RETURNS record LANGUAGE sql AS $$
  SELECT 7::int4, '2024-01-02T03:04:05Z'::timestamptz, '{"a": [1]}'::jsonb
$$;

-- @single-row
CREATE FUNCTION {schema}.sp_maybe(p_found bool) RETURNS SETOF record LANGUAGE sql AS $$
  SELECT 1::int4, 'x'::text WHERE p_found
$$;
