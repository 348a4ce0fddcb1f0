-- The worker loop (issue 12): what pg_stat_statements (with planning counted), auto_explain and wait-event samples
-- showed for fetch + ack at 24 workers on a durable PostgreSQL 15 (pgbench: 1,138 jobs/s before, ~3,300 after; the
-- TypeScript loop on the same server: ~2,200). Behaviour, signatures, errors and answers are 0009/0012/0015's.
--
-- * `_sp_notify` (0015) evaluated `_sp_notify_channel('listen')` once per row of `pg_stat_get_activity`, i.e. once per
--   connected backend: 0.5 ms per test at 24 connections. The name is computed once per call, and
--   `_sp_notify_channel` is PL/pgSQL now: as a SQL function with a SET clause it is never inlined, and every call
--   planned its query again (0.09 ms); PL/pgSQL keeps the plan for the session.
-- * `sp_ack_work_item` notified the orchestrator channel after `_sp_enqueue_orchestrator_items` had done so already;
--   and that generic helper validated a one-element array through per-element helper calls (ten `_sp_kind` calls
--   per ack). The ack now inserts its one completion itself, with the same checks and errors.
-- * `sp_fetch_work_item` opened an exception block (a subtransaction) on every fetch, and its UPDATE, with the
--   exclusion lists of the retry loop, was planned anew on every call (a custom plan each time). Without an owner id
--   and with no expired lease (the common case) one statement now takes the row: nothing can make it retry, so no
--   exception block; the loop stays for sessions and expired leases.
-- * The ack and the renewal found the lease with `lock_token = $1 AND locked_until > $2`. Both partial indexes on
--   `lock_token IS NOT NULL` (the token's and the lease-expiry one) fit that, and with statistics taken while nothing
--   was leased their costs tie: generic plans walked the expiry index through every live lease (and every dead entry
--   not yet vacuumed), 2–7 ms per ack. The lease is now found by its token alone and its expiry checked afterwards,
--   and the expiry index covers `locked_until IS NOT NULL` (leased rows, the same rows: fetch sets both columns,
--   abandon clears both), which a token lookup does not imply. The fetch's expiry probe is a scalar subquery with
--   ORDER BY ... LIMIT 1: as EXISTS (ORDER BY and LIMIT dropped) its generic plan scanned the table sequentially.
-- * `_sp_insert_history` (the ack's append; 1,000 events: 9–10 ms against 8.8 inline): the check cast each event id
--   to numeric four times (the subquery was flattened into each comparison), and the insert found each event's kind
--   with an aggregate per event although the check had proven it the only key. One cast behind OFFSET 0, and
--   `jsonb_object_keys` as a plain lateral row source: 1,000 events in ~2.5 ms of SQL instead of ~4.
--
-- Conventions as in 0007: `{schema}` qualifies every name; each function pins `search_path = pg_catalog, pg_temp`;
-- operations are SECURITY DEFINER, helpers SECURITY INVOKER; same signatures (CREATE OR REPLACE).

-- 0012's definition with the lease-expiry index on `locked_until IS NOT NULL` (header).
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
                   'WHERE locked_until IS NOT NULL', p_schema_name);

    -- One instance's messages in visibility order (header of 0012).
    EXECUTE format('CREATE INDEX IF NOT EXISTS orchestrator_queue_instance_visible_idx '
                   'ON %I.orchestrator_queue (instance_id, visible_at, id)', p_schema_name);
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

DROP INDEX IF EXISTS {schema}.worker_queue_lease_expiry_idx;
SELECT {schema}.sp_create_indexes(current_schema());

-- 0007's channel name in PL/pgSQL: a SQL function with a SET clause is never inlined, and every call planned its
-- query again; PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE FUNCTION {schema}._sp_notify_channel(p_queue TEXT)
RETURNS TEXT AS $$
BEGIN
    RETURN (SELECT 'dx_' || left(md5(n.nspname), 16) || '_' || p_queue
              FROM pg_catalog.pg_type t
              JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
             WHERE t.oid = pg_catalog.pg_typeof(NULL::{schema}.instances));
END;
$$ LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION {schema}._sp_notify(p_queue TEXT, p_visible_at_ms BIGINT)
RETURNS VOID AS $$
DECLARE
    v_listener TEXT := {schema}._sp_notify_channel('listen');
BEGIN
    IF EXISTS (SELECT 1
                 FROM pg_stat_get_activity(NULL) a
                WHERE a.application_name = v_listener
                  AND a.datid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())) THEN
        PERFORM pg_notify({schema}._sp_notify_channel(p_queue), p_visible_at_ms::text);
    END IF;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Completes a fetched activity: deletes its row (its lock must be live) and, when a completion (ActivityCompleted or
-- ActivityFailed) is given, enqueues it for the instance it names, visible now, notifying the orchestrator channel.
-- NULL completion: the activity was cancelled; nothing is enqueued. Touches the item's session (`last_activity_at`)
-- while its lease is live. DXW02 when the lock expired (the row stays, fetchable again); DXW01 when no row has the
-- token (acked, cancelled, deleted with its instance, or fetched again under a new token).
-- @json p_completion ActivityCompletion
-- @required p_lock_token p_now_ms
CREATE OR REPLACE FUNCTION {schema}.sp_ack_work_item(p_lock_token TEXT, p_completion JSONB, p_now_ms BIGINT)
RETURNS VOID AS $$
DECLARE
    v_kind TEXT;
    v_instance TEXT;
    v_lease RECORD;
