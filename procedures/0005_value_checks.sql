-- Value checks (issue 9): every id and time a procedure takes, or reads from a work item or event, lies in the
-- safe-integer range, and abandoning with a delay holds the instance until the delay ends.
--
-- * Ids and times are BIGINT here but JavaScript numbers in the client, exact only up to 2^53 - 1. A larger value
--   was stored and then failed to decode on every read: an instance whose execution id was 2^53 took the fetch lock
--   and could never be returned. The plain arguments are checked by `_sp_check_safe_integer` (times and delays from
--   0, lock timeouts and execution ids from 1), the ids and times inside work items and events by
--   `_sp_is_whole_bigint`, now capped at 2^53 - 1: a bad argument fails with 22023, an event id with DXE01 as before.
--   The NULL and sign checks of 0002 stay first, with their messages.
-- * Text cannot be checked here: PostgreSQL text holds no lone UTF-16 surrogates, the client's driver already replaced
--   them with U+FFFD. The generated client refuses such strings before sending (22023).
-- * `sp_abandon_orchestration_item` with a delay keeps the instance's lock row until the delay ends instead of
--   deleting it (contract §3.18).
--
-- 0002 and 0003 are applied and stay as they are: each function that changes is redefined whole, the same body
-- with the checks added, and keeps its annotations. Conventions as in 0002 (`{schema}`, `#variable_conflict
-- use_column`, `_sp_*` helpers); each call is still one statement and one transaction, so a failed call changes
-- nothing.
-- Every function here pins `search_path = pg_catalog, pg_temp` itself, so none resolves a name through the caller's
-- path even between this file and 0006 (which pins every function of the schema and makes the operations SECURITY
-- DEFINER).

