-- A psql script: meta-commands are psql's own, variables come from the config's "variables" (or \set).
\set ON_ERROR_STOP on
\echo Installing the job queue into :"QUEUE_SCHEMA" \quit

CREATE SCHEMA IF NOT EXISTS :QUEUE_SCHEMA;
\set max_attempts 25

CREATE TYPE :QUEUE_SCHEMA.job_state AS ENUM ('waiting', 'running', 'done');
CREATE TABLE :QUEUE_SCHEMA.settings (name text PRIMARY KEY, value text);

CREATE FUNCTION :QUEUE_SCHEMA.sp_add_job(p_task text, p_attempts int4 DEFAULT :max_attempts) RETURNS int8
LANGUAGE sql AS $$ SELECT 1::int8 $$;

\if :with_admin
CREATE FUNCTION :"QUEUE_SCHEMA".sp_purge_jobs(p_state :"QUEUE_SCHEMA".job_state) RETURNS void
LANGUAGE sql AS $$ SELECT $$;
\else
CREATE FUNCTION :"QUEUE_SCHEMA".sp_never_created() RETURNS void LANGUAGE sql AS $$ SELECT $$;
\endif

COPY :QUEUE_SCHEMA.settings (name, value) FROM stdin;
max_attempts	25
\.

-- A variable the config gives no value: read as the placeholder (the client's schema), with a warning.
CREATE FUNCTION :TENANT_SCHEMA.sp_tenant_jobs(p_state :QUEUE_SCHEMA.job_state) RETURNS SETOF int8
LANGUAGE sql AS $$ SELECT 1::int8 $$;
