-- Overloads PostgreSQL cannot choose between when a default is left out.
CREATE FUNCTION {schema}.sp_pick(p_a int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a $$;
CREATE FUNCTION {schema}.sp_pick(p_a int4, p_b int4 DEFAULT 0) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a + p_b $$;

-- Distinct types: fine.
CREATE FUNCTION {schema}.sp_fine(p_a int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a $$;
CREATE FUNCTION {schema}.sp_fine(p_a text) RETURNS text LANGUAGE sql AS $$ SELECT p_a $$;
