-- Every routine names its schema and no fingerprint function is configured: the client takes no schema option.
CREATE SCHEMA app;
CREATE SCHEMA audit;

CREATE TYPE app.mood AS ENUM ('happy', 'sad');

CREATE FUNCTION app.sp_set_mood(p_user_id bigint, p_mood app.mood) RETURNS void
LANGUAGE sql AS $$ SELECT $$;

CREATE FUNCTION audit.sp_count_events(p_since timestamptz) RETURNS int8
LANGUAGE sql STABLE AS $$ SELECT 0::int8 $$;
