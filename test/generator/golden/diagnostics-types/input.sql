-- Types the generator cannot map.
CREATE FUNCTION {schema}.sp_unknown(p_shape geometry) RETURNS void LANGUAGE sql AS $$ SELECT $$;

CREATE FUNCTION {schema}.sp_undeclared() RETURNS {schema}.missing_type LANGUAGE sql AS $$ SELECT NULL $$;