-- Raises 22023 unless p_value (NULL passes: the NULL checks are the caller's) is a whole number from p_minimum to
-- 2^53 - 1, the largest integer a JavaScript number holds exactly.
CREATE OR REPLACE FUNCTION {schema}._sp_check_safe_integer(p_name TEXT, p_value BIGINT, p_minimum BIGINT)
RETURNS VOID AS $$
BEGIN
    IF p_value < p_minimum OR p_value > 9007199254740991 THEN
        RAISE EXCEPTION '% must be between % and 9007199254740991, got %', p_name, p_minimum, p_value
            USING ERRCODE = '22023';
    END IF;
END;
$$ LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Ids and times inside work items and events
-- ---------------------------------------------------------------------------------------------------------------

-- Whether a JSON value is a whole number from p_minimum to 2^53 - 1: runtime-assigned ids (event_id, execution_id:
-- minimum 1) and times (fire_at_ms: minimum 0). Checked before any ::bigint cast, so a bad value fails with a clear
-- error rather than a cast error; the cap keeps every stored id and time readable as a JavaScript number.
CREATE OR REPLACE FUNCTION {schema}._sp_is_whole_bigint(p_value JSONB, p_minimum NUMERIC)
RETURNS BOOLEAN AS $$
DECLARE
    v_number NUMERIC;
BEGIN
    IF jsonb_typeof(p_value) IS DISTINCT FROM 'number' THEN
        RETURN false;
    END IF;
    v_number := p_value::numeric;
    RETURN v_number >= p_minimum AND v_number = trunc(v_number) AND v_number <= 9007199254740991;
END;
$$ LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Reads
-- ---------------------------------------------------------------------------------------------------------------

-- The events of one execution, ordered by event_id; none when the execution has no history.
-- @not-null
-- @json event_data HistoryEvent
CREATE OR REPLACE FUNCTION {schema}.sp_read_history(p_instance_id TEXT, p_execution_id BIGINT)
RETURNS TABLE(event_data JSONB) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL OR p_execution_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id and p_execution_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_execution_id', p_execution_id, 1);
    RETURN QUERY
    SELECT h.event_data FROM {schema}.history h
     WHERE h.instance_id = p_instance_id AND h.execution_id = p_execution_id
     ORDER BY h.event_id;
END;
$$ LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp;

-- One execution with its number of history events.
-- @single-row
-- @not-null execution_id status started_at event_count
CREATE OR REPLACE FUNCTION {schema}.sp_get_execution_info(p_instance_id TEXT, p_execution_id BIGINT)
RETURNS TABLE(
    execution_id BIGINT,
    status TEXT,
    output TEXT,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    event_count BIGINT
) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL OR p_execution_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id and p_execution_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_execution_id', p_execution_id, 1);
    RETURN QUERY
    SELECT e.execution_id, e.status, e.output, e.started_at, e.completed_at,
           (SELECT count(*) FROM {schema}.history h
             WHERE h.instance_id = e.instance_id AND h.execution_id = e.execution_id)
      FROM {schema}.executions e
     WHERE e.instance_id = p_instance_id AND e.execution_id = p_execution_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Execution not found: % of instance %', p_execution_id, p_instance_id
            USING ERRCODE = 'P0002';
    END IF;
END;
$$ LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp;

-- Messages a fetch or dequeue could take now: visible and not under a live lock.
-- @single-row
-- @not-null
CREATE OR REPLACE FUNCTION {schema}.sp_get_queue_depths(p_now_ms BIGINT)
RETURNS TABLE(orchestrator_queue BIGINT, worker_queue BIGINT) AS $$
#variable_conflict use_column
BEGIN
    IF p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    RETURN QUERY
    SELECT (SELECT count(*) FROM {schema}.orchestrator_queue q
             WHERE q.visible_at <= p_now_ms
               AND (q.lock_token IS NULL OR q.locked_until <= p_now_ms)),
           (SELECT count(*) FROM {schema}.worker_queue w
             WHERE w.lock_token IS NULL OR w.locked_until <= p_now_ms);
END;
$$ LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Writes
-- ---------------------------------------------------------------------------------------------------------------

-- Enqueues one ActivityExecute, unlocked and immediately dequeuable; returns its queue id.
-- @not-null
-- @json p_work_item WorkItem
CREATE OR REPLACE FUNCTION {schema}.sp_enqueue_worker_work(p_work_item JSONB, p_now_ms BIGINT)
RETURNS BIGINT AS $$
BEGIN
    IF p_work_item IS NULL OR p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_work_item and p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    RETURN {schema}._sp_enqueue_worker_items(jsonb_build_array(p_work_item), p_now_ms);
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Appends events to one execution's history, all or nothing. A duplicate event id fails the whole call (23505);
-- an event without a positive event_id fails it with DXE01. An empty array does nothing.
-- @json p_events HistoryEvent[]
CREATE OR REPLACE FUNCTION {schema}.sp_append_history(
    p_instance_id TEXT,
    p_execution_id BIGINT,
    p_events JSONB,
    p_now_ms BIGINT
) RETURNS VOID AS $$
BEGIN
    IF COALESCE(p_instance_id, '') = '' THEN
        RAISE EXCEPTION 'p_instance_id must be a non-empty string' USING ERRCODE = '22023';
    END IF;
    IF p_execution_id IS NULL OR p_execution_id < 1 OR p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_execution_id must be >= 1 and p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_execution_id', p_execution_id, 1);
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_insert_history(p_instance_id, p_execution_id, p_events, p_now_ms);
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Enqueues one message for the instance it routes to (`parent_instance` for SubOrch* completions); returns its
-- queue id. A StartOrchestration for a new instance creates the instance (version "1.0.0" when none is given) and its
-- first execution in the same transaction. Visible at now + delay; a TimerFired not before its fire_at_ms.
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
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Worker queue
-- ---------------------------------------------------------------------------------------------------------------

-- Peek-locks the oldest available activity (unlocked, or its lock expired) with a fresh token. SKIP LOCKED is right
-- here: any available row is a valid answer, so skipping one another caller is taking never reports a false "empty".
-- @single-row
-- @not-null
-- @json work_item WorkItem
CREATE OR REPLACE FUNCTION {schema}.sp_dequeue_worker_peek_lock(p_now_ms BIGINT, p_lock_timeout_ms BIGINT)
RETURNS TABLE(id BIGINT, work_item JSONB, lock_token TEXT) AS $$
#variable_conflict use_column
BEGIN
    IF p_now_ms IS NULL OR p_lock_timeout_ms IS NULL OR p_lock_timeout_ms <= 0 THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_lock_timeout_ms', p_lock_timeout_ms, 1);
    RETURN QUERY
    WITH next AS (
        SELECT w.id FROM {schema}.worker_queue w
         WHERE w.lock_token IS NULL OR w.locked_until <= p_now_ms
         ORDER BY w.id
         LIMIT 1
           FOR UPDATE SKIP LOCKED)
    UPDATE {schema}.worker_queue w
       SET lock_token = gen_random_uuid()::text,
           locked_until = p_now_ms + p_lock_timeout_ms
      FROM next
     WHERE w.id = next.id
    RETURNING w.id, w.work_item, w.lock_token;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Completes a dequeued activity: deletes its row and enqueues the completion (ActivityCompleted or ActivityFailed)
-- for the instance the completion names, atomically. A token that matches nothing (already acked, or redelivered
-- under a new token after its lock expired) fails with DXW01 and enqueues nothing.
-- @json p_completion ActivityCompletion
CREATE OR REPLACE FUNCTION {schema}.sp_ack_worker(p_lock_token TEXT, p_completion JSONB, p_now_ms BIGINT)
RETURNS VOID AS $$
DECLARE
    v_kind TEXT := {schema}._sp_kind(p_completion);
BEGIN
    IF p_now_ms IS NULL THEN
        RAISE EXCEPTION 'p_now_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    IF v_kind IS NULL THEN
        RAISE EXCEPTION 'p_completion must be a JSON object with exactly one key naming its kind'
            USING ERRCODE = '22023';
    END IF;
    IF v_kind NOT IN ('ActivityCompleted', 'ActivityFailed') THEN
        RAISE EXCEPTION 'Invalid completion type: % (expected ActivityCompleted or ActivityFailed)', v_kind
            USING ERRCODE = 'DXI01';
    END IF;
    DELETE FROM {schema}.worker_queue w WHERE w.lock_token = p_lock_token;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Worker queue item not found or already processed' USING ERRCODE = 'DXW01';
    END IF;
    PERFORM {schema}._sp_enqueue_orchestrator_items(jsonb_build_array(p_completion), p_now_ms, 0);
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Orchestration turns
-- ---------------------------------------------------------------------------------------------------------------

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
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_lock_timeout_ms', p_lock_timeout_ms, 1);
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

-- Commits one orchestration turn atomically (contract §3.17): claims the lock (it must be live), records the
-- instance's name/version when given, creates the execution row (of an existing instance), moves the current-execution pointer forward,
-- appends the history delta (a duplicate event id fails everything), applies the status, enqueues worker and
-- orchestrator items (timers delayed until fire_at_ms, child instances created), deletes exactly the fetched batch
-- and releases the lock. Any error leaves everything as before: lock held, batch still tagged.
-- @json p_history_delta HistoryEvent[]
-- @json p_worker_items WorkItem[]
-- @json p_orchestrator_items WorkItem[]
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
    p_orchestration_version TEXT DEFAULT NULL
) RETURNS VOID AS $$
DECLARE
    v_instance_id TEXT;
    v_now TIMESTAMPTZ;
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
    v_now := to_timestamp(p_now_ms / 1000.0);

    -- Deleting the lock row first claims it: a concurrent ack with the same token waits here, then finds nothing.
    DELETE FROM {schema}.instance_locks l
     WHERE l.lock_token = p_lock_token AND l.locked_until > p_now_ms
    RETURNING l.instance_id INTO v_instance_id;
    IF v_instance_id IS NULL THEN
        IF EXISTS (SELECT 1 FROM {schema}.instance_locks l WHERE l.lock_token = p_lock_token) THEN
            RAISE EXCEPTION 'Invalid lock token: the lock expired' USING ERRCODE = 'DXL02';
        END IF;
        RAISE EXCEPTION 'Invalid lock token' USING ERRCODE = 'DXL01';
    END IF;

    IF p_orchestration_name IS NOT NULL AND p_orchestration_version IS NOT NULL THEN
        INSERT INTO {schema}.instances AS i (instance_id, orchestration_name, orchestration_version,
                                             current_execution_id, created_at, updated_at)
        VALUES (v_instance_id, p_orchestration_name, p_orchestration_version, p_execution_id, v_now, v_now)
        ON CONFLICT (instance_id) DO UPDATE
           SET orchestration_name = EXCLUDED.orchestration_name,
               orchestration_version = EXCLUDED.orchestration_version,
               current_execution_id = GREATEST(i.current_execution_id, EXCLUDED.current_execution_id),
               updated_at = EXCLUDED.updated_at;
    ELSE
        UPDATE {schema}.instances i
           SET current_execution_id = GREATEST(i.current_execution_id, p_execution_id),
               updated_at = v_now
         WHERE i.instance_id = v_instance_id;
    END IF;

    -- Only for an instance that exists: acking an orphan batch away must not leave a Running execution behind.
    INSERT INTO {schema}.executions (instance_id, execution_id, status, started_at)
    SELECT v_instance_id, p_execution_id, 'Running', v_now
     WHERE EXISTS (SELECT 1 FROM {schema}.instances i WHERE i.instance_id = v_instance_id)
    ON CONFLICT (instance_id, execution_id) DO NOTHING;

    PERFORM {schema}._sp_insert_history(v_instance_id, p_execution_id, p_history_delta, p_now_ms);

    IF p_status IS NOT NULL THEN
        UPDATE {schema}.executions e
           SET status = p_status,
               output = p_output,
               completed_at = CASE WHEN p_status = 'Running' THEN NULL ELSE v_now END
         WHERE e.instance_id = v_instance_id AND e.execution_id = p_execution_id;
    END IF;

    PERFORM {schema}._sp_enqueue_worker_items(p_worker_items, p_now_ms);
    PERFORM {schema}._sp_enqueue_orchestrator_items(p_orchestrator_items, p_now_ms, 0);

    -- Exactly the fetched batch: messages that arrived during the turn are untagged and stay.
    DELETE FROM {schema}.orchestrator_queue q WHERE q.lock_token = p_lock_token;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Gives a fetched batch back without committing a turn: releases the lock (expired or not, as long as no other fetch
-- took it) and untags the batch. With a positive delay the instance stays held until now + delay and every visible
-- message of it is hidden until then, so nothing of the instance — neither a message that arrived during the turn nor
-- one or a timer that becomes visible during the delay — is fetched alone ahead of the batch (contract §3.18).
-- Without a delay the instance is fetchable at once and visibility is left alone. Returns the instance id.
-- @not-null
CREATE OR REPLACE FUNCTION {schema}.sp_abandon_orchestration_item(
    p_lock_token TEXT,
    p_now_ms BIGINT,
    p_delay_ms BIGINT DEFAULT NULL
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

    IF p_delay_ms > 0 THEN
        -- The lock row stays until the delay ends, under a fresh token nobody is given: no fetch takes the instance
        -- before then, so a message or timer that becomes visible meanwhile waits for the batch. It expires like a lock.
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
       SET lock_token = NULL, locked_until = NULL
     WHERE q.lock_token = p_lock_token;

    IF p_delay_ms > 0 THEN
        UPDATE {schema}.orchestrator_queue q
           SET visible_at = p_now_ms + p_delay_ms
         WHERE q.instance_id = v_instance_id AND q.visible_at <= p_now_ms;
    END IF;
    RETURN v_instance_id;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;
