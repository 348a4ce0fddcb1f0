-- Every operation of the provider contract (§3) as one PL/pgSQL function: one call = one statement = one
-- transaction, so any RAISE rolls back everything the call did.
--
-- Conventions
-- * `{schema}` is the tenant schema; the migration runner substitutes the quoted identifier.
-- * Times come from the caller (`p_now_ms`, epoch milliseconds), never from the database clock (contract §3.0).
-- * Work items and events are the contract's externally tagged JSON (§2): one key naming the kind, e.g.
--   {"StartOrchestration": {...}}. The procedures read the kind, the routing instance, `fire_at_ms` and `event_id`;
--   nothing else of the payload.
-- * `#variable_conflict use_column`: inside a function with RETURNS TABLE(instance_id ...), a bare `instance_id`
--   in a query means the table column, not the output variable.
-- * Stable errors (SQLSTATE, message):
--     DXL01 Invalid lock token                      unknown token (ack, abandon)
--     DXL02 Invalid lock token: the lock expired     ack after the lock's expiry
--     DXE01 event_id must be set by runtime         an event without a positive event_id
--     23505 Duplicate event_id ...                  an event id already in the history (or twice in one call)
--     DXW01 Worker queue item not found or already processed
--     DXI01 a work item of the wrong kind for its queue
--     22023 invalid argument (NULL or empty where a value is required, malformed JSON shape)
--     P0002 Instance not found / Execution not found (management reads)
--   (DXF01 is internal: raised and caught inside sp_fetch_orchestration_item to roll back a lost attempt.)
-- * Helpers shared by several procedures are named `_sp_*` (internal; no client wrapper is generated for them).

-- ---------------------------------------------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------------------------------------------

-- The kind of a work item or event: its single key, when the value is a JSON object whose value is an object.
CREATE OR REPLACE FUNCTION {schema}._sp_kind(p_item JSONB)
RETURNS TEXT AS $$
BEGIN
    IF jsonb_typeof(p_item) IS DISTINCT FROM 'object' THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT CASE WHEN count(*) = 1 AND jsonb_typeof(p_item -> min(k)) = 'object' THEN min(k) END
            FROM jsonb_object_keys(p_item) AS k);
END;
$$ LANGUAGE plpgsql IMMUTABLE;

-- The instance whose orchestrator queue a work item goes to: `instance`, or `parent_instance` for sub-orchestration
-- completions (contract §2.3). NULL unless that field is a JSON string: `->>` would turn a number or an object into
-- text and queue the message for an instance nobody will ever fetch.
CREATE OR REPLACE FUNCTION {schema}._sp_route(p_kind TEXT, p_item JSONB)
RETURNS TEXT AS $$
DECLARE
    v_target JSONB := p_item -> p_kind -> CASE WHEN p_kind IN ('SubOrchCompleted', 'SubOrchFailed')
                                               THEN 'parent_instance' ELSE 'instance' END;
BEGIN
    IF jsonb_typeof(v_target) IS DISTINCT FROM 'string' THEN
        RETURN NULL;
    END IF;
    RETURN v_target #>> '{}';
END;
$$ LANGUAGE plpgsql IMMUTABLE;

-- Whether a JSON value is a whole number >= p_minimum that fits a BIGINT: runtime-assigned ids (event_id,
-- execution_id: minimum 1) and times (fire_at_ms: minimum 0). Checked before any ::bigint cast, so a bad value fails
-- with a clear error rather than a cast error.
CREATE OR REPLACE FUNCTION {schema}._sp_is_whole_bigint(p_value JSONB, p_minimum NUMERIC)
RETURNS BOOLEAN AS $$
DECLARE
    v_number NUMERIC;
BEGIN
    IF jsonb_typeof(p_value) IS DISTINCT FROM 'number' THEN
        RETURN false;
    END IF;
    v_number := p_value::numeric;
    RETURN v_number >= p_minimum AND v_number = trunc(v_number) AND v_number <= 9223372036854775807;
END;
$$ LANGUAGE plpgsql IMMUTABLE;

