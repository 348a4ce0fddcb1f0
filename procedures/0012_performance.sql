-- Performance (issue 12): what the benchmark's scale curves and worker-queue comparison showed, fixed where the
-- profile (EXPLAIN (ANALYZE, BUFFERS) of each statement inside the procedures, through auto_explain with
-- log_nested_statements) pointed. Behaviour, signatures, errors and answers are 0008/0009's.
--
-- * `_sp_insert_history` (the ack's append): every event went through PL/pgSQL helpers five times (`_sp_kind` three
--   times, `_sp_is_whole_bigint`, and an index probe for the duplicate check): an ack of 1,000 events cost ~39 ms
--   against ~10 ms inline. The kind and the event_id check are now SQL expressions in one pass, and the insert
--   relies on the primary key for duplicates; only a failed insert (unique_violation) looks for the lowest duplicate
--   id to name it in the same 23505 message as before. The ack's KV step (10) called `_sp_kind` for every event of
--   the delta to find the KV events; a `?|` key test now comes first (0008's ack redefined with only that change).
-- * `orchestrator_queue_instance_visible_idx (instance_id, visible_at, id)`: with 100,000 queued instances the
--   generic plans of "this instance's visible messages" (the fetch's tagging UPDATE) and "this instance's earliest
--   message" (the ack's step 15) combined (instance_id, id) with the (visible_at, id) index in a BitmapAnd or walked
--   (visible_at, id) filtering on instance_id — 100,000 index entries, 3–10 ms each. The new index answers both with
--   one range of one instance.
-- * Fetch candidate (`_sp_fetch_candidate`): 0008's single query walked the (visible_at, id) index and dropped every
--   waiting message of a locked instance one by one (5,000 rows behind a locked instance: ~1 ms per idle fetch,
--   4× an empty store). It now looks at the first 64 rows; when they are all ineligible and the queue holds at most
--   256 instances, it asks each instance for its oldest visible message (a loose index scan over instance ids, then
--   one probe each); with more instances it falls back to 0008's walk, so no shape costs more than before.
-- * `sp_fetch_work_item`: (a) the expired-lease probe's generic plan walked the primary key in id order, filtering
--   out every live lease (5,000 leases: ~2.4 ms per idle fetch). An index probe in expiry order now says whether any
--   lease expired, and only then is the lowest eligible id among the expired ones looked for. (b) Concurrent workers
--   all peeked the same lowest id and then queued on it: one took it, the others rolled back an attempt and peeked
--   again (24 workers: ~580 items/s against graphile-worker's ~4,100). The unleased row is now selected and locked
--   in one statement with `FOR UPDATE SKIP LOCKED`, so each worker takes the next row nobody is taking.
--   Expired leases keep their place in id order: an unleased row is only taken when its id is below the lowest
--   eligible expired one.
--
-- Conventions as in 0008/0009: `{schema}` qualifies every name, each function pins
-- `search_path = pg_catalog, pg_temp`, operations are SECURITY DEFINER, helpers and schema management SECURITY
-- INVOKER; same signatures (CREATE OR REPLACE).

-- ---------------------------------------------------------------------------------------------------------------
-- Indexes
-- ---------------------------------------------------------------------------------------------------------------

-- 0009's definition plus the orchestrator-queue index of the header above.
CREATE OR REPLACE FUNCTION {schema}.sp_create_indexes(p_schema_name TEXT)
RETURNS VOID AS $$
BEGIN
    IF p_schema_name IS NULL OR p_schema_name = '' THEN
        RAISE EXCEPTION 'p_schema_name must be a non-empty schema name' USING ERRCODE = '22023';
    END IF;
    -- The v1 indexes, exactly as 0001 creates them.
    EXECUTE format('CREATE INDEX IF NOT EXISTS orchestrator_queue_visible_idx ON %I.orchestrator_queue (visible_at, id)',
                   p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS orchestrator_queue_instance_idx ON %I.orchestrator_queue (instance_id, id)',
                   p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS orchestrator_queue_lock_token_idx ON %I.orchestrator_queue (lock_token) '
                   'WHERE lock_token IS NOT NULL', p_schema_name);
    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS instance_locks_lock_token_idx ON %I.instance_locks (lock_token)',
                   p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_lock_token_idx ON %I.worker_queue (lock_token) '
                   'WHERE lock_token IS NOT NULL', p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS instances_created_at_idx ON %I.instances (created_at DESC, instance_id)',
                   p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS executions_status_idx ON %I.executions (status)', p_schema_name);

    -- The v2 indexes of 0007 (contract v2 §1.9).
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_visible_idx ON %I.worker_queue (visible_at, id)',
                   p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_identity_idx '
                   'ON %I.worker_queue (instance_id, execution_id, activity_id)', p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_session_idx ON %I.worker_queue (session_id) '
                   'WHERE session_id IS NOT NULL', p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_tag_idx ON %I.worker_queue (tag) '
                   'WHERE tag IS NOT NULL', p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS instances_parent_idx ON %I.instances (parent_instance_id) '
                   'WHERE parent_instance_id IS NOT NULL', p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS sessions_owner_idx ON %I.sessions (owner_id)', p_schema_name);

    -- Worker fetch: unleased rows in FIFO order, and leases by expiry (header of 0009).
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_available_idx ON %I.worker_queue (id) '
                   'WHERE lock_token IS NULL', p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_lease_expiry_idx ON %I.worker_queue (locked_until) '
                   'WHERE lock_token IS NOT NULL', p_schema_name);

    -- One instance's messages in visibility order (header of 0012).
    EXECUTE format('CREATE INDEX IF NOT EXISTS orchestrator_queue_instance_visible_idx '
                   'ON %I.orchestrator_queue (instance_id, visible_at, id)', p_schema_name);
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

SELECT {schema}.sp_create_indexes(current_schema());

-- ---------------------------------------------------------------------------------------------------------------
-- History append
-- ---------------------------------------------------------------------------------------------------------------

-- Appends events to one execution's history, all or nothing (same checks, order and errors as 0002): 22023 for a
-- non-array or an event that is not a one-key object, DXE01 for a missing or invalid event_id (first bad event in
-- array order), 23505 naming the lowest event id that is already stored or given twice. Set-based (header): each
-- event's kind is computed inline, and the primary key finds duplicates; only a failed insert looks for the lowest
-- duplicate, to name it.
CREATE OR REPLACE FUNCTION {schema}._sp_insert_history(
    p_instance_id TEXT,
    p_execution_id BIGINT,
    p_events JSONB,
    p_now_ms BIGINT
) RETURNS VOID AS $$
DECLARE
    v_problem TEXT;
    v_duplicate BIGINT;
BEGIN
    IF p_events IS NULL OR jsonb_typeof(p_events) <> 'array' THEN
        RAISE EXCEPTION 'events must be a JSON array' USING ERRCODE = '22023';
    END IF;

    -- _sp_kind and _sp_is_whole_bigint (0005), written out: CASE keeps every cast behind its type check.
    SELECT CASE WHEN e.kind IS NULL THEN 'shape' ELSE 'event_id' END INTO v_problem
      FROM (SELECT a.ord, k.kind, a.item -> k.kind -> 'event_id' AS event_id
              FROM jsonb_array_elements(p_events) WITH ORDINALITY AS a(item, ord)
             CROSS JOIN LATERAL (
                   SELECT CASE WHEN count(*) = 1 AND jsonb_typeof(a.item -> min(o.key)) = 'object'
                               THEN min(o.key) END AS kind
                     FROM jsonb_object_keys(CASE WHEN jsonb_typeof(a.item) = 'object'
                                                 THEN a.item ELSE '{}'::jsonb END) AS o(key)) k) e
     WHERE e.kind IS NULL
        OR NOT CASE WHEN jsonb_typeof(e.event_id) = 'number'
                    THEN e.event_id::numeric >= 1
                         AND e.event_id::numeric = trunc(e.event_id::numeric)
                         AND e.event_id::numeric <= 9007199254740991
                    ELSE false END
     ORDER BY e.ord
     LIMIT 1;
    IF v_problem = 'shape' THEN
        RAISE EXCEPTION 'each event must be a JSON object with exactly one key naming its kind'
            USING ERRCODE = '22023';
    ELSIF v_problem = 'event_id' THEN
        RAISE EXCEPTION 'event_id must be set by runtime' USING ERRCODE = 'DXE01',
            DETAIL = 'every event needs a positive integer event_id';
    END IF;

    -- Every event is now a one-key object with a valid event_id: its only key is its kind.
    BEGIN
        INSERT INTO {schema}.history (instance_id, execution_id, event_id, event_type, event_data, created_at)
        SELECT p_instance_id,
               p_execution_id,
               (a.item -> k.kind ->> 'event_id')::bigint,
               k.kind,
               a.item,
               to_timestamp(p_now_ms / 1000.0)
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS a(item, ord)
         CROSS JOIN LATERAL (SELECT min(o.key) AS kind FROM jsonb_object_keys(a.item) AS o(key)) k
         ORDER BY a.ord;
    EXCEPTION WHEN unique_violation THEN
        -- The lowest id given twice or already stored (committed by a concurrent call included).
        SELECT n.event_id INTO v_duplicate
          FROM (SELECT (a.item -> k.kind ->> 'event_id')::bigint AS event_id
                  FROM jsonb_array_elements(p_events) AS a(item)
                 CROSS JOIN LATERAL (SELECT min(o.key) AS kind FROM jsonb_object_keys(a.item) AS o(key)) k) n
         GROUP BY n.event_id
        HAVING count(*) > 1
            OR EXISTS (SELECT 1 FROM {schema}.history h
                        WHERE h.instance_id = p_instance_id AND h.execution_id = p_execution_id
                          AND h.event_id = n.event_id)
         ORDER BY n.event_id
         LIMIT 1;
        IF v_duplicate IS NULL THEN
            RAISE;
        END IF;
        RAISE EXCEPTION 'Duplicate event_id % in execution % of instance %', v_duplicate, p_execution_id,
            p_instance_id USING ERRCODE = '23505';
    END;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Orchestration fetch
-- ---------------------------------------------------------------------------------------------------------------

-- The fetch's candidate: the instance of the oldest visible message (visible_at, id) whose instance has no live
-- lock, is not in p_tried and (when filtered) is version-compatible; NULL when there is none. Same answer as the
-- single query of 0008, found in up to three steps so that waiting messages of locked instances are not walked one by
-- one (header):
--   1. the first 64 rows in (visible_at, id) order that are visible and not tagged by a live lock: when one of them
--      is eligible, the first such is the answer;
--   2. otherwise, when the queue holds messages of at most 256 instances (a loose index scan over instance ids finds
--      them), each instance's oldest such row through orchestrator_queue_instance_visible_idx: the oldest eligible
--      wins, and none means there is none (an empty queue ends here too);
--   3. otherwise 0008's walk over every row in (visible_at, id) order.
CREATE OR REPLACE FUNCTION {schema}._sp_fetch_candidate(
    p_now_ms BIGINT,
    p_tried TEXT[],
    p_min_major INT, p_min_minor INT, p_min_patch INT,
    p_max_major INT, p_max_minor INT, p_max_patch INT
) RETURNS TEXT AS $$
DECLARE
    v_candidate TEXT;
    v_seen INT;
BEGIN
    -- 1. The head of the queue.
    SELECT h.instance_id INTO v_candidate
      FROM (SELECT q.instance_id, q.visible_at, q.id
              FROM {schema}.orchestrator_queue q
             WHERE q.visible_at <= p_now_ms
               AND (q.lock_token IS NULL OR q.locked_until <= p_now_ms)
             ORDER BY q.visible_at, q.id
             LIMIT 64) h
     WHERE h.instance_id <> ALL (p_tried)
       AND h.instance_id NOT IN (SELECT l.instance_id FROM {schema}.instance_locks l WHERE l.locked_until > p_now_ms)
       AND (p_min_major IS NULL
            OR {schema}._sp_version_compatible(h.instance_id, p_min_major, p_min_minor, p_min_patch,
                                               p_max_major, p_max_minor, p_max_patch))
     ORDER BY h.visible_at, h.id
     LIMIT 1;
    IF v_candidate IS NOT NULL THEN
        RETURN v_candidate;
    END IF;

    -- 2. Few instances (typically: the head is one locked instance's backlog): one probe per instance. The loose scan
    -- stops after 257 instance ids; the probes run only when it found at most 256.
    WITH RECURSIVE ids(instance_id) AS (
        SELECT min(q.instance_id) FROM {schema}.orchestrator_queue q
        UNION ALL
        SELECT (SELECT min(q.instance_id) FROM {schema}.orchestrator_queue q WHERE q.instance_id > i.instance_id)
          FROM ids i
         WHERE i.instance_id IS NOT NULL),
    few AS MATERIALIZED (
        SELECT i.instance_id FROM ids i WHERE i.instance_id IS NOT NULL LIMIT 257)
    SELECT (SELECT count(*) FROM few),
           CASE WHEN (SELECT count(*) FROM few) <= 256 THEN (
               SELECT f.instance_id
                 FROM few f
                CROSS JOIN LATERAL (SELECT q.visible_at, q.id
                                      FROM {schema}.orchestrator_queue q
                                     WHERE q.instance_id = f.instance_id
                                       AND q.visible_at <= p_now_ms
                                       AND (q.lock_token IS NULL OR q.locked_until <= p_now_ms)
                                     ORDER BY q.visible_at, q.id
                                     LIMIT 1) h
                WHERE f.instance_id <> ALL (p_tried)
                  AND f.instance_id NOT IN (SELECT l.instance_id FROM {schema}.instance_locks l
                                             WHERE l.locked_until > p_now_ms)
                  AND (p_min_major IS NULL
                       OR {schema}._sp_version_compatible(f.instance_id, p_min_major, p_min_minor, p_min_patch,
                                                          p_max_major, p_max_minor, p_max_patch))
                ORDER BY h.visible_at, h.id
                LIMIT 1) END
      INTO v_seen, v_candidate;
    IF v_seen <= 256 THEN
        RETURN v_candidate;
    END IF;

    -- 3. Many instances and a long ineligible head: the full walk.
    SELECT q.instance_id INTO v_candidate
      FROM {schema}.orchestrator_queue q
     WHERE q.visible_at <= p_now_ms
       AND (q.lock_token IS NULL OR q.locked_until <= p_now_ms)
       AND q.instance_id <> ALL (p_tried)
       AND q.instance_id NOT IN (SELECT l.instance_id FROM {schema}.instance_locks l WHERE l.locked_until > p_now_ms)
       AND (p_min_major IS NULL
            OR {schema}._sp_version_compatible(q.instance_id, p_min_major, p_min_minor, p_min_patch,
                                               p_max_major, p_max_minor, p_max_patch))
     ORDER BY q.visible_at, q.id
     LIMIT 1;
    RETURN v_candidate;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Locks one instance that has visible messages, no live lock and (when filtered) a compatible pinned version; tags
-- all its visible messages as the batch (attempt_count + 1 each) and returns them (id order) with the chosen
-- execution's history (event_id order), a fresh lock token, the batch's highest attempt count and the instance's
-- kv_store snapshot. Zero rows means no instance is eligible; a lost race, an incompatible version found on re-check
-- or an orphan batch (§3.2.3: dropped when all QueueMessage, else deferred by p_orphan_retry_ms) moves on to the next
-- candidate.
--
-- Each attempt runs in its own subtransaction, so a lost candidate's locks are released before the next attempt: a
-- fetch never holds one instance while waiting for another. Within an attempt: advisory lock (try, see the header),
-- then the instance_locks row, then the messages, re-read after the lock is taken.
-- @single-row
-- @not-null
-- @required p_now_ms p_lock_timeout_ms
CREATE OR REPLACE FUNCTION {schema}.sp_fetch_orchestration_item(
    p_now_ms BIGINT,
    p_lock_timeout_ms BIGINT,
    p_min_major INT DEFAULT NULL,
    p_min_minor INT DEFAULT NULL,
    p_min_patch INT DEFAULT NULL,
    p_max_major INT DEFAULT NULL,
    p_max_minor INT DEFAULT NULL,
    p_max_patch INT DEFAULT NULL,
    p_orphan_retry_ms BIGINT DEFAULT 1000
)
RETURNS TABLE(
    instance_id TEXT,
    orchestration_name TEXT,
    orchestration_version TEXT,
    execution_id BIGINT,
    history JSON,
    messages JSONB,
    lock_token TEXT,
    attempt_count INT,
    kv_snapshot JSONB
) AS $$
#variable_conflict use_column
DECLARE
    v_tried TEXT[] := ARRAY[]::TEXT[];
    v_candidate TEXT;
    v_token TEXT := gen_random_uuid()::text;
    v_locked_until BIGINT;
    v_class INTEGER := {schema}._sp_fetch_lock_class();
    v_messages JSONB;
    v_attempts INT;
    v_acquired BOOLEAN := false;
    v_found BOOLEAN;
    v_name TEXT;
    v_version TEXT;
    v_execution_id BIGINT;
    v_with_history BOOLEAN;
    v_start JSONB;
    v_kind TEXT;
BEGIN
    IF p_now_ms IS NULL OR p_lock_timeout_ms IS NULL OR p_lock_timeout_ms <= 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_lock_timeout_ms', p_lock_timeout_ms, 1);
    IF p_orphan_retry_ms IS NULL OR p_orphan_retry_ms < 0 THEN
        RAISE EXCEPTION 'p_orphan_retry_ms must be a non-negative number of milliseconds' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_orphan_retry_ms', p_orphan_retry_ms, 0);
    IF num_nulls(p_min_major, p_min_minor, p_min_patch, p_max_major, p_max_minor, p_max_patch) NOT IN (0, 6) THEN
        RAISE EXCEPTION 'the version range p_min_*/p_max_* must be given whole or not at all' USING ERRCODE = '22023';
    END IF;
    IF LEAST(p_min_major, p_min_minor, p_min_patch, p_max_major, p_max_minor, p_max_patch) < 0 THEN
        RAISE EXCEPTION 'version range parts must not be negative' USING ERRCODE = '22023';
    END IF;
    v_locked_until := p_now_ms + p_lock_timeout_ms;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms + p_lock_timeout_ms', v_locked_until, 0);

    LOOP
        -- Oldest visible message of an instance without a live lock, skipping instances already tried.
        v_candidate := {schema}._sp_fetch_candidate(p_now_ms, v_tried, p_min_major, p_min_minor, p_min_patch,
                                                    p_max_major, p_max_minor, p_max_patch);
        IF v_candidate IS NULL THEN
            RETURN;
        END IF;
        v_tried := v_tried || v_candidate;

        BEGIN
            IF NOT pg_try_advisory_xact_lock(v_class, hashtext(v_candidate)) THEN
                RAISE EXCEPTION 'candidate being locked by another fetch' USING ERRCODE = 'DXF01';
            END IF;

            INSERT INTO {schema}.instance_locks AS l (instance_id, lock_token, locked_until, locked_at)
            VALUES (v_candidate, v_token, v_locked_until, p_now_ms)
            ON CONFLICT (instance_id) DO UPDATE
               SET lock_token = EXCLUDED.lock_token,
                   locked_until = EXCLUDED.locked_until,
                   locked_at = EXCLUDED.locked_at
             WHERE l.locked_until <= p_now_ms;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'candidate taken' USING ERRCODE = 'DXF01';
            END IF;
            -- Re-check of the filter under the lock: an ack may have pinned the execution since the candidate query.
            IF NOT {schema}._sp_version_compatible(v_candidate, p_min_major, p_min_minor, p_min_patch,
                                                   p_max_major, p_max_minor, p_max_patch) THEN
                RAISE EXCEPTION 'candidate no longer compatible' USING ERRCODE = 'DXF01';
            END IF;

            -- Tags replace stale ones left by an expired or abandoned fetch.
            WITH tagged AS (
                UPDATE {schema}.orchestrator_queue q
                   SET lock_token = v_token, locked_until = v_locked_until, attempt_count = q.attempt_count + 1
                 WHERE q.instance_id = v_candidate
                   AND q.visible_at <= p_now_ms
                   AND (q.lock_token IS NULL OR q.locked_until <= p_now_ms)
                RETURNING q.id, q.work_item, q.attempt_count)
            SELECT jsonb_agg(t.work_item ORDER BY t.id), max(t.attempt_count) INTO v_messages, v_attempts
              FROM tagged t;
            IF v_messages IS NULL THEN
                RAISE EXCEPTION 'candidate has no messages left' USING ERRCODE = 'DXF01';
            END IF;

            -- Describe the instance (§3.2.3): its row, else its latest execution's OrchestrationStarted, else a
            -- start item of the batch; otherwise the batch is an orphan.
            v_with_history := true;
            SELECT i.orchestration_name, COALESCE(i.orchestration_version, 'unknown'), i.current_execution_id
              INTO v_name, v_version, v_execution_id
              FROM {schema}.instances i
             WHERE i.instance_id = v_candidate;
            v_found := FOUND;
            IF NOT v_found THEN
                v_execution_id := GREATEST(
                    (SELECT max(e.execution_id) FROM {schema}.executions e WHERE e.instance_id = v_candidate),
                    (SELECT max(h.execution_id) FROM {schema}.history h WHERE h.instance_id = v_candidate));
                IF v_execution_id IS NOT NULL THEN
                    SELECT h.event_data -> 'OrchestrationStarted' ->> 'name',
                           COALESCE(h.event_data -> 'OrchestrationStarted' ->> 'version', 'unknown')
                      INTO v_name, v_version
                      FROM {schema}.history h
                     WHERE h.instance_id = v_candidate AND h.execution_id = v_execution_id
                       AND h.event_type = 'OrchestrationStarted'
                     ORDER BY h.event_id
                     LIMIT 1;
                    v_found := FOUND AND v_name IS NOT NULL;
                END IF;
            END IF;
            IF NOT v_found THEN
                SELECT m.item, {schema}._sp_kind(m.item) INTO v_start, v_kind
                  FROM jsonb_array_elements(v_messages) WITH ORDINALITY AS m(item, ord)
                 WHERE {schema}._sp_kind(m.item) IN ('StartOrchestration', 'ContinueAsNew')
                 ORDER BY m.ord
                 LIMIT 1;
                IF v_kind IS NOT NULL THEN
                    v_found := true;
                    v_with_history := false;
                    v_name := v_start -> v_kind ->> 'orchestration';
                    v_version := COALESCE(v_start -> v_kind ->> 'version', 'unknown');
                    IF v_kind = 'StartOrchestration' THEN
                        v_execution_id := COALESCE((v_start -> v_kind ->> 'execution_id')::bigint, 1);
                    ELSE
                        v_execution_id := COALESCE(v_execution_id, 1);
                    END IF;
                END IF;
            END IF;

            IF NOT v_found THEN
                -- Orphan batch: never returned. Only QueueMessage items: dropped (enqueued before the orchestration
                -- started). Anything else: kept for later — untagged, its attempt undone, hidden for the retry delay.
                IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_messages) AS m(item)
                                WHERE {schema}._sp_kind(m.item) IS DISTINCT FROM 'QueueMessage') THEN
                    DELETE FROM {schema}.orchestrator_queue q WHERE q.lock_token = v_token;
                ELSE
                    UPDATE {schema}.orchestrator_queue q
                       SET lock_token = NULL, locked_until = NULL,
                           attempt_count = GREATEST(q.attempt_count - 1, 0),
                           visible_at = p_now_ms + p_orphan_retry_ms
                     WHERE q.lock_token = v_token;
                END IF;
                DELETE FROM {schema}.instance_locks l WHERE l.lock_token = v_token;
                v_acquired := false;
            ELSE
                v_acquired := true;
            END IF;
        EXCEPTION WHEN SQLSTATE 'DXF01' THEN
            -- Rolled back to the start of the attempt: its locks are released; try the next candidate.
            v_acquired := false;
        END;
        EXIT WHEN v_acquired;
    END LOOP;

    RETURN QUERY
    SELECT v_candidate,
           v_name,
           v_version,
           v_execution_id,
           CASE WHEN v_with_history
                THEN COALESCE((SELECT json_agg(h.event_data ORDER BY h.event_id)
                                 FROM {schema}.history h
                                WHERE h.instance_id = v_candidate AND h.execution_id = v_execution_id),
                              '[]'::json)
                ELSE '[]'::json END,
           v_messages,
           v_token,
           v_attempts,
           COALESCE((SELECT jsonb_object_agg(k.key, jsonb_build_object('value', k.value,
                                                                       'last_updated_at_ms', k.last_updated_at_ms))
                       FROM {schema}.kv_store k
                      WHERE k.instance_id = v_candidate), '{}'::jsonb);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Orchestration ack
-- ---------------------------------------------------------------------------------------------------------------

-- 0008's ack, unchanged but for step 10: `?|` (a C operator, planned before the function) keeps the per-event
-- `_sp_kind` call to the KV events, instead of every event of the delta (header).
-- Commits one orchestration turn atomically (§3.4, steps 1–15 in this order): claims the live lock, checks the delta,
-- creates/updates the instance row (only with name AND version; parent set once), creates the execution row, pins
-- its version, moves the current-execution pointer, appends the delta (never reading old rows), applies the status
-- (completed_at for Completed/Failed/ContinuedAsNew), the last custom status of the delta, the KV events (merged
-- into kv_store when the execution ends), inserts worker items and then deletes the cancelled activities (so
-- schedule-then-cancel in one turn leaves nothing), enqueues orchestrator items (no rows for child starts), deletes
-- exactly the fetched batch and notifies. Any error leaves everything as before: lock held, batch still tagged.
-- @json p_history_delta HistoryEvent[]
-- @json p_worker_items WorkItem[]
-- @json p_orchestrator_items WorkItem[]
-- @json p_cancelled_activities { instance: string; execution_id: number; activity_id: number }[]
-- @required p_lock_token p_now_ms p_execution_id p_history_delta p_worker_items p_orchestrator_items
CREATE OR REPLACE FUNCTION {schema}.sp_ack_orchestration_item(
    p_lock_token TEXT,
    p_now_ms BIGINT,
    p_execution_id BIGINT,
    p_history_delta JSONB,
    p_worker_items JSONB,
    p_orchestrator_items JSONB,
    p_status TEXT DEFAULT NULL,
    p_output TEXT DEFAULT NULL,
    p_orchestration_name TEXT DEFAULT NULL,
    p_orchestration_version TEXT DEFAULT NULL,
    p_parent_instance_id TEXT DEFAULT NULL,
    p_pinned_major INT DEFAULT NULL,
    p_pinned_minor INT DEFAULT NULL,
    p_pinned_patch INT DEFAULT NULL,
    p_cancelled_activities JSONB DEFAULT '[]'
) RETURNS VOID AS $$
DECLARE
    v_instance_id TEXT;
    v_now TIMESTAMPTZ;
    v_status_event JSONB;
    v_kv RECORD;
    v_remaining BIGINT;
    v_cancelled JSONB := COALESCE(p_cancelled_activities, '[]'::jsonb);
BEGIN
    IF p_now_ms IS NULL OR p_execution_id IS NULL OR p_execution_id < 1 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_execution_id must be >= 1' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_execution_id', p_execution_id, 1);
    IF p_status IS NOT NULL AND p_status NOT IN ('Running', 'Completed', 'Failed', 'ContinuedAsNew') THEN
        RAISE EXCEPTION 'Unknown status %: expected Running, Completed, Failed or ContinuedAsNew', p_status
            USING ERRCODE = '22023';
    END IF;
    IF num_nulls(p_pinned_major, p_pinned_minor, p_pinned_patch) NOT IN (0, 3) THEN
        RAISE EXCEPTION 'p_pinned_major, p_pinned_minor and p_pinned_patch must be given together'
            USING ERRCODE = '22023';
    END IF;
    IF LEAST(p_pinned_major, p_pinned_minor, p_pinned_patch) < 0 THEN
        RAISE EXCEPTION 'p_pinned_* must not be negative' USING ERRCODE = '22023';
    END IF;
    IF p_parent_instance_id = '' THEN
        RAISE EXCEPTION 'p_parent_instance_id must be NULL or a non-empty instance id' USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(v_cancelled) <> 'array' OR EXISTS (
           SELECT 1 FROM jsonb_array_elements(v_cancelled) AS c(item)
            WHERE jsonb_typeof(c.item) IS DISTINCT FROM 'object'
               OR jsonb_typeof(c.item -> 'instance') IS DISTINCT FROM 'string'
               OR NOT {schema}._sp_is_whole_bigint(c.item -> 'execution_id', 1)
               OR NOT {schema}._sp_is_whole_bigint(c.item -> 'activity_id', 0)) THEN
        RAISE EXCEPTION 'p_cancelled_activities must be an array of {instance, execution_id, activity_id}'
            USING ERRCODE = '22023';
    END IF;
    v_now := to_timestamp(p_now_ms / 1000.0);

    -- 1. Deleting the lock row claims it: a concurrent ack with the same token waits here, then finds nothing.
    DELETE FROM {schema}.instance_locks l
     WHERE l.lock_token = p_lock_token AND l.locked_until > p_now_ms
    RETURNING l.instance_id INTO v_instance_id;
    IF v_instance_id IS NULL THEN
        IF EXISTS (SELECT 1 FROM {schema}.instance_locks l WHERE l.lock_token = p_lock_token) THEN
            RAISE EXCEPTION 'Invalid lock token: the lock expired' USING ERRCODE = 'DXL02';
        END IF;
        RAISE EXCEPTION 'Invalid lock token' USING ERRCODE = 'DXL01';
    END IF;

    -- 2.–3. The delta is checked by the history insert below (same transaction, before anything is visible).
    -- The instance row: only from name AND version; the parent only while still unset (immutable afterwards).
    IF p_orchestration_name IS NOT NULL AND p_orchestration_version IS NOT NULL THEN
        INSERT INTO {schema}.instances AS i (instance_id, orchestration_name, orchestration_version,
                                             current_execution_id, parent_instance_id, created_at, updated_at)
        VALUES (v_instance_id, p_orchestration_name, p_orchestration_version, p_execution_id, p_parent_instance_id,
                v_now, v_now)
        ON CONFLICT (instance_id) DO UPDATE
           SET orchestration_name = EXCLUDED.orchestration_name,
               orchestration_version = EXCLUDED.orchestration_version,
               parent_instance_id = COALESCE(i.parent_instance_id, EXCLUDED.parent_instance_id),
               updated_at = EXCLUDED.updated_at;
    END IF;

    -- 4. Execution row, whether or not an instance row exists.
    INSERT INTO {schema}.executions (instance_id, execution_id, status, started_at)
    VALUES (v_instance_id, p_execution_id, 'Running', v_now)
    ON CONFLICT (instance_id, execution_id) DO NOTHING;

    -- 5. Pinned version, unconditionally when given.
    IF p_pinned_major IS NOT NULL THEN
        UPDATE {schema}.executions e
           SET pinned_version_major = p_pinned_major,
               pinned_version_minor = p_pinned_minor,
               pinned_version_patch = p_pinned_patch
         WHERE e.instance_id = v_instance_id AND e.execution_id = p_execution_id;
    END IF;

    -- 6. Current-execution pointer.
    UPDATE {schema}.instances i
       SET current_execution_id = GREATEST(i.current_execution_id, p_execution_id),
           updated_at = v_now
     WHERE i.instance_id = v_instance_id;

    -- 2. + 7. Append the delta in one insert (DXE01 / 22023 / 23505 fail the whole call).
    PERFORM {schema}._sp_insert_history(v_instance_id, p_execution_id, p_history_delta, p_now_ms);

    -- 8. Status.
    IF p_status IS NOT NULL THEN
        UPDATE {schema}.executions e
           SET status = p_status,
               output = p_output,
               completed_at = CASE WHEN p_status = 'Running' THEN NULL ELSE v_now END
         WHERE e.instance_id = v_instance_id AND e.execution_id = p_execution_id;
    END IF;

    -- 9. Custom status: the last CustomStatusUpdated of the delta; version + 1 once per ack.
    SELECT d.item -> 'CustomStatusUpdated' INTO v_status_event
      FROM jsonb_array_elements(p_history_delta) WITH ORDINALITY AS d(item, ord)
     WHERE d.item ? 'CustomStatusUpdated'
     ORDER BY d.ord DESC
     LIMIT 1;
    IF v_status_event IS NOT NULL THEN
        UPDATE {schema}.instances i
           SET custom_status = CASE WHEN jsonb_typeof(v_status_event -> 'status') = 'string'
                                    THEN v_status_event ->> 'status' END,
               custom_status_version = i.custom_status_version + 1
         WHERE i.instance_id = v_instance_id;
    END IF;

    -- 10. KV events in delta order into kv_delta; merged into kv_store when the execution ends.
    FOR v_kv IN
        SELECT {schema}._sp_kind(d.item) AS kind, d.item -> {schema}._sp_kind(d.item) AS body
          FROM jsonb_array_elements(p_history_delta) WITH ORDINALITY AS d(item, ord)
         WHERE d.item ?| ARRAY['KeyValueSet', 'KeyValueCleared', 'KeyValuesCleared']
           AND {schema}._sp_kind(d.item) IN ('KeyValueSet', 'KeyValueCleared', 'KeyValuesCleared')
         ORDER BY d.ord
    LOOP
        IF v_kv.kind = 'KeyValueSet' THEN
            IF jsonb_typeof(v_kv.body -> 'key') IS DISTINCT FROM 'string'
               OR jsonb_typeof(v_kv.body -> 'value') IS DISTINCT FROM 'string' THEN
                RAISE EXCEPTION 'KeyValueSet needs a string key and a string value' USING ERRCODE = '22023';
            END IF;
            INSERT INTO {schema}.kv_delta AS k (instance_id, key, value, last_updated_at_ms)
            VALUES (v_instance_id, v_kv.body ->> 'key', v_kv.body ->> 'value',
                    CASE WHEN {schema}._sp_is_whole_bigint(v_kv.body -> 'last_updated_at_ms', 0)
                         THEN (v_kv.body ->> 'last_updated_at_ms')::bigint ELSE 0 END)
            ON CONFLICT (instance_id, key) DO UPDATE
               SET value = EXCLUDED.value, last_updated_at_ms = EXCLUDED.last_updated_at_ms;
        ELSIF v_kv.kind = 'KeyValueCleared' THEN
            IF jsonb_typeof(v_kv.body -> 'key') IS DISTINCT FROM 'string' THEN
                RAISE EXCEPTION 'KeyValueCleared needs a string key' USING ERRCODE = '22023';
            END IF;
            INSERT INTO {schema}.kv_delta AS k (instance_id, key, value, last_updated_at_ms)
            VALUES (v_instance_id, v_kv.body ->> 'key', NULL, p_now_ms)
            ON CONFLICT (instance_id, key) DO UPDATE SET value = NULL, last_updated_at_ms = p_now_ms;
        ELSE
            UPDATE {schema}.kv_delta k SET value = NULL, last_updated_at_ms = p_now_ms
             WHERE k.instance_id = v_instance_id;
            INSERT INTO {schema}.kv_delta (instance_id, key, value, last_updated_at_ms)
            SELECT s.instance_id, s.key, NULL, p_now_ms
              FROM {schema}.kv_store s
             WHERE s.instance_id = v_instance_id
            ON CONFLICT (instance_id, key) DO NOTHING;
        END IF;
    END LOOP;
    IF p_status IN ('Completed', 'Failed', 'ContinuedAsNew') THEN
        INSERT INTO {schema}.kv_store AS s (instance_id, key, value, last_updated_at_ms)
        SELECT d.instance_id, d.key, d.value, d.last_updated_at_ms
          FROM {schema}.kv_delta d
         WHERE d.instance_id = v_instance_id AND d.value IS NOT NULL
        ON CONFLICT (instance_id, key) DO UPDATE
           SET value = EXCLUDED.value, last_updated_at_ms = EXCLUDED.last_updated_at_ms;
        DELETE FROM {schema}.kv_store s
         USING {schema}.kv_delta d
         WHERE s.instance_id = v_instance_id AND d.instance_id = s.instance_id AND d.key = s.key
           AND d.value IS NULL;
        DELETE FROM {schema}.kv_delta d WHERE d.instance_id = v_instance_id;
    END IF;

    -- 11. Worker items first (identity, session and tag columns; notifies the worker channel) ...
    PERFORM {schema}._sp_enqueue_worker_items(p_worker_items, p_now_ms);

    -- 12. ... then the cancelled activities, locked or not, including rows step 11 just inserted.
    DELETE FROM {schema}.worker_queue w
     USING jsonb_array_elements(v_cancelled) AS c(item)
     WHERE w.instance_id = c.item ->> 'instance'
       AND w.execution_id = (c.item ->> 'execution_id')::bigint
       AND w.activity_id = (c.item ->> 'activity_id')::bigint;

    -- 13. Orchestrator items (no instance rows for child starts; notifies with the earliest visible time).
    PERFORM {schema}._sp_enqueue_orchestrator_items(p_orchestrator_items, p_now_ms, 0);

    -- 14. Exactly the fetched batch: messages that arrived during the turn are untagged and stay.
    DELETE FROM {schema}.orchestrator_queue q WHERE q.lock_token = p_lock_token;

    -- 15. Messages that arrived during the turn are fetchable again now that the lock is gone.
    SELECT min(q.visible_at) INTO v_remaining
      FROM {schema}.orchestrator_queue q
     WHERE q.instance_id = v_instance_id;
    IF v_remaining IS NOT NULL THEN
        PERFORM {schema}._sp_notify('orch', GREATEST(v_remaining, p_now_ms));
    END IF;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Worker fetch
