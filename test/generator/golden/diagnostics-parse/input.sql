-- Migration-history mistakes and definitions PostgreSQL would reject.
CREATE FUNCTION {schema}.sp_twice(p_a int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a $$;
CREATE FUNCTION {schema}.sp_twice(p_a int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a + 1 $$;

-- A replacement may not change the return type.
CREATE FUNCTION {schema}.sp_changes(p_a int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a $$;
CREATE OR REPLACE FUNCTION {schema}.sp_changes(p_a int4) RETURNS text LANGUAGE sql AS $$ SELECT p_a::text $$;

-- Dropping what does not exist.
DROP FUNCTION {schema}.sp_never_created(int4);

-- A body PL/pgSQL cannot parse.
CREATE FUNCTION {schema}.sp_broken() RETURNS int4 LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1
END
$$;

-- An unknown exception condition.
CREATE FUNCTION {schema}.sp_bad_condition() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE no_such_condition;
END
$$;