BEGIN
    IF p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF p_now_ms NOT BETWEEN 0 AND 9007199254740991 THEN
        PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    END IF;
    IF p_completion IS NOT NULL THEN
        v_kind := {schema}._sp_kind(p_completion);
        IF v_kind IS NULL THEN
            RAISE EXCEPTION 'p_completion must be a JSON object with exactly one key naming its kind'
                USING ERRCODE = '22023';
        END IF;
        IF v_kind NOT IN ('ActivityCompleted', 'ActivityFailed') THEN
            RAISE EXCEPTION 'Invalid completion type: % (expected ActivityCompleted or ActivityFailed)', v_kind
                USING ERRCODE = 'DXI01';
        END IF;
    END IF;

    -- Found by its token alone, then checked (header).
    DELETE FROM {schema}.worker_queue w
     WHERE w.lock_token = p_lock_token
    RETURNING w.locked_until, w.session_id INTO v_lease;
    IF NOT FOUND THEN
        PERFORM {schema}._sp_raise_worker_token_error(p_lock_token);
    END IF;
    IF v_lease.locked_until <= p_now_ms THEN
        -- The error undoes the deletion: the row stays, fetchable again.
        RAISE EXCEPTION 'Worker lock expired' USING ERRCODE = 'DXW02';
    END IF;

    IF p_completion IS NOT NULL THEN
        -- `_sp_enqueue_orchestrator_items` for this one item of a kind checked above: the same row, error and
        -- notification, without validating an array of any kind.
        IF jsonb_typeof(p_completion -> v_kind -> 'instance') IS DISTINCT FROM 'string'
           OR p_completion -> v_kind ->> 'instance' = '' THEN
            RAISE EXCEPTION '% work item has no target instance', v_kind USING ERRCODE = '22023';
        END IF;
        v_instance := p_completion -> v_kind ->> 'instance';
        INSERT INTO {schema}.orchestrator_queue (instance_id, work_item, visible_at, attempt_count, created_at)
        VALUES (v_instance, p_completion, p_now_ms, 0, to_timestamp(p_now_ms / 1000.0));
        PERFORM {schema}._sp_notify('orch', p_now_ms);
    END IF;
    IF v_lease.session_id IS NOT NULL THEN
        PERFORM {schema}._sp_touch_session(v_lease.session_id, p_now_ms);
    END IF;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;


