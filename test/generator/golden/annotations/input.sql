-- @not-null, @required, @json, @single-row and @exactly-one-row, above a definition and in COMMENT ON.

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

-- An account by id: one row, or an error, never nothing. A NULL id or scale is refused; the scale has a default.
-- @exactly-one-row
-- @not-null
-- @required p_id p_scale
CREATE FUNCTION {schema}.sp_get_account(p_id int4, p_scale int4 DEFAULT 1, p_note text DEFAULT NULL)
RETURNS TABLE(id int4, balance int4, note text) LANGUAGE plpgsql AS $$
BEGIN
  IF p_id IS NULL OR p_scale IS NULL THEN
    RAISE EXCEPTION 'p_id and p_scale must not be NULL' USING ERRCODE = '22023';
  END IF;
  RETURN QUERY SELECT p_id, 100 * p_scale, COALESCE(p_note, '') WHERE p_id > 0;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no account %', p_id USING ERRCODE = 'P0002';
  END IF;
END
$$;

-- Claims exactly one row but can return none or two: the wrapper must refuse both.
-- @single-row
CREATE FUNCTION {schema}.sp_claims_one(p_count int4) RETURNS SETOF int4 LANGUAGE sql AS $$
  SELECT generate_series(1, p_count)
$$;
-- A later annotation says more than the one above the definition: @exactly-one-row wins over @single-row.
COMMENT ON FUNCTION {schema}.sp_claims_one(int4) IS '@exactly-one-row
@required "p_count"';

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