-- The execution that reads and fetches treat as current: the instance's pointer, else the highest execution or
-- history row (instances written only through sp_append_history have no instances row).
CREATE OR REPLACE FUNCTION {schema}._sp_latest_execution_id(p_instance_id TEXT)
RETURNS BIGINT AS $$
BEGIN
    RETURN COALESCE(
        (SELECT i.current_execution_id FROM {schema}.instances i WHERE i.instance_id = p_instance_id),
        (SELECT max(e.execution_id) FROM {schema}.executions e WHERE e.instance_id = p_instance_id),
        (SELECT max(h.execution_id) FROM {schema}.history h WHERE h.instance_id = p_instance_id));
END;
$$ LANGUAGE plpgsql STABLE;

-- Appends events to one execution's history in one statement, all or nothing.
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

    SELECT v.problem INTO v_problem
      FROM (SELECT e.ord,
                   CASE
                       WHEN k.kind IS NULL THEN 'shape'
                       WHEN NOT {schema}._sp_is_whole_bigint(e.item -> k.kind -> 'event_id', 1) THEN 'event_id'
                   END AS problem
              FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(item, ord)
             CROSS JOIN LATERAL (SELECT {schema}._sp_kind(e.item) AS kind) k) v
     WHERE v.problem IS NOT NULL
     ORDER BY v.ord
     LIMIT 1;
    IF v_problem = 'shape' THEN
        RAISE EXCEPTION 'each event must be a JSON object with exactly one key naming its kind'
            USING ERRCODE = '22023';
    ELSIF v_problem = 'event_id' THEN
        RAISE EXCEPTION 'event_id must be set by runtime' USING ERRCODE = 'DXE01',
            DETAIL = 'every event needs a positive integer event_id';
    END IF;

    -- Checked here for a clear message; the primary key still rejects a concurrent duplicate (also 23505).
    SELECT n.event_id INTO v_duplicate
      FROM (SELECT (e.item -> {schema}._sp_kind(e.item) ->> 'event_id')::bigint AS event_id
              FROM jsonb_array_elements(p_events) AS e(item)) n
     GROUP BY n.event_id
    HAVING count(*) > 1
        OR EXISTS (SELECT 1 FROM {schema}.history h
                    WHERE h.instance_id = p_instance_id AND h.execution_id = p_execution_id
                      AND h.event_id = n.event_id)
     ORDER BY n.event_id
     LIMIT 1;
    IF v_duplicate IS NOT NULL THEN
        RAISE EXCEPTION 'Duplicate event_id % in execution % of instance %', v_duplicate, p_execution_id, p_instance_id
            USING ERRCODE = '23505';
    END IF;

    INSERT INTO {schema}.history (instance_id, execution_id, event_id, event_type, event_data, created_at)
    SELECT p_instance_id,
           p_execution_id,
           (e.item -> {schema}._sp_kind(e.item) ->> 'event_id')::bigint,
           {schema}._sp_kind(e.item),
           e.item,
           to_timestamp(p_now_ms / 1000.0)
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(item, ord)
     ORDER BY e.ord;
END;
$$ LANGUAGE plpgsql;

-- Enqueues ActivityExecute items in array order; returns the id of the last one (NULL for an empty array).
CREATE OR REPLACE FUNCTION {schema}._sp_enqueue_worker_items(p_items JSONB, p_now_ms BIGINT)
RETURNS BIGINT AS $$
DECLARE
    v_kind TEXT;
    v_last_id BIGINT;
BEGIN
    IF p_items IS NULL OR jsonb_typeof(p_items) <> 'array' THEN
        RAISE EXCEPTION 'worker items must be a JSON array' USING ERRCODE = '22023';
    END IF;
    SELECT COALESCE({schema}._sp_kind(e.item), '') INTO v_kind
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e(item, ord)
     WHERE {schema}._sp_kind(e.item) IS DISTINCT FROM 'ActivityExecute'
     ORDER BY e.ord
     LIMIT 1;
    IF v_kind = '' THEN
        RAISE EXCEPTION 'each work item must be a JSON object with exactly one key naming its kind'
            USING ERRCODE = '22023';
    ELSIF v_kind IS NOT NULL THEN
        RAISE EXCEPTION 'Only ActivityExecute goes to the worker queue, not %', v_kind USING ERRCODE = 'DXI01';
    END IF;

    WITH inserted AS (
        INSERT INTO {schema}.worker_queue (work_item, created_at)
        SELECT e.item, to_timestamp(p_now_ms / 1000.0)
          FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e(item, ord)
         ORDER BY e.ord
        RETURNING id)
    SELECT max(id) INTO v_last_id FROM inserted;
    RETURN v_last_id;