-- The arguments every worker fetch takes, checked alike (22023): a time, a positive lock timeout, both safe
-- integers, and a tag mode with the tags it needs.
CREATE OR REPLACE FUNCTION {schema}._sp_check_work_fetch(
    p_now_ms BIGINT,
    p_lock_timeout_ms BIGINT,
    p_tag_mode TEXT,
    p_tags TEXT[]
) RETURNS VOID AS $$
BEGIN
    IF p_now_ms IS NULL OR p_lock_timeout_ms IS NULL OR p_lock_timeout_ms <= 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive' USING ERRCODE = '22023';
    END IF;
    IF p_now_ms NOT BETWEEN 0 AND 9007199254740991 THEN
        PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    END IF;
    IF p_lock_timeout_ms > 9007199254740991 THEN
        PERFORM {schema}._sp_check_safe_integer('p_lock_timeout_ms', p_lock_timeout_ms, 1);
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
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

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
    PERFORM {schema}._sp_check_work_fetch(p_now_ms, p_lock_timeout_ms, p_tag_mode, p_tags);
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
    v_untagged := p_tag_mode IN ('default_only', 'default_and', 'any');
    v_tagged := p_tag_mode IN ('tags', 'default_and', 'any');

    -- The common case in one statement: without an owner no session-bound row is eligible, and without an expired
    -- lease every eligible row is unleased, so the oldest one nobody else is taking is the answer and nothing can make
    -- the attempt retry: no exception block (a subtransaction per fetch) and no exclusion lists.
    -- (The probe is a scalar subquery, not EXISTS: EXISTS drops ORDER BY and LIMIT, and a generic plan then chose a
    -- sequential scan expecting a third of the table to match.)
    IF p_owner_id IS NULL
       AND (SELECT w.locked_until FROM {schema}.worker_queue w
             WHERE w.locked_until <= p_now_ms
             ORDER BY w.locked_until
             LIMIT 1) IS NULL THEN
        RETURN QUERY
        UPDATE {schema}.worker_queue w
           SET lock_token = gen_random_uuid()::text,
               locked_until = p_now_ms + p_lock_timeout_ms,
               attempt_count = w.attempt_count + 1
         WHERE w.id = (SELECT r.id FROM {schema}.worker_queue r
                        WHERE r.lock_token IS NULL
                          AND r.visible_at <= p_now_ms
                          AND r.session_id IS NULL
                          AND CASE WHEN r.tag IS NULL THEN v_untagged
                                   ELSE v_tagged AND (p_tag_mode = 'any' OR r.tag = ANY (p_tags)) END
                        ORDER BY r.id
                        LIMIT 1
                          FOR UPDATE SKIP LOCKED)
        RETURNING w.id, w.work_item, w.lock_token, w.attempt_count;
        RETURN;
    END IF;

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

-- Extends a live worker lock to now + p_extend_ms (which may be earlier than the old expiry) and touches the item's
-- session while its lease is live. Never consults the orchestration: only the row's deletion ends an activity.
-- DXW02 when the lock expired, DXW01 when no row has the token.
-- @required p_lock_token p_now_ms p_extend_ms
CREATE OR REPLACE FUNCTION {schema}.sp_renew_work_item_lock(p_lock_token TEXT, p_now_ms BIGINT, p_extend_ms BIGINT)
RETURNS VOID AS $$
DECLARE
    v_lease RECORD;
BEGIN
    IF p_now_ms IS NULL OR p_extend_ms IS NULL OR p_extend_ms <= 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_extend_ms must be positive' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_extend_ms', p_extend_ms, 1);

    -- Found by its token alone, then checked, as in the ack (header).
    SELECT w.id, w.locked_until, w.session_id INTO v_lease
      FROM {schema}.worker_queue w
     WHERE w.lock_token = p_lock_token
       FOR UPDATE;
    IF NOT FOUND OR v_lease.locked_until <= p_now_ms THEN
        PERFORM {schema}._sp_raise_worker_token_error(p_lock_token);
    END IF;
    UPDATE {schema}.worker_queue w SET locked_until = p_now_ms + p_extend_ms WHERE w.id = v_lease.id;
    PERFORM {schema}._sp_touch_session(v_lease.session_id, p_now_ms);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;


-- ---------------------------------------------------------------------------------------------------------------
-- History append
-- ---------------------------------------------------------------------------------------------------------------

