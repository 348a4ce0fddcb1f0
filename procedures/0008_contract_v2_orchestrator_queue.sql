-- Contract v2, part 2: the orchestrator queue (provider-contract-v2.md §3.3–§3.7).
--
-- * sp_fetch_orchestration_item: capability (pinned-version) filter, attempt counts, orphan batches (§3.2.3),
--   KV snapshot, and the history of the chosen execution.
-- * sp_ack_orchestration_item: instance rows only from name + version metadata, parent link, pinned version,
--   completed_at for every terminal status, custom status (§3.2.9), KV delta and merge (§3.2.8), worker items then
--   cancelled activities (§3.2.10), QueueMessage items, no rows for child starts, notifications.
-- * sp_abandon_orchestration_item: ignore_attempt, notification.
-- * sp_renew_orchestration_item_lock (new, DXL03).
-- * sp_enqueue_orchestrator_work: never creates rows, accepts QueueMessage, notifies.
--
-- Decisions (§7 and places the spec leaves to us):
-- * §7.3 Non-queue orphan batches are deferred by `p_orphan_retry_ms` (default 1000 ms, provider option
--   `orphanRetryMs`): untagged, their attempt increment undone, and hidden until now + that delay, so they neither
--   stall the head of the queue nor get lost; the fetch moves on to the next candidate. An orphan batch made only of
--   QueueMessage items is deleted (dropped by contract). Neither is ever returned, and neither makes a fetch report
--   "no work" while another instance is eligible.
-- * §7.5 Metadata with a name but no version creates and updates no instance row (as both references).
-- * §7.6 `completed_at` is set for Completed, Failed and ContinuedAsNew, NULL for Running.
-- * §7.7 Only the first capability range is used; the TypeScript layer passes it as the six p_min_*/p_max_*
--   arguments (all NULL = no filter) and answers an empty range list itself without a call.
-- * The orchestrator-start fallback of §3.2.3 step 3 describes a start without a version as "unknown" (v1 used
--   "1.0.0"): the runtime resolves the version it runs; the provider does not invent one.
--
-- Performance (issue 12), deliberate deviations from the letter of §3.3:
-- * `history` is returned as `json`, not `jsonb`: `jsonb_agg` over a 20,000-event history cost 169 ms server-side,
--   `json_agg` about half; the client parses JSON text either way (the generated client reads json and jsonb as text),
--   so the JSON the caller sees is the same. The stored column stays JSONB (§5.5: no cast can fail at fetch).
-- * Candidate selection excludes instances with a live lock through a hashed anti-join (`NOT IN` over the
--   instance_locks rows, built once per query) and skips rows of the batch tagged by a live lock, instead of probing
--   instance_locks for every waiting message of a locked instance.
-- * The per-candidate advisory lock is taken with pg_try_advisory_xact_lock: a candidate another fetcher is locking
--   right now is excluded at once instead of queueing behind it (concurrent fetchers no longer convoy on the oldest
--   candidate). This never produces a false "empty": whoever holds that advisory lock is about to lock the instance,
--   or finds it consumed, incompatible or orphaned — in every case it is not this fetch's to return.
-- * The advisory lock's first key is now `hashtext(<schema name>)` (`_sp_fetch_lock_class()`, redefined here, which
--   the inline baseline calls too), so equal instance ids in different tenant schemas do not serialise each other.
--
-- Conventions as in 0005/0007: `{schema}` qualifies every name, each function pins
-- `search_path = pg_catalog, pg_temp`, operations are SECURITY DEFINER, helpers SECURITY INVOKER; every call is one
-- statement and one transaction, so a failed call changes nothing. Changed signatures are dropped first.

DROP FUNCTION IF EXISTS {schema}.sp_fetch_orchestration_item(BIGINT, BIGINT);
DROP FUNCTION IF EXISTS {schema}.sp_ack_orchestration_item(TEXT, BIGINT, BIGINT, JSONB, JSONB, JSONB, TEXT, TEXT, TEXT,
                                                           TEXT);
DROP FUNCTION IF EXISTS {schema}.sp_abandon_orchestration_item(TEXT, BIGINT, BIGINT);

-- ---------------------------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------------------------