END;
$$ LANGUAGE plpgsql;

-- Enqueues orchestrator messages in array order; returns the id of the last one (NULL for an empty array).
-- Visibility: now + delay, and never before `fire_at_ms` for a TimerFired (contract §3.15, §3.17 step 9).
-- A StartOrchestration creates its instance (and that instance's first execution) when the instance is new.
CREATE OR REPLACE FUNCTION {schema}._sp_enqueue_orchestrator_items(p_items JSONB, p_now_ms BIGINT, p_delay_ms BIGINT)
RETURNS BIGINT AS $$
DECLARE
    v_bad RECORD;
    v_last_id BIGINT;
    v_now TIMESTAMPTZ := to_timestamp(p_now_ms / 1000.0);
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
                                           'ContinueAsNew') THEN 'kind'
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

    -- A second start for an existing instance is legal and leaves the instance untouched (contract §3.15).
    WITH starts AS (
        SELECT DISTINCT ON (a.item -> 'StartOrchestration' ->> 'instance')
               a.item -> 'StartOrchestration' AS start
          FROM jsonb_array_elements(p_items) WITH ORDINALITY AS a(item, ord)
         WHERE a.item ? 'StartOrchestration'
         ORDER BY a.item -> 'StartOrchestration' ->> 'instance', a.ord),
    created AS (
        INSERT INTO {schema}.instances AS i (instance_id, orchestration_name, orchestration_version,
                                             current_execution_id, created_at, updated_at)
        SELECT s.start ->> 'instance',
               s.start ->> 'orchestration',
               COALESCE(s.start ->> 'version', '1.0.0'),
               COALESCE((s.start ->> 'execution_id')::bigint, 1),
               v_now,
               v_now
          FROM starts s
        ON CONFLICT (instance_id) DO NOTHING
        RETURNING i.instance_id, i.current_execution_id)
    INSERT INTO {schema}.executions (instance_id, execution_id, status, started_at)
    SELECT c.instance_id, c.current_execution_id, 'Running', v_now
      FROM created c
    ON CONFLICT (instance_id, execution_id) DO NOTHING;

    WITH inserted AS (
        INSERT INTO {schema}.orchestrator_queue (instance_id, work_item, visible_at, created_at)
        SELECT {schema}._sp_route(e.kind, e.item),
               e.item,
               GREATEST(p_now_ms + COALESCE(p_delay_ms, 0),
                        CASE WHEN e.kind = 'TimerFired'
                             THEN COALESCE((e.item -> e.kind ->> 'fire_at_ms')::bigint, 0) ELSE 0 END),
               v_now
          FROM (SELECT {schema}._sp_kind(a.item) AS kind, a.item, a.ord
                  FROM jsonb_array_elements(p_items) WITH ORDINALITY AS a(item, ord)) e
         ORDER BY e.ord
        RETURNING id)
    SELECT max(id) INTO v_last_id FROM inserted;
    RETURN v_last_id;
END;
$$ LANGUAGE plpgsql;

-- ---------------------------------------------------------------------------------------------------------------
-- Reads
-- ---------------------------------------------------------------------------------------------------------------

-- All instances, newest first.
-- @not-null
CREATE OR REPLACE FUNCTION {schema}.sp_list_instances()
RETURNS TABLE(instance_id TEXT) AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT i.instance_id FROM {schema}.instances i ORDER BY i.created_at DESC, i.instance_id;
END;
$$ LANGUAGE plpgsql STABLE;

