-- Overloads of which one cannot be called: every argument list it accepts, another accepts exactly too.
CREATE FUNCTION {schema}.sp_pick(p_a int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a $$;
CREATE FUNCTION {schema}.sp_pick(p_a int4, p_b int4 DEFAULT 0) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a + p_b $$;

-- Not even by name: sp_g(a => 1, c => 2) is the three-argument one with b left to its default.
CREATE FUNCTION {schema}.sp_g(a int4, b int4 DEFAULT 0, c int4 DEFAULT 0) RETURNS text LANGUAGE sql AS $$ SELECT 'g3' $$;
CREATE FUNCTION {schema}.sp_g(a int4, c int4 DEFAULT 0) RETURNS text LANGUAGE sql AS $$ SELECT 'g2' $$;

-- Distinct types: fine.
CREATE FUNCTION {schema}.sp_fine(p_a int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a $$;
CREATE FUNCTION {schema}.sp_fine(p_a text) RETURNS text LANGUAGE sql AS $$ SELECT p_a $$;