-- The first key of the fetch's two-key advisory lock (the second is hashtext(instance id)): the hash of this schema's
-- name, found through a table's row type, so tenants sharing a database never block each other's fetches.
CREATE OR REPLACE FUNCTION {schema}._sp_fetch_lock_class()
RETURNS INTEGER AS $$
    SELECT hashtext(n.nspname)
      FROM pg_catalog.pg_type t
      JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
     WHERE t.oid = pg_catalog.pg_typeof(NULL::{schema}.instances);
$$ LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp;

-- Enqueues orchestrator messages in array order; returns the id of the last one (NULL for an empty array).
-- Visibility: now + delay, and never before `fire_at_ms` for a TimerFired. v2: no instance or execution row is
-- created for any kind (the first ack creates the instance, §3.7); QueueMessage is accepted (routed by `instance`);
-- the orchestrator channel is notified with the earliest visible_at of the inserted rows.
CREATE OR REPLACE FUNCTION {schema}._sp_enqueue_orchestrator_items(p_items JSONB, p_now_ms BIGINT, p_delay_ms BIGINT)
RETURNS BIGINT AS $$
DECLARE
    v_bad RECORD;
    v_last_id BIGINT;
    v_first_visible BIGINT;
BEGIN
    IF p_items IS NULL OR jsonb_typeof(p_items) <> 'array' THEN
        RAISE EXCEPTION 'orchestrator items must be a JSON array' USING ERRCODE = '22023';
    END IF;

    SELECT v.kind, v.problem INTO v_bad
      FROM (SELECT e.ord, e.kind,
                   CASE
                       WHEN e.kind IS NULL THEN 'shape'
                       WHEN e.kind = 'ActivityExecute' THEN 'worker'
                       WHEN e.kind NOT IN ('StartOrchestration', 'ActivityCompleted', 'ActivityFailed', 'TimerFired',
                                           'ExternalRaised', 'SubOrchCompleted', 'SubOrchFailed', 'CancelInstance',
                                           'ContinueAsNew', 'QueueMessage') THEN 'kind'
                       WHEN COALESCE({schema}._sp_route(e.kind, e.item), '') = '' THEN 'instance'
                       WHEN e.kind = 'StartOrchestration'
                            AND COALESCE(e.item -> e.kind ->> 'orchestration', '') = '' THEN 'orchestration'
                       -- A missing or null execution_id means execution 1; anything else must be a valid id.
                       WHEN e.kind = 'StartOrchestration'
                            AND COALESCE(jsonb_typeof(e.item -> e.kind -> 'execution_id'), 'null') <> 'null'
                            AND NOT {schema}._sp_is_whole_bigint(e.item -> e.kind -> 'execution_id', 1)
                           THEN 'execution_id'
                       -- A missing or null fire_at_ms means "no due time": visible after the delay.
                       WHEN e.kind = 'TimerFired'
                            AND COALESCE(jsonb_typeof(e.item -> e.kind -> 'fire_at_ms'), 'null') <> 'null'
                            AND NOT {schema}._sp_is_whole_bigint(e.item -> e.kind -> 'fire_at_ms', 0)
                           THEN 'fire_at_ms'
                   END AS problem
              FROM (SELECT {schema}._sp_kind(a.item) AS kind, a.item, a.ord
                      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS a(item, ord)) e) v
     WHERE v.problem IS NOT NULL
     ORDER BY v.ord
     LIMIT 1;
    IF v_bad.problem = 'shape' THEN
        RAISE EXCEPTION 'each work item must be a JSON object with exactly one key naming its kind'
            USING ERRCODE = '22023';
    ELSIF v_bad.problem = 'worker' THEN
        RAISE EXCEPTION 'ActivityExecute should go to worker queue, not orchestrator queue' USING ERRCODE = 'DXI01';
    ELSIF v_bad.problem = 'kind' THEN
        RAISE EXCEPTION 'Unknown work item kind for the orchestrator queue: %', v_bad.kind USING ERRCODE = 'DXI01';
    ELSIF v_bad.problem = 'instance' THEN
        RAISE EXCEPTION '% work item has no target instance', v_bad.kind USING ERRCODE = '22023';
    ELSIF v_bad.problem = 'orchestration' THEN
        RAISE EXCEPTION 'StartOrchestration needs an orchestration name' USING ERRCODE = '22023';
    ELSIF v_bad.problem = 'execution_id' THEN
        RAISE EXCEPTION 'StartOrchestration execution_id must be a positive integer' USING ERRCODE = '22023';
    ELSIF v_bad.problem = 'fire_at_ms' THEN
        RAISE EXCEPTION 'TimerFired fire_at_ms must be a non-negative integer' USING ERRCODE = '22023';
    END IF;

    WITH inserted AS (
        INSERT INTO {schema}.orchestrator_queue (instance_id, work_item, visible_at, attempt_count, created_at)
        SELECT {schema}._sp_route(e.kind, e.item),
               e.item,
               GREATEST(p_now_ms + COALESCE(p_delay_ms, 0),
                        CASE WHEN e.kind = 'TimerFired'
                             THEN COALESCE((e.item -> e.kind ->> 'fire_at_ms')::bigint, 0) ELSE 0 END),
               0,
               to_timestamp(p_now_ms / 1000.0)
          FROM (SELECT {schema}._sp_kind(a.item) AS kind, a.item, a.ord
                  FROM jsonb_array_elements(p_items) WITH ORDINALITY AS a(item, ord)) e
         ORDER BY e.ord
        RETURNING id, visible_at)
    SELECT max(id), min(visible_at) INTO v_last_id, v_first_visible FROM inserted;
    IF v_first_visible IS NOT NULL THEN
        PERFORM {schema}._sp_notify('orch', v_first_visible);
    END IF;
    RETURN v_last_id;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Whether an instance's current execution may be fetched under a capability filter (§3.2.4): no filter, no
