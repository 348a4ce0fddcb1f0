-- The same routine name in several schemas: the tenant schema's routines stay on the client, each named schema
-- gets a client of its own (db.rtApp.version()).
CREATE SCHEMA IF NOT EXISTS rt_app;
CREATE SCHEMA IF NOT EXISTS rt_audit;

CREATE FUNCTION {schema}.sp_version() RETURNS text LANGUAGE sql AS $$ SELECT 'tenant' $$;
CREATE OR REPLACE FUNCTION rt_app.sp_version() RETURNS text LANGUAGE sql AS $$ SELECT 'app' $$;
CREATE OR REPLACE FUNCTION rt_audit.sp_version() RETURNS text LANGUAGE sql AS $$ SELECT 'audit' $$;

CREATE OR REPLACE FUNCTION rt_app.sp_greet(p_name text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF p_name = '' THEN
    RAISE EXCEPTION 'no name' USING ERRCODE = '22023';
  END IF;
  RETURN 'hello ' || p_name;
END
$$;
