-- Polymorphic routines become generic methods: the caller passes the type (pgTypes.int4, moodType) and the result
-- type follows it.
CREATE TYPE {schema}.mood AS ENUM ('sad', 'ok', 'happy');

CREATE FUNCTION {schema}.sp_coalesce_value(p_value anyelement, p_fallback anyelement) RETURNS anyelement
LANGUAGE sql AS $$ SELECT coalesce(p_value, p_fallback) $$;

CREATE FUNCTION {schema}.sp_first(p_values anyarray) RETURNS anyelement LANGUAGE sql AS $$
  SELECT p_values[array_lower(p_values, 1)]
$$;

CREATE FUNCTION {schema}.sp_each(p_values anyarray) RETURNS SETOF anyelement LANGUAGE sql AS $$
  SELECT unnest(p_values)
$$;

CREATE FUNCTION {schema}.sp_lower(p_range anyrange) RETURNS anyelement LANGUAGE sql AS $$ SELECT lower(p_range) $$;

CREATE FUNCTION {schema}.sp_span(p_ranges anymultirange) RETURNS anyrange LANGUAGE sql AS $$
  SELECT range_merge(p_ranges)
$$;

CREATE FUNCTION {schema}.sp_enum_first(p_value anyenum) RETURNS anyenum LANGUAGE sql AS $$
  SELECT enum_first(p_value)
$$;

-- Both families at once, in a table result.
CREATE FUNCTION {schema}.sp_larger(p_a anycompatible, p_b anycompatible, p_tag anyelement)
RETURNS TABLE(larger anycompatible, tag anyelement) LANGUAGE sql AS $$ SELECT greatest(p_a, p_b), p_tag $$;

CREATE FUNCTION {schema}.sp_append(p_values anycompatiblearray, p_value anycompatible) RETURNS anycompatiblearray
LANGUAGE sql AS $$ SELECT p_values || p_value $$;