-- ---------------------------------------------------------------------------------------------------------------

-- Locks the oldest eligible activity with a fresh token and returns it with its new attempt count; no row when none
-- is eligible. Eligible: visible (`visible_at <= now`), no live lock, matching the tag mode (`default_only`: untagged;
-- `tags`: tag in p_tags; `default_and`: either; `any`: all), and either not session-bound or — only when p_owner_id
-- is given — bound to a session that p_owner_id owns or nobody owns (no row, or its lease expired). Taking a
-- session-bound row claims the session for p_owner_id until now + p_session_lock_timeout_ms in the same transaction.
-- p_tags is read only by the modes that use it; p_session_lock_timeout_ms only with p_owner_id.
-- @single-row
-- @not-null
-- @json work_item WorkItem
-- @required p_now_ms p_lock_timeout_ms
CREATE OR REPLACE FUNCTION {schema}.sp_fetch_work_item(
    p_now_ms BIGINT,
    p_lock_timeout_ms BIGINT,
    p_owner_id TEXT DEFAULT NULL,
    p_session_lock_timeout_ms BIGINT DEFAULT NULL,
    p_tag_mode TEXT DEFAULT 'default_only',
    p_tags TEXT[] DEFAULT NULL
) RETURNS TABLE(id BIGINT, work_item JSONB, lock_token TEXT, attempt_count INT) AS $$
#variable_conflict use_column
DECLARE
    v_untagged BOOLEAN;
    v_tagged BOOLEAN;
    v_excluded BIGINT[] := ARRAY[]::BIGINT[];
    v_excluded_sessions TEXT[] := ARRAY[]::TEXT[];
    v_candidate BIGINT;
    v_expired BIGINT;
    v_session TEXT;
    v_token TEXT;
    v_row RECORD;
    v_taken BOOLEAN;
