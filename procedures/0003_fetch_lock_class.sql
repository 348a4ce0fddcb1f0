-- The advisory-lock class of sp_fetch_orchestration_item as a function of its own.
--
-- Fetchers of both implementations — this procedure and the provider's inline-SQL baseline — must take the same
-- advisory lock on a candidate instance, or a fetch of one could lock an instance a fetch of the other is locking.
-- The key was a literal in 0002 and a copy of it in the inline code; it is now written only here, and both call
-- `_sp_fetch_lock_class()`. 0002 is applied and stays as it is: this file redefines the fetch with the same body
-- except for the key. Conventions as in 0002 (`{schema}`, `#variable_conflict use_column`, `_sp_*` helpers).
-- Every function here pins `search_path = pg_catalog, pg_temp` itself, so none resolves a name through the caller's
-- path even between this file and 0006 (which pins every function of the schema and makes the operations SECURITY
-- DEFINER).

-- The first key of the two-key advisory lock a fetch takes on a candidate instance (the second is the instance id's
-- hashtext). The two-key form keeps these keys apart from single-bigint advisory locks other code may take.
CREATE OR REPLACE FUNCTION {schema}._sp_fetch_lock_class()
RETURNS INTEGER AS $$
BEGIN
    RETURN 20251104;
END;
$$ LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp;

-- Locks one instance that has visible messages and no live lock, tags all its visible messages as the batch, and
-- returns them (id order) with the instance's current history (event_id order) and a fresh lock token. Zero rows
-- means no instance is eligible; losing a race for a candidate moves on to the next one.
--
-- Each attempt runs in its own subtransaction so that a lost candidate's locks are released before the next
-- attempt: a fetch never holds one instance while waiting for another (no lock cycles between fetchers).
-- Within an attempt the order is: advisory lock on the instance (serializes fetchers of that instance), then the
-- instance_locks row, then the message rows — and the messages are re-read after the lock is taken, because
-- another turn may have consumed them in the meantime.
-- @single-row
-- @not-null
-- @json history HistoryEvent[]
-- @json messages WorkItem[]
CREATE OR REPLACE FUNCTION {schema}.sp_fetch_orchestration_item(p_now_ms BIGINT, p_lock_timeout_ms BIGINT)
RETURNS TABLE(
    instance_id TEXT,
    orchestration_name TEXT,
    orchestration_version TEXT,
    execution_id BIGINT,
    history JSONB,
    messages JSONB,
    lock_token TEXT
) AS $$
#variable_conflict use_column
DECLARE
    v_tried TEXT[] := ARRAY[]::TEXT[];
    v_candidate TEXT;
    v_token TEXT := gen_random_uuid()::text;
    v_locked_until BIGINT;
    v_messages JSONB;
    v_acquired BOOLEAN := false;
    v_name TEXT;
    v_version TEXT;
    v_execution_id BIGINT;
    v_start JSONB;
BEGIN
    IF p_now_ms IS NULL OR p_lock_timeout_ms IS NULL OR p_lock_timeout_ms <= 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive' USING ERRCODE = '22023';
    END IF;
    v_locked_until := p_now_ms + p_lock_timeout_ms;

    LOOP
        -- Oldest visible message of an instance without a live lock, skipping instances already tried.
        v_candidate := NULL;
        SELECT q.instance_id INTO v_candidate
          FROM {schema}.orchestrator_queue q
         WHERE q.visible_at <= p_now_ms
           AND NOT (q.instance_id = ANY (v_tried))
           AND NOT EXISTS (SELECT 1 FROM {schema}.instance_locks l
                            WHERE l.instance_id = q.instance_id AND l.locked_until > p_now_ms)
         ORDER BY q.visible_at, q.id
         LIMIT 1;
        IF v_candidate IS NULL THEN
            RETURN;
        END IF;
        v_tried := v_tried || v_candidate;

        BEGIN
            PERFORM pg_advisory_xact_lock({schema}._sp_fetch_lock_class(), hashtext(v_candidate));

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

            -- Tags replace stale ones left by an expired or abandoned fetch.
            WITH tagged AS (
                UPDATE {schema}.orchestrator_queue q
                   SET lock_token = v_token, locked_until = v_locked_until
                 WHERE q.instance_id = v_candidate
                   AND q.visible_at <= p_now_ms
                   AND (q.lock_token IS NULL OR q.locked_until <= p_now_ms)
                RETURNING q.id, q.work_item)
            SELECT jsonb_agg(t.work_item ORDER BY t.id) INTO v_messages FROM tagged t;
            IF v_messages IS NULL THEN
                RAISE EXCEPTION 'candidate has no messages left' USING ERRCODE = 'DXF01';
            END IF;
            v_acquired := true;
        EXCEPTION WHEN SQLSTATE 'DXF01' THEN
            -- Rolled back to the start of the attempt: its locks are released; try the next candidate.
            v_acquired := false;
        END;
        EXIT WHEN v_acquired;
    END LOOP;

    SELECT i.orchestration_name, COALESCE(i.orchestration_version, 'unknown'), i.current_execution_id
      INTO v_name, v_version, v_execution_id
      FROM {schema}.instances i
     WHERE i.instance_id = v_candidate;

    IF NOT FOUND THEN
        -- Messages for an instance without a row: describe it from the batch or its history, and still return it,
        -- so the runtime acks the orphans away instead of them blocking the head of the queue (contract §5.8).
        SELECT m.item INTO v_start
          FROM jsonb_array_elements(v_messages) WITH ORDINALITY AS m(item, ord)
         WHERE {schema}._sp_kind(m.item) IN ('StartOrchestration', 'ContinueAsNew')
         ORDER BY m.ord
         LIMIT 1;
        IF v_start ? 'StartOrchestration' THEN
            v_name := v_start -> 'StartOrchestration' ->> 'orchestration';
            v_version := COALESCE(v_start -> 'StartOrchestration' ->> 'version', '1.0.0');
            v_execution_id := COALESCE((v_start -> 'StartOrchestration' ->> 'execution_id')::bigint, 1);
        ELSIF v_start ? 'ContinueAsNew' THEN
            v_name := v_start -> 'ContinueAsNew' ->> 'orchestration';
            v_version := COALESCE(v_start -> 'ContinueAsNew' ->> 'version', '1.0.0');
            v_execution_id := 1;
        ELSE
            SELECT h.event_data -> 'OrchestrationStarted' ->> 'name',
                   COALESCE(h.event_data -> 'OrchestrationStarted' ->> 'version', 'unknown'),
                   h.execution_id
              INTO v_name, v_version, v_execution_id
              FROM {schema}.history h
             WHERE h.instance_id = v_candidate AND h.event_type = 'OrchestrationStarted'
             ORDER BY h.execution_id DESC, h.event_id
             LIMIT 1;
        END IF;
    END IF;

    RETURN QUERY
    SELECT v_candidate,
           COALESCE(v_name, 'Unknown'),
           COALESCE(v_version, 'unknown'),
           COALESCE(v_execution_id, 1),
           COALESCE((SELECT jsonb_agg(h.event_data ORDER BY h.event_id)
                       FROM {schema}.history h
                      WHERE h.instance_id = v_candidate
                        AND h.execution_id = COALESCE(v_execution_id, 1)), '[]'::jsonb),
           v_messages,
           v_token;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;
