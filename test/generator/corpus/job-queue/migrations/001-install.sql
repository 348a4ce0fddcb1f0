-- A job queue installed with psql: psql -v SCHEMA=jobs -f 001-install.sql
\set ON_ERROR_STOP on
\echo Installing into :"SCHEMA"

CREATE SCHEMA IF NOT EXISTS :"SCHEMA";

CREATE TYPE :SCHEMA.job_state AS ENUM ('queued', 'running', 'succeeded', 'failed');

CREATE TABLE :SCHEMA.jobs (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  state :SCHEMA.job_state NOT NULL DEFAULT 'queued',
  attempts int4 NOT NULL DEFAULT 0,
  run_at timestamptz NOT NULL DEFAULT now(),
  locked_by uuid
);
