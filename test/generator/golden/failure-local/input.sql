-- Without strict, a routine the generator cannot generate is left out with its reason; the rest is written.
CREATE FUNCTION {schema}.sp_fine(p_a int4) RETURNS int4 LANGUAGE sql AS $$ SELECT p_a $$;

-- A type created where the generator does not look (inside a DO block): unknown to it, so its user is left out.
DO $$ BEGIN CREATE TYPE {schema}.hidden AS ENUM ('x'); END $$;
CREATE FUNCTION {schema}.sp_hidden(p_value {schema}.hidden) RETURNS void LANGUAGE sql AS $$ SELECT $$;

-- An annotation naming no column.
-- @not-null nope
CREATE FUNCTION {schema}.sp_bad_annotation() RETURNS TABLE (a int4) LANGUAGE sql AS $$ SELECT 1 $$;

CREATE FUNCTION {schema}.sp_also_fine() RETURNS text LANGUAGE sql AS $$ SELECT 'ok' $$;
