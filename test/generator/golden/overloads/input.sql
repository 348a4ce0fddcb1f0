-- Overloads PostgreSQL accepts, each reached by its own method: every argument is cast, defaults that would make a
-- call ambiguous are sent anyway, and named notation reaches what a positional call cannot.

-- Both accept (int4) once their defaults fill the rest: each method sends its second argument.
CREATE FUNCTION {schema}.sp_find(p_id int4, p_limit int4 DEFAULT 10) RETURNS text LANGUAGE sql AS $$
  SELECT 'limit ' || p_id || '/' || p_limit
$$;
CREATE FUNCTION {schema}.sp_find(p_id int4, p_name text DEFAULT 'x') RETURNS text LANGUAGE sql AS $$
  SELECT 'name ' || p_id || '/' || p_name
$$;

-- sp_tag(int4) positionally is also sp_tag(p_label => int4, p_size => default): named notation tells them apart.
CREATE FUNCTION {schema}.sp_tag(p_value int4) RETURNS text LANGUAGE sql AS $$ SELECT 'value ' || p_value $$;
CREATE FUNCTION {schema}.sp_tag(p_label int4, p_size int4 DEFAULT 1) RETURNS text LANGUAGE sql AS $$
  SELECT 'label ' || p_label || '/' || p_size
$$;

-- Distinct types, and an overload with a third argument whose default is harmless: it stays optional.
CREATE FUNCTION {schema}.sp_show(p_value int4) RETURNS text LANGUAGE sql AS $$ SELECT 'int ' || p_value $$;
CREATE FUNCTION {schema}.sp_show(p_value text, p_suffix text DEFAULT '!') RETURNS text LANGUAGE sql AS $$
  SELECT 'text ' || p_value || p_suffix
$$;