-- 0012's history append with cheaper per-event steps (header). Appends events to one execution's history, all or
-- nothing (same checks, order and errors as 0002): 22023 for a
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

    -- _sp_kind and _sp_is_whole_bigint (0005), written out: CASE keeps every cast behind its type check. The event
    -- id is cast to numeric once per event (OFFSET 0 keeps the subquery from being flattened into four casts).
    SELECT CASE WHEN e.kind IS NULL THEN 'shape' ELSE 'event_id' END INTO v_problem
      FROM (SELECT a.ord, k.kind,
                   CASE WHEN jsonb_typeof(a.item -> k.kind -> 'event_id') = 'number'
                        THEN (a.item -> k.kind -> 'event_id')::numeric END AS event_id
              FROM jsonb_array_elements(p_events) WITH ORDINALITY AS a(item, ord)
             CROSS JOIN LATERAL (
                   SELECT CASE WHEN count(*) = 1 AND jsonb_typeof(a.item -> min(o.key)) = 'object'
                               THEN min(o.key) END AS kind
                     FROM jsonb_object_keys(CASE WHEN jsonb_typeof(a.item) = 'object'
                                                 THEN a.item ELSE '{}'::jsonb END) AS o(key)) k
            OFFSET 0) e
     WHERE e.kind IS NULL
        OR e.event_id IS NULL
        OR e.event_id < 1
        OR e.event_id <> trunc(e.event_id)
        OR e.event_id > 9007199254740991
     ORDER BY e.ord
     LIMIT 1;
    IF v_problem = 'shape' THEN
        RAISE EXCEPTION 'each event must be a JSON object with exactly one key naming its kind'
            USING ERRCODE = '22023';
    ELSIF v_problem = 'event_id' THEN
        RAISE EXCEPTION 'event_id must be set by runtime' USING ERRCODE = 'DXE01',
            DETAIL = 'every event needs a positive integer event_id';
    END IF;

    -- Every event is now a one-key object with a valid event_id: its only key is its kind, the one row
    -- jsonb_object_keys gives (no aggregate per event).
    BEGIN
        INSERT INTO {schema}.history (instance_id, execution_id, event_id, event_type, event_data, created_at)
        SELECT p_instance_id,
               p_execution_id,
               (a.item -> k.kind ->> 'event_id')::bigint,
               k.kind,
               a.item,
               to_timestamp(p_now_ms / 1000.0)
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS a(item, ord)
         CROSS JOIN LATERAL jsonb_object_keys(a.item) AS k(kind)
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
-- Batches (beyond contract v2): many activities per transaction
-- ---------------------------------------------------------------------------------------------------------------

-- Locks up to p_max_items eligible activities, oldest first, each with a token of its own, and returns them in id
-- order with their new attempt counts (none when nothing is eligible). Eligible as for `sp_fetch_work_item` without
-- an owner: visible, not under a live lock, not session-bound, matching the tag mode; rows other fetches are taking
-- right now are skipped. Each item is acked, renewed or abandoned on its own token (or through
-- `sp_ack_work_items`). One transaction, hence one commit, for the whole batch.
-- @not-null
-- @json work_item WorkItem
-- @required p_now_ms p_lock_timeout_ms p_max_items
CREATE OR REPLACE FUNCTION {schema}.sp_fetch_work_items(
    p_now_ms BIGINT,
    p_lock_timeout_ms BIGINT,
    p_max_items INT,
    p_tag_mode TEXT DEFAULT 'default_only',
    p_tags TEXT[] DEFAULT NULL
) RETURNS TABLE(id BIGINT, work_item JSONB, lock_token TEXT, attempt_count INT) AS $$
#variable_conflict use_column
DECLARE
    v_untagged BOOLEAN;
    v_tagged BOOLEAN;
