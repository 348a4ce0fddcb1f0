\set max_attempts 5
-- Bodies name the tables unqualified: psql substitutes nothing inside quotes, so the path finds them.
SET search_path = :"SCHEMA";

CREATE FUNCTION :SCHEMA.enqueue(p_queue text, p_payload jsonb DEFAULT '{}', p_run_at timestamptz DEFAULT now())
RETURNS int8 LANGUAGE sql AS $$
  INSERT INTO jobs (queue, payload, run_at) VALUES (p_queue, p_payload, p_run_at) RETURNING id
$$;

CREATE FUNCTION :SCHEMA.lock_next(p_queue text, p_worker uuid) RETURNS SETOF :SCHEMA.jobs
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY
  UPDATE jobs SET state = 'running', locked_by = p_worker, attempts = attempts + 1
   WHERE id = (SELECT id FROM jobs WHERE queue = p_queue AND state = 'queued' AND run_at <= now()
                ORDER BY run_at FOR UPDATE SKIP LOCKED LIMIT 1)
  RETURNING *;
END
$$;

CREATE FUNCTION :SCHEMA.finish(p_job int8, p_state :SCHEMA.job_state) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE jobs SET state = p_state, locked_by = NULL WHERE id = p_job;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no job %', p_job USING ERRCODE = 'P0002';
  END IF;
END
$$;

CREATE FUNCTION :SCHEMA.retry_failed(p_max_attempts int4 DEFAULT :max_attempts) RETURNS int4
LANGUAGE sql AS $$
  WITH retried AS (
    UPDATE jobs SET state = 'queued' WHERE state = 'failed' AND attempts < p_max_attempts RETURNING 1
  )
  SELECT count(*)::int4 FROM retried
$$;

CREATE FUNCTION :SCHEMA.queue_sizes(OUT queue text, OUT state :SCHEMA.job_state, OUT size int8) RETURNS SETOF record
LANGUAGE sql STABLE AS $$ SELECT queue, state, count(*) FROM jobs GROUP BY queue, state $$;

-- Runs with the path it was created under, as callers may have any.
CREATE PROCEDURE :SCHEMA.purge(p_before timestamptz, INOUT p_deleted int8 DEFAULT 0) LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM jobs WHERE state = 'succeeded' AND run_at < p_before;
  GET DIAGNOSTICS p_deleted = ROW_COUNT;
END
$$;