-- The executions of an instance in ascending order; none for an unknown instance.
-- @not-null
CREATE OR REPLACE FUNCTION {schema}.sp_list_executions(p_instance_id TEXT)
RETURNS TABLE(execution_id BIGINT) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT e.execution_id FROM {schema}.executions e
     WHERE e.instance_id = p_instance_id
     ORDER BY e.execution_id;
END;
$$ LANGUAGE plpgsql STABLE;

-- The instance's current execution id, or NULL for an unknown instance. On the hot path: one index lookup.
CREATE OR REPLACE FUNCTION {schema}.sp_get_latest_execution_id(p_instance_id TEXT)
RETURNS BIGINT AS $$
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN {schema}._sp_latest_execution_id(p_instance_id);
END;
$$ LANGUAGE plpgsql STABLE;

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
    RETURN QUERY
    SELECT h.event_data FROM {schema}.history h
     WHERE h.instance_id = p_instance_id AND h.execution_id = p_execution_id
     ORDER BY h.event_id;
END;
$$ LANGUAGE plpgsql STABLE;

-- The events of the instance's current execution only (never several executions), ordered by event_id.
-- @not-null
-- @json event_data HistoryEvent
CREATE OR REPLACE FUNCTION {schema}.sp_read_current_history(p_instance_id TEXT)
RETURNS TABLE(event_data JSONB) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT h.event_data FROM {schema}.history h
     WHERE h.instance_id = p_instance_id
       AND h.execution_id = {schema}._sp_latest_execution_id(p_instance_id)
     ORDER BY h.event_id;
END;
$$ LANGUAGE plpgsql STABLE;

-- ---------------------------------------------------------------------------------------------------------------
-- Joins
-- ---------------------------------------------------------------------------------------------------------------

-- An instance with the status and output of its current execution ('Running' while that execution has no row).
-- @single-row
-- @not-null instance_id orchestration_name current_execution_id created_at updated_at status
CREATE OR REPLACE FUNCTION {schema}.sp_get_instance_info(p_instance_id TEXT)
RETURNS TABLE(
    instance_id TEXT,
    orchestration_name TEXT,
    orchestration_version TEXT,
    current_execution_id BIGINT,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    status TEXT,
    output TEXT
) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT i.instance_id, i.orchestration_name, i.orchestration_version, i.current_execution_id,
           i.created_at, i.updated_at, COALESCE(e.status, 'Running'), e.output
      FROM {schema}.instances i
      LEFT JOIN {schema}.executions e
        ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id
     WHERE i.instance_id = p_instance_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Instance not found: %', p_instance_id USING ERRCODE = 'P0002';
    END IF;
END;
$$ LANGUAGE plpgsql STABLE;

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
$$ LANGUAGE plpgsql STABLE;

-- Instances whose current execution has this exact status (Running, Completed, Failed, ContinuedAsNew), newest first.
-- @not-null
CREATE OR REPLACE FUNCTION {schema}.sp_list_instances_by_status(p_status TEXT)
RETURNS TABLE(instance_id TEXT) AS $$
#variable_conflict use_column
BEGIN
    IF p_status IS NULL THEN
        RAISE EXCEPTION 'p_status must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT i.instance_id
      FROM {schema}.instances i
      LEFT JOIN {schema}.executions e
        ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id
     WHERE COALESCE(e.status, 'Running') = p_status
     ORDER BY i.created_at DESC, i.instance_id;
END;
$$ LANGUAGE plpgsql STABLE;

-- ---------------------------------------------------------------------------------------------------------------
-- Aggregates
-- ---------------------------------------------------------------------------------------------------------------

-- Counts over the whole store in one round trip; running/completed/failed count instances by current execution.
-- @single-row
-- @not-null
CREATE OR REPLACE FUNCTION {schema}.sp_get_system_metrics()
RETURNS TABLE(
    total_instances BIGINT,
    total_executions BIGINT,
    running_instances BIGINT,
    completed_instances BIGINT,
    failed_instances BIGINT,
    total_events BIGINT
) AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT s.total_instances,
           (SELECT count(*) FROM {schema}.executions),
           s.running, s.completed, s.failed,
           (SELECT count(*) FROM {schema}.history)
      FROM (SELECT count(*) AS total_instances,
                   count(*) FILTER (WHERE COALESCE(e.status, 'Running') = 'Running') AS running,
                   count(*) FILTER (WHERE e.status = 'Completed') AS completed,
                   count(*) FILTER (WHERE e.status = 'Failed') AS failed
              FROM {schema}.instances i
              LEFT JOIN {schema}.executions e
                ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id) s;