BEGIN
    IF p_max_items IS NULL OR p_max_items NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'p_max_items must be between 1 and 1000, got %', p_max_items USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_work_fetch(p_now_ms, p_lock_timeout_ms, p_tag_mode, p_tags);
    v_untagged := p_tag_mode IN ('default_only', 'default_and', 'any');
    v_tagged := p_tag_mode IN ('tags', 'default_and', 'any');

    IF (SELECT w.locked_until FROM {schema}.worker_queue w
         WHERE w.locked_until <= p_now_ms
         ORDER BY w.locked_until
         LIMIT 1) IS NULL THEN
        -- No expired lease: the oldest unleased rows, through the index of unleased rows.
        RETURN QUERY
        WITH taken AS (
            UPDATE {schema}.worker_queue w
               SET lock_token = gen_random_uuid()::text,
                   locked_until = p_now_ms + p_lock_timeout_ms,
                   attempt_count = w.attempt_count + 1
              FROM (SELECT r.id FROM {schema}.worker_queue r
                     WHERE r.lock_token IS NULL
                       AND r.visible_at <= p_now_ms
                       AND r.session_id IS NULL
                       AND CASE WHEN r.tag IS NULL THEN v_untagged
                                ELSE v_tagged AND (p_tag_mode = 'any' OR r.tag = ANY (p_tags)) END
                     ORDER BY r.id
                     LIMIT p_max_items
                       FOR UPDATE SKIP LOCKED) c
             WHERE w.id = c.id
            RETURNING w.id, w.work_item, w.lock_token, w.attempt_count)
        SELECT t.id, t.work_item, t.lock_token, t.attempt_count FROM taken t ORDER BY t.id;
    ELSE
        -- Expired leases keep their place in id order among the unleased rows.
        RETURN QUERY
        WITH taken AS (
            UPDATE {schema}.worker_queue w
               SET lock_token = gen_random_uuid()::text,
                   locked_until = p_now_ms + p_lock_timeout_ms,
                   attempt_count = w.attempt_count + 1
              FROM (SELECT r.id FROM {schema}.worker_queue r
                     WHERE (r.lock_token IS NULL OR r.locked_until <= p_now_ms)
                       AND r.visible_at <= p_now_ms
                       AND r.session_id IS NULL
                       AND CASE WHEN r.tag IS NULL THEN v_untagged
                                ELSE v_tagged AND (p_tag_mode = 'any' OR r.tag = ANY (p_tags)) END
                     ORDER BY r.id
                     LIMIT p_max_items
                       FOR UPDATE SKIP LOCKED) c
             WHERE w.id = c.id
            RETURNING w.id, w.work_item, w.lock_token, w.attempt_count)
        SELECT t.id, t.work_item, t.lock_token, t.attempt_count FROM taken t ORDER BY t.id;
    END IF;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Completes fetched activities, each as `sp_ack_work_item` would, in one transaction, and answers one row per token
-- in input order: `acked`, `expired` (DXW02's case: its row stays, fetchable again) or `not_found` (DXW01's case).
-- An outcome other than `acked` does not stop the others. p_completions is a JSON array as long as p_lock_tokens:
-- the i-th completion (ActivityCompleted or ActivityFailed, or null for a cancelled activity) goes with the i-th
-- token. Malformed input (lengths, a null or repeated token, a completion of another kind or without an instance)
-- fails the whole call before any change: 22023, or DXI01 for a kind, as the single ack.
-- @not-null
-- @json p_completions (ActivityCompletion | null)[]
-- @required p_lock_tokens p_completions p_now_ms
CREATE OR REPLACE FUNCTION {schema}.sp_ack_work_items(p_lock_tokens TEXT[], p_completions JSONB, p_now_ms BIGINT)
RETURNS TABLE(lock_token TEXT, outcome TEXT) AS $$
#variable_conflict use_column
DECLARE
    v_bad RECORD;
    v_tokens TEXT[];
    v_outcomes TEXT[];
    v_enqueued BIGINT;
