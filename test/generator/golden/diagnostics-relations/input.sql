-- Relations a routine cannot be typed through without a server, and statements PostgreSQL would refuse.
CREATE TABLE {schema}.events (id int8, payload jsonb, location point);
CREATE VIEW {schema}.event_scores AS SELECT id, score_of(payload) AS score FROM {schema}.events;
CREATE VIEW {schema}.sessions AS SELECT * FROM pg_stat_activity;

CREATE FUNCTION {schema}.sp_scores() RETURNS SETOF {schema}.event_scores LANGUAGE sql AS $$
  SELECT * FROM {schema}.event_scores
$$;

CREATE FUNCTION {schema}.sp_sessions() RETURNS SETOF {schema}.sessions LANGUAGE sql AS $$
  SELECT * FROM {schema}.sessions
$$;

CREATE FUNCTION {schema}.sp_events() RETURNS SETOF {schema}.events LANGUAGE sql AS $$
  SELECT * FROM {schema}.events
$$;

DROP TABLE {schema}.events;
ALTER TABLE {schema}.events ADD COLUMN id text;
CREATE FUNCTION {schema}.sp_missing(p {schema}.events.nothing%TYPE) RETURNS void LANGUAGE sql AS $$ SELECT $$;
