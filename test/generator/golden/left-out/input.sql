-- Routines that are modelled but get no client method, each reported on an information line: no client calls them.
CREATE TABLE {schema}.events (id int4, at timestamptz);

CREATE FUNCTION {schema}.sp_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER events_stamp BEFORE INSERT ON {schema}.events FOR EACH ROW EXECUTE FUNCTION {schema}.sp_stamp();

CREATE FUNCTION {schema}.sp_on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;

-- Aggregates in every form: with a final function, over anything (*), ordered-set, and the old syntax.
CREATE FUNCTION {schema}.sp_add_state(p_state int8, p_value int4) RETURNS int8 LANGUAGE sql AS $$
  SELECT p_state + coalesce(p_value, 0)
$$;
CREATE FUNCTION {schema}.sp_describe_state(p_state int8) RETURNS text LANGUAGE sql AS $$ SELECT 'total ' || p_state $$;
CREATE FUNCTION {schema}.sp_count_state(p_state int8) RETURNS int8 LANGUAGE sql AS $$ SELECT p_state + 1 $$;
CREATE FUNCTION {schema}.sp_pick_state(p_state int8, p_value int4) RETURNS int8 LANGUAGE sql AS $$
  SELECT p_state + p_value
$$;

CREATE AGGREGATE {schema}.sp_total(p_value int4) (
  SFUNC = {schema}.sp_add_state, STYPE = int8, FINALFUNC = {schema}.sp_describe_state, INITCOND = '0'
);
CREATE AGGREGATE {schema}.sp_rows(*) (SFUNC = {schema}.sp_count_state, STYPE = int8, INITCOND = '0');
CREATE AGGREGATE {schema}.sp_pick(float8 ORDER BY int4) (SFUNC = {schema}.sp_pick_state, STYPE = int8, INITCOND = '0');
CREATE AGGREGATE {schema}.sp_old_total (BASETYPE = int4, SFUNC = {schema}.sp_add_state, STYPE = int8, INITCOND = '0');
COMMENT ON AGGREGATE {schema}.sp_total(int4) IS 'The sum as text.';

CREATE AGGREGATE {schema}.sp_dropped(int4) (SFUNC = {schema}.sp_add_state, STYPE = int8);
DROP AGGREGATE {schema}.sp_dropped(int4);

-- A window function and a routine in the internal language (the server's own C code).
CREATE FUNCTION {schema}.sp_row_number() RETURNS int8 WINDOW LANGUAGE internal AS 'window_row_number';
CREATE FUNCTION {schema}.sp_plus(int4, int4) RETURNS int4 LANGUAGE internal IMMUTABLE STRICT AS 'int4pl';

-- The one routine here a client calls.
CREATE FUNCTION {schema}.sp_event_count() RETURNS int8 LANGUAGE sql AS $$ SELECT count(*) FROM {schema}.events $$;
