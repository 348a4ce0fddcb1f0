-- Every mapped type, echoed back so a round trip can compare what went in with what came out.
CREATE TYPE {schema}.mood AS ENUM ('happy', 'sad', 'it''s "complicated"');
CREATE TYPE {schema}.address AS (street text, zip int4, tags text[], moved_at timestamptz);

CREATE FUNCTION {schema}.sp_echo_scalars(
  p_text text, p_varchar varchar(20), p_uuid uuid, p_small int2, p_int int4, p_big int8, p_real float4,
  p_double float8, p_numeric numeric(20, 6), p_flag boolean
) RETURNS TABLE(
  t text, vc varchar, u uuid, s int2, i int4, b int8, r float4, d float8, n numeric, f boolean
) LANGUAGE sql AS $$
  SELECT p_text, p_varchar, p_uuid, p_small, p_int, p_big, p_real, p_double, p_numeric, p_flag
$$;

CREATE FUNCTION {schema}.sp_echo_times(p_tz timestamptz, p_ts timestamp, p_date date, p_time time, p_span interval)
RETURNS TABLE(tz timestamptz, ts timestamp, day date, clock time, span interval) LANGUAGE sql AS $$
  SELECT p_tz, p_ts, p_date, p_time, p_span
$$;

CREATE FUNCTION {schema}.sp_echo_json(p_json json, p_jsonb jsonb) RETURNS TABLE(j json, jb jsonb) LANGUAGE sql AS $$
  SELECT p_json, p_jsonb
$$;

CREATE FUNCTION {schema}.sp_echo_bytes(p_bytes bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT p_bytes $$;

CREATE FUNCTION {schema}.sp_echo_arrays(p_ints int4[], p_bigs int8[], p_texts text[], p_grid int4[][], p_days date[])
RETURNS TABLE(ints int4[], bigs int8[], texts text[], grid int4[][], days date[]) LANGUAGE sql AS $$
  SELECT p_ints, p_bigs, p_texts, p_grid, p_days
$$;

CREATE FUNCTION {schema}.sp_echo_mood(p_mood {schema}.mood, p_moods {schema}.mood[])
RETURNS TABLE(mood {schema}.mood, moods {schema}.mood[]) LANGUAGE sql AS $$ SELECT p_mood, p_moods $$;

CREATE FUNCTION {schema}.sp_echo_address(p_address {schema}.address, p_addresses {schema}.address[])
RETURNS TABLE(address {schema}.address, addresses {schema}.address[]) LANGUAGE sql AS $$
  SELECT p_address, p_addresses
$$;

-- A text value claimed to be an int8 by a cast in SQL: used to test the range check past 2^53-1.
CREATE FUNCTION {schema}.sp_big_value(p_text text) RETURNS int8 LANGUAGE sql AS $$ SELECT p_text::int8 $$;
