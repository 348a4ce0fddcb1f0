-- Quoted and mixed-case identifiers, schema-qualified names, unambiguous overloads, unnamed parameters.
CREATE FUNCTION {schema}."sp_MixedCase"("Weird Name" text, "select" int4) RETURNS TABLE("Out Col" text, "order" int4)
LANGUAGE sql AS $$ SELECT $1, $2 $$;

-- Overloads told apart by their parameter names.
CREATE FUNCTION {schema}.sp_lookup(p_id int4) RETURNS text LANGUAGE sql AS $$ SELECT 'id ' || p_id $$;
CREATE FUNCTION {schema}.sp_lookup(p_email text) RETURNS text LANGUAGE sql AS $$ SELECT 'email ' || p_email $$;

-- Overloads with the same parameter names: told apart by their types.
CREATE FUNCTION {schema}.sp_show(p_value int4) RETURNS text LANGUAGE sql AS $$ SELECT 'int ' || p_value $$;
CREATE FUNCTION {schema}.sp_show(p_value boolean) RETURNS text LANGUAGE sql AS $$ SELECT 'bool ' || p_value $$;

-- Unnamed parameters.
CREATE FUNCTION {schema}.sp_concat(text, text) RETURNS text LANGUAGE sql AS $$ SELECT $1 || $2 $$;

-- In a fixed schema rather than the tenant's.
CREATE OR REPLACE FUNCTION public.sp_public_version() RETURNS text LANGUAGE sql AS $$ SELECT 'v1' $$;