-- instance/execution row yet, no pinned version (NULL = compatible), or a pinned version inside [min, max] compared
-- as a row (never packed into one integer).
CREATE OR REPLACE FUNCTION {schema}._sp_version_compatible(
    p_instance_id TEXT,
    p_min_major INT, p_min_minor INT, p_min_patch INT,
    p_max_major INT, p_max_minor INT, p_max_patch INT
) RETURNS BOOLEAN AS $$
    SELECT p_min_major IS NULL
        OR NOT EXISTS (
            SELECT 1
              FROM {schema}.instances i
              JOIN {schema}.executions e
                ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id
             WHERE i.instance_id = p_instance_id
               AND e.pinned_version_major IS NOT NULL
               AND NOT ((e.pinned_version_major, e.pinned_version_minor, e.pinned_version_patch)
                            >= (p_min_major, p_min_minor, p_min_patch)
                        AND (e.pinned_version_major, e.pinned_version_minor, e.pinned_version_patch)
                            <= (p_max_major, p_max_minor, p_max_patch)));
$$ LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Fetch
-- ---------------------------------------------------------------------------------------------------------------

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
        -- Oldest visible message of an instance without a live lock, skipping instances already tried; the live
        -- locks are collected once (hashed anti-join), not probed per waiting message.
        v_candidate := NULL;
        SELECT q.instance_id INTO v_candidate
          FROM {schema}.orchestrator_queue q
         WHERE q.visible_at <= p_now_ms
           AND (q.lock_token IS NULL OR q.locked_until <= p_now_ms)
           AND q.instance_id <> ALL (v_tried)
           AND q.instance_id NOT IN (SELECT l.instance_id FROM {schema}.instance_locks l
                                      WHERE l.locked_until > p_now_ms)
           AND (p_min_major IS NULL
                OR {schema}._sp_version_compatible(q.instance_id, p_min_major, p_min_minor, p_min_patch,
                                                   p_max_major, p_max_minor, p_max_patch))
         ORDER BY q.visible_at, q.id
         LIMIT 1;
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
-- Ack
-- ---------------------------------------------------------------------------------------------------------------

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
         WHERE {schema}._sp_kind(d.item) IN ('KeyValueSet', 'KeyValueCleared', 'KeyValuesCleared')
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
-- Abandon, renew
-- ---------------------------------------------------------------------------------------------------------------

-- Gives a fetched batch back without committing a turn: releases the lock (expired or not, as long as no other fetch
-- took it) and untags the batch; with p_ignore_attempt the batch's attempt counts go back by one (floor 0). With a
-- positive delay the instance stays held until now + delay and every visible message of it is hidden until then (as
-- 0005). Notifies the orchestrator channel for the time the instance becomes fetchable. Returns the instance id.
-- @not-null
-- @required p_lock_token p_now_ms
CREATE OR REPLACE FUNCTION {schema}.sp_abandon_orchestration_item(
    p_lock_token TEXT,
    p_now_ms BIGINT,
    p_delay_ms BIGINT DEFAULT NULL,
    p_ignore_attempt BOOLEAN DEFAULT FALSE
) RETURNS TEXT AS $$
DECLARE
    v_instance_id TEXT;
