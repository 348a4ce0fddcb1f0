-- @not-null, @json and @single-row.

-- The user's settings, if any.
-- @single-row
-- @not-null id settings
-- @json settings Settings
CREATE FUNCTION {schema}.sp_find_settings(p_id int4)
RETURNS TABLE(id int4, settings jsonb, note text) LANGUAGE sql AS $$
  SELECT p_id, '{"theme": "dark", "size": 3}'::jsonb, NULL::text WHERE p_id > 0
$$;

-- @json p_settings Settings
-- @json return Settings
-- @not-null
CREATE FUNCTION {schema}.sp_store_settings(p_settings jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT p_settings $$;

-- @json tags Tag[]
-- @json extra Record<string, number> | null
CREATE FUNCTION {schema}.sp_tags() RETURNS TABLE(tags jsonb, extra json) LANGUAGE sql AS $$
  SELECT '[{"name": "a"}]'::jsonb, '{"x": 1}'::json
$$;

-- A first match or nothing.
-- @single-row
-- @not-null
CREATE FUNCTION {schema}.sp_first_even(p_values int4[]) RETURNS SETOF int4 LANGUAGE sql AS $$
  SELECT v FROM unnest(p_values) AS v WHERE v % 2 = 0 LIMIT 1
$$;

-- Claims one row but can return two: the wrapper must refuse.
-- @single-row
CREATE FUNCTION {schema}.sp_broken_single(p_count int4) RETURNS TABLE(n int4) LANGUAGE sql AS $$
  SELECT generate_series(1, p_count)
$$;

-- Claims non-null, returns NULL for a negative input: the decoder must refuse.
-- @not-null
CREATE FUNCTION {schema}.sp_claims_not_null(p_value int4) RETURNS int4 LANGUAGE sql AS $$
  SELECT CASE WHEN p_value >= 0 THEN p_value END
$$;

-- Raises errors the client sees as ProcedureError.
CREATE FUNCTION {schema}.sp_fail(p_code text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_code = 'missing' THEN
    RAISE EXCEPTION 'nothing here' USING ERRCODE = 'P0002', DETAIL = 'no row';
  ELSIF p_code = 'retry' THEN
    RAISE EXCEPTION 'try again' USING ERRCODE = '40001';
  END IF;
END
$$;

-- The fingerprint function the client compares with.
CREATE FUNCTION {schema}.sp_procedure_fingerprint() RETURNS text LANGUAGE sql AS $$ SELECT 'recorded' $$;