END;
$$ LANGUAGE plpgsql STABLE;

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
    RETURN QUERY
    SELECT (SELECT count(*) FROM {schema}.orchestrator_queue q
             WHERE q.visible_at <= p_now_ms
               AND (q.lock_token IS NULL OR q.locked_until <= p_now_ms)),
           (SELECT count(*) FROM {schema}.worker_queue w
             WHERE w.lock_token IS NULL OR w.locked_until <= p_now_ms);
END;
$$ LANGUAGE plpgsql STABLE;

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
    RETURN {schema}._sp_enqueue_worker_items(jsonb_build_array(p_work_item), p_now_ms);
END;
$$ LANGUAGE plpgsql;

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
    PERFORM {schema}._sp_insert_history(p_instance_id, p_execution_id, p_events, p_now_ms);
END;
$$ LANGUAGE plpgsql;

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
    RETURN {schema}._sp_enqueue_orchestrator_items(jsonb_build_array(p_work_item), p_now_ms, p_delay_ms);
END;
$$ LANGUAGE plpgsql;

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
$$ LANGUAGE plpgsql;

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
$$ LANGUAGE plpgsql;

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
            -- The two-key form keeps these keys apart from single-bigint advisory locks other code may take.
            PERFORM pg_advisory_xact_lock(20251104, hashtext(v_candidate));

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
$$ LANGUAGE plpgsql;

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
$$ LANGUAGE plpgsql;

-- Gives a fetched batch back without committing a turn: releases the lock (expired or not, as long as no other fetch
-- took it), untags the batch, and with a positive delay hides every visible message of the instance until
-- now + delay, so a message that arrived during the turn is not fetched alone ahead of the batch. Without a delay
-- visibility is left alone. Returns the instance id.
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

    DELETE FROM {schema}.instance_locks l WHERE l.lock_token = p_lock_token
    RETURNING l.instance_id INTO v_instance_id;
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
$$ LANGUAGE plpgsql;

-- ---------------------------------------------------------------------------------------------------------------
-- Schema management
-- ---------------------------------------------------------------------------------------------------------------

-- Fingerprint of the procedure set this schema holds: sha256 over "<file name>:<sha256 of the file>\n" of every
-- applied migration in version order — the same value the code generator stamps into the client it generates.
CREATE OR REPLACE FUNCTION {schema}.sp_procedure_fingerprint()
RETURNS TEXT AS $$
BEGIN
    RETURN (SELECT encode(sha256(convert_to(string_agg(m.name || ':' || m.checksum || E'\n', '' ORDER BY m.version),
                                            'UTF8')), 'hex')
              FROM {schema}._duroxide_migrations m);
END;
$$ LANGUAGE plpgsql STABLE;

-- Drops the provider's tables and functions from this schema (tests). The schema itself stays: the caller drops it
-- unless it is `public`.
CREATE OR REPLACE FUNCTION {schema}.sp_cleanup_schema()
RETURNS VOID AS $$
DECLARE
    -- The schema this function lives in, found through a table's row type (no name literal needed).
    v_namespace OID := (SELECT t.typnamespace FROM pg_type t WHERE t.oid = pg_typeof(NULL::{schema}.instances));
    v_function REGPROCEDURE;
BEGIN
    DROP TABLE IF EXISTS {schema}.history, {schema}.executions, {schema}.instances, {schema}.orchestrator_queue,
                         {schema}.worker_queue, {schema}.instance_locks, {schema}._duroxide_migrations;
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p
         WHERE p.pronamespace = v_namespace AND (p.proname LIKE 'sp\_%' OR p.proname LIKE '\_sp\_%')
    LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s', v_function);
    END LOOP;
END;
$$ LANGUAGE plpgsql;