BEGIN
    IF p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF p_delay_ms < 0 THEN
        RAISE EXCEPTION 'p_delay_ms must not be negative' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_delay_ms', p_delay_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_now_ms + p_delay_ms', p_now_ms + COALESCE(p_delay_ms, 0), 0);

    IF p_delay_ms > 0 THEN
        -- The lock row stays until the delay ends, under a fresh token nobody is given (see 0005).
        UPDATE {schema}.instance_locks l
           SET lock_token = gen_random_uuid()::text, locked_until = p_now_ms + p_delay_ms, locked_at = p_now_ms
         WHERE l.lock_token = p_lock_token
        RETURNING l.instance_id INTO v_instance_id;
    ELSE
        DELETE FROM {schema}.instance_locks l WHERE l.lock_token = p_lock_token
        RETURNING l.instance_id INTO v_instance_id;
    END IF;
    IF v_instance_id IS NULL THEN
        RAISE EXCEPTION 'Invalid lock token' USING ERRCODE = 'DXL01';
    END IF;

    UPDATE {schema}.orchestrator_queue q
       SET lock_token = NULL,
           locked_until = NULL,
           attempt_count = CASE WHEN p_ignore_attempt THEN GREATEST(q.attempt_count - 1, 0) ELSE q.attempt_count END
     WHERE q.lock_token = p_lock_token;

    IF p_delay_ms > 0 THEN
        UPDATE {schema}.orchestrator_queue q
           SET visible_at = p_now_ms + p_delay_ms
         WHERE q.instance_id = v_instance_id AND q.visible_at <= p_now_ms;
    END IF;
    PERFORM {schema}._sp_notify('orch', p_now_ms + COALESCE(p_delay_ms, 0));
    RETURN v_instance_id;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Extends a live orchestration lock to now + p_extend_ms (which may be earlier than the current expiry: the runtime
-- always passes its full timeout), together with the tags of its batch. A token that is unknown, expired, acked or
-- abandoned fails with DXL03. Idempotent.
-- @required p_lock_token p_now_ms p_extend_ms
CREATE OR REPLACE FUNCTION {schema}.sp_renew_orchestration_item_lock(
    p_lock_token TEXT,
    p_now_ms BIGINT,
    p_extend_ms BIGINT
) RETURNS VOID AS $$
DECLARE
    v_locked_until BIGINT;
BEGIN
    IF p_now_ms IS NULL OR p_extend_ms IS NULL OR p_extend_ms <= 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_extend_ms must be positive' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_extend_ms', p_extend_ms, 1);
    v_locked_until := p_now_ms + p_extend_ms;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms + p_extend_ms', v_locked_until, 0);

    UPDATE {schema}.instance_locks l
       SET locked_until = v_locked_until
     WHERE l.lock_token = p_lock_token AND l.locked_until > p_now_ms;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Lock token invalid, expired, or already released' USING ERRCODE = 'DXL03';
    END IF;
    UPDATE {schema}.orchestrator_queue q SET locked_until = v_locked_until WHERE q.lock_token = p_lock_token;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Enqueue
-- ---------------------------------------------------------------------------------------------------------------

-- Enqueues one message for the instance it routes to (`parent_instance` for SubOrch* completions, `instance`
-- otherwise, QueueMessage included); returns its queue id. Never creates an instance or execution row: a client
-- start becomes an instance only through its first ack (§3.7). Visible at now + delay; a TimerFired not before its
-- fire_at_ms. Notifies the orchestrator channel with the row's visible_at.
-- @not-null
-- @json p_work_item WorkItem
CREATE OR REPLACE FUNCTION {schema}.sp_enqueue_orchestrator_work(
    p_work_item JSONB,
    p_now_ms BIGINT,
    p_delay_ms BIGINT DEFAULT NULL
) RETURNS BIGINT AS $$
BEGIN
    IF p_work_item IS NULL OR p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_work_item and p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF p_delay_ms < 0 THEN
        RAISE EXCEPTION 'p_delay_ms must not be negative' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_delay_ms', p_delay_ms, 0);
    RETURN {schema}._sp_enqueue_orchestrator_items(jsonb_build_array(p_work_item), p_now_ms, p_delay_ms);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
