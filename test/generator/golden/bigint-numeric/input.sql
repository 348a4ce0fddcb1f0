-- int8 as bigint and numeric as number, when the configuration asks for them.
-- @not-null
CREATE FUNCTION {schema}.sp_big_total(p_values int8[]) RETURNS int8 LANGUAGE sql AS $$
  SELECT coalesce(sum(v), 0)::int8 FROM unnest(p_values) AS v
$$;

CREATE FUNCTION {schema}.sp_ratio(p_a numeric, p_b numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT p_a / p_b $$;
