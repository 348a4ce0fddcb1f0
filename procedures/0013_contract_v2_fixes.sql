-- Contract v2 fixes found while completing the validation catalogue (provider-contract-v2.md §4).
--
-- * sp_ack_orchestration_item (§3.25 race note): a first turn that creates a sub-orchestration's instance row now
--   takes FOR KEY SHARE on its parent's instances row before inserting it. Deletion locks the rows it deletes FOR
--   UPDATE (`_sp_check_deletable`), which conflicts with it, so the orphan check and a child's creation serialise:
--   either the child's ack commits first and the delete's orphan check (a later statement, a fresh snapshot) sees the
--   child (DXD02, or the child is part of the tree that sp_delete_instance deletes), or the delete commits first and
--   the child is created afterwards with a dangling parent_instance_id (accepted by §3.25; deleteInstancesAtomic
--   removes it). Before, the child's uncommitted row was invisible to the check and the parent could be deleted
--   under it. The lock is taken only while the child's parent link is still unset (the first turn): later turns
--   never touch the parent's row. Everything else is the ack as 0012 left it (0008's, with 0012's cheap key test
--   before the KV events' kind check).
--
-- Conventions as in 0008: `{schema}` qualifies every name, the function pins `search_path = pg_catalog, pg_temp`
-- and stays SECURITY DEFINER; same signature, so CREATE OR REPLACE replaces it in place.

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
        -- Creating the parent link: hold the parent's row (if it exists) against a concurrent delete, whose FOR
        -- UPDATE conflicts with this, until this turn commits (§3.25 race note).
        IF p_parent_instance_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM {schema}.instances c
                WHERE c.instance_id = v_instance_id AND c.parent_instance_id IS NOT NULL) THEN
            PERFORM 1 FROM {schema}.instances p WHERE p.instance_id = p_parent_instance_id FOR KEY SHARE;
        END IF;
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

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
