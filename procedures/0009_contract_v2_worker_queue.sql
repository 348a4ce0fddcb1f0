-- Contract v2, part 3: the worker queue and sessions (provider-contract-v2.md §3.8–§3.14, §3.2.1, §3.2.6, §3.2.7).
--
-- * `sp_fetch_work_item` replaces `sp_dequeue_worker_peek_lock`, `sp_ack_work_item` replaces `sp_ack_worker` (both
--   dropped here); `sp_renew_work_item_lock`, `sp_abandon_work_item`, `sp_renew_session_lock` and
--   `sp_cleanup_orphaned_sessions` are new; `sp_enqueue_worker_work` keeps its signature (0007's
--   `_sp_enqueue_worker_items` already fills visible_at and the identity/routing columns and notifies 'work').
-- * Worker locks are per row: `lock_token` + `locked_until`; a lock is live iff `locked_until > p_now_ms`. Ack and
--   renewal need a live lock (an expired token with its row still present → DXW02 `Worker lock expired`; no row with
--   the token → DXW01 `Worker queue item not found or already processed`); abandon does not (DXW01 `Invalid lock
--   token or already acked`). Nothing here looks at the orchestration: a worker row is fetchable and renewable
--   whatever its instance's state (§3.2.10); cancellation is the row's deletion by the orchestration ack.
-- * `attempt_count` is incremented by each fetch of the row, decremented (floor 0) by `abandon(…, ignore_attempt)`;
--   a refused session claim rolls its increment back with the rest of its attempt (§3.2.1).
--
-- Fetch cost behind leased rows (issue 12). The v1 dequeue walked the primary key in id order and filtered out each
-- leased row, so a fetch behind 5,000 leased items read 5,000 rows before finding a free one. The candidate is now
-- the smaller id of two index probes that never see live leases:
--   1. `worker_queue_available_idx (id) WHERE lock_token IS NULL` — unleased rows only, in FIFO order; a leased row
--      is not in this index at all, so it costs nothing however many there are;
--   2. `worker_queue_lease_expiry_idx (locked_until) WHERE lock_token IS NOT NULL` — leases ordered by expiry; the
--      range `locked_until <= now` holds only the expired ones (normally none or a few), sorted by id afterwards.
-- Both predicates are constants, so the partial indexes also match PL/pgSQL's generic plans. Rows still walked one
-- by one in probe 1: unleased rows this caller may not take — delayed by an abandon (`visible_at > now`), tagged
-- outside the caller's filter, or bound to a session another owner holds. They are the exception in a working queue;
-- a separate index per tag or session was not worth its write cost here. Measured with 5,000 live leases ahead of
-- 10 free rows (EXPLAIN ANALYZE, embedded PostgreSQL 18): the v1 predicate scanned the primary key and removed 5,000
-- rows (147 buffers, ~0.5 ms); each probe here reads 2 buffers (~0.02 ms).
--
-- The candidate loop (§3.9, §5.3): peek the candidate without locking, then take it with `FOR UPDATE SKIP LOCKED`
-- and a re-check inside a subtransaction. A candidate a concurrent fetch took (or locked) is added to an exclusion
-- list and the loop goes on; a session-bound candidate whose session claim is refused (another owner committed its
-- claim first) rolls its attempt back — the row lock and the increment — and excludes that session for the rest of
-- the call. So the fetch answers "nothing" only when no eligible row is left, never because it lost a race.
--
-- Conventions as in 0002 and 0005; every function pins `search_path = pg_catalog, pg_temp`; operations are SECURITY
-- DEFINER, the schema-management function stays SECURITY INVOKER. Internal SQLSTATE DXF02 is raised and caught inside
-- `sp_fetch_work_item` only (DXF01 stays the orchestration fetch's).

DROP FUNCTION IF EXISTS {schema}.sp_dequeue_worker_peek_lock(BIGINT, BIGINT);
DROP FUNCTION IF EXISTS {schema}.sp_ack_worker(TEXT, JSONB, BIGINT);

-- ---------------------------------------------------------------------------------------------------------------
-- Indexes
-- ---------------------------------------------------------------------------------------------------------------

-- 0007's definition plus the two worker-fetch indexes of the header above.
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
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

SELECT {schema}.sp_create_indexes(current_schema());

-- ---------------------------------------------------------------------------------------------------------------
-- Enqueue
-- ---------------------------------------------------------------------------------------------------------------

-- Enqueues one ActivityExecute, unlocked, visible now, with its identity, session and tag columns taken from the item;
-- notifies the worker channel. Returns its queue id.
-- @not-null
-- @json p_work_item WorkItem
-- @required p_work_item p_now_ms
CREATE OR REPLACE FUNCTION {schema}.sp_enqueue_worker_work(p_work_item JSONB, p_now_ms BIGINT)
RETURNS BIGINT AS $$
BEGIN
    IF p_work_item IS NULL OR p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_work_item and p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    RETURN {schema}._sp_enqueue_worker_items(jsonb_build_array(p_work_item), p_now_ms);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Fetch
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
        -- The smaller id of the two probes (header): an unleased row, or one whose lease expired.
        SELECT min(c.id) INTO v_candidate
          FROM ((SELECT w.id FROM {schema}.worker_queue w
                  WHERE w.lock_token IS NULL
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
                  LIMIT 1)
                UNION ALL
                (SELECT w.id FROM {schema}.worker_queue w
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
                  LIMIT 1)) c;
        IF v_candidate IS NULL THEN
            RETURN;
        END IF;

        v_token := gen_random_uuid()::text;
        v_session := NULL;
        v_taken := false;
        BEGIN
            UPDATE {schema}.worker_queue w
               SET lock_token = v_token,
                   locked_until = p_now_ms + p_lock_timeout_ms,
                   attempt_count = w.attempt_count + 1
             WHERE w.id = (SELECT r.id FROM {schema}.worker_queue r
                            WHERE r.id = v_candidate
                              AND r.visible_at <= p_now_ms
                              AND (r.lock_token IS NULL OR r.locked_until <= p_now_ms)
                              FOR UPDATE SKIP LOCKED)
            RETURNING w.id, w.work_item, w.lock_token, w.attempt_count, w.session_id INTO v_row;
            IF NOT FOUND THEN
                -- Taken (or being taken) by a concurrent fetch since the peek.
                RAISE EXCEPTION 'candidate taken' USING ERRCODE = 'DXF02';
            END IF;
            v_session := v_row.session_id;
            IF v_session IS NOT NULL THEN
                -- Claim or refresh the session; refused when another owner holds a live lease (committed after
                -- the peek).
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
        EXCEPTION WHEN SQLSTATE 'DXF02' THEN
            -- Rolled back to the start of the attempt (row lock and increment included); try the next candidate.
            v_taken := false;
        END;
        IF v_taken THEN
            RETURN QUERY SELECT v_row.id, v_row.work_item, v_row.lock_token, v_row.attempt_count;
            RETURN;
        END IF;
        v_excluded := v_excluded || v_candidate;
        IF v_session IS NOT NULL THEN
            v_excluded_sessions := v_excluded_sessions || v_session;
        END IF;
    END LOOP;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Ack, renew, abandon
-- ---------------------------------------------------------------------------------------------------------------

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
    v_session TEXT;
BEGIN
    IF p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
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

    DELETE FROM {schema}.worker_queue w
     WHERE w.lock_token = p_lock_token AND w.locked_until > p_now_ms
    RETURNING w.session_id INTO v_session;
    IF NOT FOUND THEN
        PERFORM {schema}._sp_raise_worker_token_error(p_lock_token);
    END IF;

    IF p_completion IS NOT NULL THEN
        PERFORM {schema}._sp_enqueue_orchestrator_items(jsonb_build_array(p_completion), p_now_ms, 0);
        PERFORM {schema}._sp_notify('orch', p_now_ms);
    END IF;
    PERFORM {schema}._sp_touch_session(v_session, p_now_ms);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Extends a live worker lock to now + p_extend_ms (which may be earlier than the old expiry) and touches the item's
-- session while its lease is live. Never consults the orchestration: only the row's deletion ends an activity.
-- DXW02 when the lock expired, DXW01 when no row has the token.
-- @required p_lock_token p_now_ms p_extend_ms
CREATE OR REPLACE FUNCTION {schema}.sp_renew_work_item_lock(p_lock_token TEXT, p_now_ms BIGINT, p_extend_ms BIGINT)
RETURNS VOID AS $$
DECLARE
    v_session TEXT;
BEGIN
    IF p_now_ms IS NULL OR p_extend_ms IS NULL OR p_extend_ms <= 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_extend_ms must be positive' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_extend_ms', p_extend_ms, 1);

    UPDATE {schema}.worker_queue w
       SET locked_until = p_now_ms + p_extend_ms
     WHERE w.lock_token = p_lock_token AND w.locked_until > p_now_ms
    RETURNING w.session_id INTO v_session;
    IF NOT FOUND THEN
        PERFORM {schema}._sp_raise_worker_token_error(p_lock_token);
    END IF;
    PERFORM {schema}._sp_touch_session(v_session, p_now_ms);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Gives a fetched activity back: clears its lock (expired or not, as long as no other fetch took it), makes it