BEGIN
    IF p_lock_tokens IS NULL OR p_completions IS NULL OR p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_lock_tokens, p_completions and p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF p_now_ms NOT BETWEEN 0 AND 9007199254740991 THEN
        PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    END IF;
    IF jsonb_typeof(p_completions) <> 'array'
       OR jsonb_array_length(p_completions) <> COALESCE(cardinality(p_lock_tokens), 0)
       OR cardinality(p_lock_tokens) NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'p_lock_tokens must hold 1 to 1000 tokens and p_completions be a JSON array of as many'
            USING ERRCODE = '22023';
    END IF;
    IF array_position(p_lock_tokens, NULL) IS NOT NULL
       OR (SELECT count(DISTINCT t) FROM unnest(p_lock_tokens) AS t) <> cardinality(p_lock_tokens) THEN
        RAISE EXCEPTION 'p_lock_tokens must not hold NULL or the same token twice' USING ERRCODE = '22023';
    END IF;
    -- Each completion's kind once (OFFSET 0 keeps the subquery from being flattened into one call per test).
    SELECT c.ord, c.kind INTO v_bad
      FROM (SELECT a.ord, a.completion, {schema}._sp_kind(a.completion) AS kind
              FROM jsonb_array_elements(p_completions) WITH ORDINALITY AS a(completion, ord)
             WHERE jsonb_typeof(a.completion) <> 'null'
            OFFSET 0) c
     WHERE c.kind IS NULL
        OR c.kind NOT IN ('ActivityCompleted', 'ActivityFailed')
        OR jsonb_typeof(c.completion -> c.kind -> 'instance') IS DISTINCT FROM 'string'
        OR c.completion -> c.kind ->> 'instance' = ''
     ORDER BY c.ord
     LIMIT 1;
    IF FOUND THEN
        IF v_bad.kind IS NULL THEN
            RAISE EXCEPTION 'completion % must be a JSON object with exactly one key naming its kind, or null', v_bad.ord
                USING ERRCODE = '22023';
        ELSIF v_bad.kind NOT IN ('ActivityCompleted', 'ActivityFailed') THEN
            RAISE EXCEPTION 'Invalid completion type: % (expected ActivityCompleted or ActivityFailed)', v_bad.kind
                USING ERRCODE = 'DXI01';
        END IF;
        RAISE EXCEPTION '% work item has no target instance', v_bad.kind USING ERRCODE = '22023';
    END IF;

    WITH input AS (
        SELECT t.token, t.ord, c.completion
          FROM unnest(p_lock_tokens) WITH ORDINALITY AS t(token, ord)
          JOIN jsonb_array_elements(p_completions) WITH ORDINALITY AS c(completion, ord) ON c.ord = t.ord),
    -- Found by token alone, then checked, as in the single ack (header).
    leases AS (
        SELECT w.id, w.lock_token, w.locked_until, w.session_id
          FROM {schema}.worker_queue w
         WHERE w.lock_token = ANY (p_lock_tokens)
           FOR UPDATE),
    deleted AS (
        DELETE FROM {schema}.worker_queue w
         USING leases l
         WHERE w.id = l.id AND l.locked_until > p_now_ms
        RETURNING w.lock_token, w.session_id),
    enqueued AS (
        INSERT INTO {schema}.orchestrator_queue (instance_id, work_item, visible_at, attempt_count, created_at)
        SELECT i.completion -> k.kind ->> 'instance', i.completion, p_now_ms, 0, to_timestamp(p_now_ms / 1000.0)
          FROM input i
          JOIN deleted d ON d.lock_token = i.token
         -- Checked above: a completion is a one-key object, so its only key is its kind.
         CROSS JOIN LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(i.completion) = 'object'
                                                   THEN i.completion ELSE '{}'::jsonb END) AS k(kind)
         ORDER BY i.ord
        RETURNING 1),
    touched AS (
        UPDATE {schema}.sessions s
           SET last_activity_at = p_now_ms
         WHERE s.session_id IN (SELECT d.session_id FROM deleted d)
           AND s.locked_until > p_now_ms)
    SELECT array_agg(i.token ORDER BY i.ord),
           array_agg(CASE WHEN d.lock_token IS NOT NULL THEN 'acked'
                          WHEN l.lock_token IS NOT NULL THEN 'expired'
                          ELSE 'not_found' END ORDER BY i.ord),
           (SELECT count(*) FROM enqueued)
      INTO v_tokens, v_outcomes, v_enqueued
      FROM input i
      LEFT JOIN deleted d ON d.lock_token = i.token
      LEFT JOIN leases l ON l.lock_token = i.token;

    IF v_enqueued > 0 THEN
        PERFORM {schema}._sp_notify('orch', p_now_ms);
    END IF;
    RETURN QUERY SELECT o.token, o.outcome FROM unnest(v_tokens, v_outcomes) AS o(token, outcome);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
