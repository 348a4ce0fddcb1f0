-- Forms only libpg-query reads, and a migration history whose final state is what gets generated.

-- Custom dollar tags, SECURITY DEFINER, SET, PARALLEL, COST and ROWS.
CREATE FUNCTION {schema}.sp_tagged(p_name text) RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog PARALLEL SAFE COST 10 ROWS 3 AS $fn$
BEGIN
  RETURN NEXT p_name;
  RETURN NEXT upper(p_name);
END
$fn$;

-- The first version: replaced below.
CREATE FUNCTION {schema}.sp_greeting(p_name text) RETURNS text LANGUAGE sql AS $$ SELECT 'hello ' || p_name $$;

-- The second version keeps the signature, adds a default and a doc comment.
CREATE OR REPLACE FUNCTION {schema}.sp_greeting(p_name text DEFAULT 'world') RETURNS text LANGUAGE sql AS $$
  SELECT 'hi ' || p_name
$$;
COMMENT ON FUNCTION {schema}.sp_greeting(text) IS 'Greets someone (the world by default).';

-- Created, then dropped: not generated.
CREATE FUNCTION {schema}.sp_obsolete() RETURNS int4 LANGUAGE sql AS $$ SELECT 1 $$;
DROP FUNCTION {schema}.sp_obsolete();

-- A helper whose errors surface in the SQLSTATE union of the procedure that calls it, unless caught.
CREATE FUNCTION {schema}.check_positive(p_value int4) RETURNS int4 LANGUAGE plpgsql AS $$
BEGIN
  IF p_value <= 0 THEN
    RAISE EXCEPTION 'not positive: %', p_value USING ERRCODE = '22023';
  END IF;
  RETURN p_value;
END
$$;

CREATE FUNCTION {schema}.sp_checked_double(p_value int4) RETURNS int4 LANGUAGE plpgsql AS $$
BEGIN
  RETURN 2 * {schema}.check_positive(p_value);
END
$$;

CREATE FUNCTION {schema}.sp_forgiving_double(p_value int4) RETURNS int4 LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    RETURN 2 * {schema}.check_positive(p_value);
  EXCEPTION WHEN invalid_parameter_value THEN
    RETURN 0;
  END;
END
$$;