-- visible at now + p_delay_ms (now without a delay), and with p_ignore_attempt takes back this fetch's attempt
-- (floor 0). The session is left alone, so the item goes back to its owner. Notifies the worker channel with the new
-- visibility time. DXW01 when no row has the token.
-- @required p_lock_token p_now_ms
CREATE OR REPLACE FUNCTION {schema}.sp_abandon_work_item(
    p_lock_token TEXT,
    p_now_ms BIGINT,
    p_delay_ms BIGINT DEFAULT NULL,
    p_ignore_attempt BOOLEAN DEFAULT FALSE
) RETURNS VOID AS $$
DECLARE
    v_visible_at BIGINT;
BEGIN
    IF p_now_ms IS NULL OR p_ignore_attempt IS NULL THEN
        RAISE EXCEPTION 'p_now_ms and p_ignore_attempt must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF p_delay_ms < 0 THEN
        RAISE EXCEPTION 'p_delay_ms must not be negative' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_delay_ms', p_delay_ms, 0);
    v_visible_at := p_now_ms + COALESCE(p_delay_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_now_ms + p_delay_ms', v_visible_at, 0);

    UPDATE {schema}.worker_queue w
       SET lock_token = NULL,
           locked_until = NULL,
           visible_at = v_visible_at,
           attempt_count = CASE WHEN p_ignore_attempt THEN GREATEST(w.attempt_count - 1, 0) ELSE w.attempt_count END
     WHERE w.lock_token = p_lock_token;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Invalid lock token or already acked' USING ERRCODE = 'DXW01';
    END IF;
    PERFORM {schema}._sp_notify('work', v_visible_at);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Sessions
-- ---------------------------------------------------------------------------------------------------------------

-- Extends to now + p_extend_ms the sessions of these owners whose lease is live and that saw activity within the
-- idle timeout (strictly); returns how many. An expired lease is never revived; idle sessions are left to expire.
-- @not-null
-- @required p_owner_ids p_now_ms p_extend_ms p_idle_timeout_ms
CREATE OR REPLACE FUNCTION {schema}.sp_renew_session_lock(
    p_owner_ids TEXT[],
    p_now_ms BIGINT,
    p_extend_ms BIGINT,
    p_idle_timeout_ms BIGINT
) RETURNS BIGINT AS $$
DECLARE
    v_renewed BIGINT;
BEGIN
    IF p_owner_ids IS NULL OR p_now_ms IS NULL OR p_idle_timeout_ms IS NULL OR p_idle_timeout_ms < 0
       OR p_extend_ms IS NULL OR p_extend_ms <= 0 THEN
        RAISE EXCEPTION 'p_owner_ids and p_now_ms must not be NULL, p_extend_ms must be positive and '
                        'p_idle_timeout_ms must not be negative' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_extend_ms', p_extend_ms, 1);
    PERFORM {schema}._sp_check_safe_integer('p_idle_timeout_ms', p_idle_timeout_ms, 0);

    UPDATE {schema}.sessions s
       SET locked_until = p_now_ms + p_extend_ms
     WHERE s.owner_id = ANY (p_owner_ids)
       AND s.locked_until > p_now_ms
       AND s.last_activity_at > p_now_ms - p_idle_timeout_ms;
    GET DIAGNOSTICS v_renewed = ROW_COUNT;
    RETURN v_renewed;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Deletes sessions whose lease expired and that no worker row (locked or not) references; returns how many. A later
-- item of a removed session claims it anew. p_idle_timeout_ms is accepted for the interface and not used (as in both
-- references): an expired lease is what makes a session removable.
-- @not-null
-- @required p_now_ms p_idle_timeout_ms
CREATE OR REPLACE FUNCTION {schema}.sp_cleanup_orphaned_sessions(p_now_ms BIGINT, p_idle_timeout_ms BIGINT)
RETURNS BIGINT AS $$
DECLARE
    v_removed BIGINT;
BEGIN
    IF p_now_ms IS NULL OR p_idle_timeout_ms IS NULL OR p_idle_timeout_ms < 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_idle_timeout_ms must not be negative'
            USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_idle_timeout_ms', p_idle_timeout_ms, 0);

    DELETE FROM {schema}.sessions s
     WHERE s.locked_until <= p_now_ms
       AND NOT EXISTS (SELECT 1 FROM {schema}.worker_queue w WHERE w.session_id = s.session_id);
    GET DIAGNOSTICS v_removed = ROW_COUNT;
    RETURN v_removed;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------------------------

-- Why a worker ack or renewal matched no live lock: a row still holding the token means its lock expired (DXW02);
-- no such row means the item is gone or was fetched again under a new token (DXW01).
CREATE OR REPLACE FUNCTION {schema}._sp_raise_worker_token_error(p_lock_token TEXT)
RETURNS VOID AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {schema}.worker_queue w WHERE w.lock_token = p_lock_token) THEN
        RAISE EXCEPTION 'Worker lock expired' USING ERRCODE = 'DXW02';
    END IF;
    RAISE EXCEPTION 'Worker queue item not found or already processed' USING ERRCODE = 'DXW01';
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Records activity on a session while its lease is live (ack and renewal piggyback, §3.2.6); NULL: no session.
CREATE OR REPLACE FUNCTION {schema}._sp_touch_session(p_session_id TEXT, p_now_ms BIGINT)
RETURNS VOID AS $$
BEGIN
    IF p_session_id IS NOT NULL THEN
        UPDATE {schema}.sessions s
           SET last_activity_at = p_now_ms
         WHERE s.session_id = p_session_id AND s.locked_until > p_now_ms;
    END IF;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
