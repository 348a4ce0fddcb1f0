-- Annotations that are wrong.
-- @nullable id
CREATE FUNCTION {schema}.sp_unknown_tag() RETURNS TABLE(id int4) LANGUAGE sql AS $$ SELECT 1 $$;

-- @not-null idd
CREATE FUNCTION {schema}.sp_no_such_column() RETURNS TABLE(id int4) LANGUAGE sql AS $$ SELECT 1 $$;

-- @single-row
CREATE FUNCTION {schema}.sp_single_scalar() RETURNS int4 LANGUAGE sql AS $$ SELECT 1 $$;

-- @json id Settings
CREATE FUNCTION {schema}.sp_json_not_json() RETURNS TABLE(id int4) LANGUAGE sql AS $$ SELECT 1 $$;

-- @json payload
CREATE FUNCTION {schema}.sp_json_without_type(p_payload jsonb) RETURNS void LANGUAGE sql AS $$ SELECT $$;

-- @json p_payload Settings
CREATE FUNCTION {schema}.sp_json_without_module(p_payload jsonb) RETURNS void LANGUAGE sql AS $$ SELECT $$;

-- @not-null
CREATE FUNCTION {schema}.sp_not_null_void() RETURNS void LANGUAGE sql AS $$ SELECT $$;

-- @required
CREATE FUNCTION {schema}.sp_required_without_names(p_a int4) RETURNS void LANGUAGE sql AS $$ SELECT $$;

-- @required p_a, p_b
CREATE FUNCTION {schema}.sp_required_unknown(p_a int4) RETURNS void LANGUAGE sql AS $$ SELECT $$;

-- @required p_total
CREATE PROCEDURE {schema}.sp_required_out(IN p_a int4, OUT p_total int4) LANGUAGE sql AS $$ SELECT p_a $$;

-- @exactly-one-row
CREATE FUNCTION {schema}.sp_exactly_one_scalar() RETURNS int4 LANGUAGE sql AS $$ SELECT 1 $$;

-- @exactly-one-row id
CREATE FUNCTION {schema}.sp_exactly_one_with_args() RETURNS TABLE(id int4) LANGUAGE sql AS $$ SELECT 1 $$;