BEGIN
    IF p_now_ms IS NULL OR p_lock_timeout_ms IS NULL OR p_lock_timeout_ms <= 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_lock_timeout_ms', p_lock_timeout_ms, 1);
    IF p_owner_id IS NOT NULL THEN
        IF p_owner_id = '' THEN
            RAISE EXCEPTION 'p_owner_id must be a non-empty string or NULL' USING ERRCODE = '22023';
        END IF;
        IF p_session_lock_timeout_ms IS NULL OR p_session_lock_timeout_ms <= 0 THEN
            RAISE EXCEPTION 'p_session_lock_timeout_ms must be positive when p_owner_id is given'
                USING ERRCODE = '22023';
        END IF;
        PERFORM {schema}._sp_check_safe_integer('p_session_lock_timeout_ms', p_session_lock_timeout_ms, 1);
    END IF;
    IF p_tag_mode IS NULL OR p_tag_mode NOT IN ('default_only', 'tags', 'default_and', 'any') THEN
        RAISE EXCEPTION 'p_tag_mode must be default_only, tags, default_and or any, got %', p_tag_mode
            USING ERRCODE = '22023';
    END IF;
    IF p_tag_mode IN ('tags', 'default_and')
       AND (p_tags IS NULL OR cardinality(p_tags) NOT BETWEEN 1 AND 5
            OR EXISTS (SELECT 1 FROM unnest(p_tags) AS t(tag)
                        WHERE t.tag IS NULL OR t.tag = '' OR octet_length(t.tag) > 256)) THEN
        RAISE EXCEPTION 'p_tags must hold 1 to 5 non-empty tags of at most 256 bytes for tag mode %', p_tag_mode
            USING ERRCODE = '22023';
    END IF;
    v_untagged := p_tag_mode IN ('default_only', 'default_and', 'any');
    v_tagged := p_tag_mode IN ('tags', 'default_and', 'any');

    LOOP
        -- Expired leases (normally none): an index probe in expiry order says whether there is any, before the
        -- lowest eligible id among them is looked for (header).
        v_expired := NULL;
        PERFORM 1 FROM {schema}.worker_queue w
          WHERE w.lock_token IS NOT NULL AND w.locked_until <= p_now_ms
          ORDER BY w.locked_until
          LIMIT 1;
        IF FOUND THEN
            SELECT w.id INTO v_expired
              FROM {schema}.worker_queue w
             WHERE w.lock_token IS NOT NULL
               AND w.locked_until <= p_now_ms
               AND w.visible_at <= p_now_ms
               AND w.id <> ALL (v_excluded)
               AND CASE WHEN w.tag IS NULL THEN v_untagged
                        ELSE v_tagged AND (p_tag_mode = 'any' OR w.tag = ANY (p_tags)) END
               AND (w.session_id IS NULL
                    OR (p_owner_id IS NOT NULL
                        AND w.session_id <> ALL (v_excluded_sessions)
                        AND NOT EXISTS (SELECT 1 FROM {schema}.sessions s
                                         WHERE s.session_id = w.session_id
                                           AND s.locked_until > p_now_ms
                                           AND s.owner_id <> p_owner_id)))
             ORDER BY w.id
             LIMIT 1;
        END IF;

        v_token := gen_random_uuid()::text;
        v_candidate := NULL;
        v_session := NULL;
        v_taken := false;
        BEGIN
            -- The oldest unleased eligible row below the expired one, skipping rows concurrent fetches are taking.
            UPDATE {schema}.worker_queue w
               SET lock_token = v_token,
                   locked_until = p_now_ms + p_lock_timeout_ms,
                   attempt_count = w.attempt_count + 1
             WHERE w.id = (SELECT r.id FROM {schema}.worker_queue r
                            WHERE r.lock_token IS NULL
                              AND r.visible_at <= p_now_ms
                              AND r.id < COALESCE(v_expired, 9223372036854775807)
                              AND r.id <> ALL (v_excluded)
                              AND CASE WHEN r.tag IS NULL THEN v_untagged
                                       ELSE v_tagged AND (p_tag_mode = 'any' OR r.tag = ANY (p_tags)) END
                              AND (r.session_id IS NULL
                                   OR (p_owner_id IS NOT NULL
                                       AND r.session_id <> ALL (v_excluded_sessions)
                                       AND NOT EXISTS (SELECT 1 FROM {schema}.sessions s
                                                        WHERE s.session_id = r.session_id
                                                          AND s.locked_until > p_now_ms
                                                          AND s.owner_id <> p_owner_id)))
                            ORDER BY r.id
                            LIMIT 1
                              FOR UPDATE SKIP LOCKED)
            RETURNING w.id, w.work_item, w.lock_token, w.attempt_count, w.session_id INTO v_row;
            IF NOT FOUND AND v_expired IS NOT NULL THEN
                v_candidate := v_expired;
                UPDATE {schema}.worker_queue w
                   SET lock_token = v_token,
                       locked_until = p_now_ms + p_lock_timeout_ms,
                       attempt_count = w.attempt_count + 1
                 WHERE w.id = (SELECT r.id FROM {schema}.worker_queue r
                                WHERE r.id = v_expired
                                  AND r.visible_at <= p_now_ms
                                  AND (r.lock_token IS NULL OR r.locked_until <= p_now_ms)
                                  FOR UPDATE SKIP LOCKED)
                RETURNING w.id, w.work_item, w.lock_token, w.attempt_count, w.session_id INTO v_row;
                IF NOT FOUND THEN
                    -- Taken (or being taken) by a concurrent fetch since the probe.
                    RAISE EXCEPTION 'candidate taken' USING ERRCODE = 'DXF02';
                END IF;
            END IF;
            IF FOUND THEN
                v_candidate := v_row.id;
                v_session := v_row.session_id;
                IF v_session IS NOT NULL THEN
                    -- Claim or refresh the session; refused when another owner holds a live lease (committed after
                    -- the probe).
                    INSERT INTO {schema}.sessions AS s (session_id, owner_id, locked_until, last_activity_at)
                    VALUES (v_session, p_owner_id, p_now_ms + p_session_lock_timeout_ms, p_now_ms)
                    ON CONFLICT (session_id) DO UPDATE
                       SET owner_id = EXCLUDED.owner_id,
                           locked_until = EXCLUDED.locked_until,
                           last_activity_at = EXCLUDED.last_activity_at
                     WHERE s.locked_until <= p_now_ms OR s.owner_id = p_owner_id;
                    IF NOT FOUND THEN
                        RAISE EXCEPTION 'session claim refused' USING ERRCODE = 'DXF02';
                    END IF;
                END IF;
                v_taken := true;
            END IF;
        EXCEPTION WHEN SQLSTATE 'DXF02' THEN
            -- Rolled back to the start of the attempt (row lock and increment included); try the next candidate.
            v_taken := false;
        END;
        IF v_taken THEN
            RETURN QUERY SELECT v_row.id, v_row.work_item, v_row.lock_token, v_row.attempt_count;
            RETURN;
        END IF;
        IF v_candidate IS NULL THEN
            -- No eligible row left (rows other fetches are taking right now are theirs).
            RETURN;
        END IF;
        v_excluded := v_excluded || v_candidate;
        IF v_session IS NOT NULL THEN
            v_excluded_sessions := v_excluded_sessions || v_session;
        END IF;
    END LOOP;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
