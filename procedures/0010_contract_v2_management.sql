-- Contract v2, part 4: management reads, custom status, key-value reads, instance statistics, parent links and
-- trees, deletion and pruning (provider-contract-v2.md §3.16–§3.29, §3.31).
--
-- Every operation is one call and one transaction; nothing here reads the database clock (times come in as epoch
-- milliseconds and are compared with the TIMESTAMPTZ display columns through to_timestamp, as the writers store them).
-- A failed call changes nothing: every check runs before the first write.
--
-- Decisions on points the contract leaves open (§7 and places where §3 allows a choice):
--
-- * `sp_get_instance_stats` counts a key tombstoned in the current execution as gone (§3.19 names the duroxide-pg
--   defect: it counted the UNION of store keys and live delta keys). Live keys = store keys without a delta row, plus
--   delta rows with a value. `queue_pending_count` reads `carry_forward_events` of the current execution's first
--   `OrchestrationStarted` (lowest event id of that type, not literally event id 1: event ids need not be contiguous,
--   §2.4). Sizes are `octet_length` of the stored JSONB's text and of the values (§7.1: upstream's definition unseen).
-- * "Current execution" of an id that has executions but no `instances` row (an ack without name and version, §7.5):
--   the highest execution id. `sp_delete_instances_atomic` therefore refuses (without force) to delete such an id
--   while that execution is Running, and `sp_prune_executions` accepts it (P0002 only when the id has neither an
--   instance row nor executions). `sp_get_parent_id` and `sp_delete_instance` need the row (P0002 without it).
-- * `sp_get_instance_tree` does not check existence (an unknown id is a one-element tree, as upstream's default). Its
--   recursive CTE uses UNION and never re-enters the root: with one parent per instance, any cycle reachable from
--   the root passes through the root, so a corrupt cycle cannot make it run forever.
-- * `sp_delete_instance_bulk` treats only Completed and Failed as terminal (§7.4: not ContinuedAsNew), selects the
--   oldest completions first (`completed_at, instance_id`), and deletes each selected root's whole tree with force.
-- * `sp_prune_executions_bulk` selects instances (any status) in `created_at, instance_id` order; both prune
--   procedures keep every Running execution and the current one whatever `keep_last` says (0 and 1 keep the same).
-- * `p_limit` 0 selects nothing; a negative limit, `keep_last` or time is 22023.
-- * The running check and the orphan check raise for the lowest offending instance id, so the error is
--   deterministic.

-- ---------------------------------------------------------------------------------------------------------------
-- Custom status and key-value reads (§3.16–§3.18)
-- ---------------------------------------------------------------------------------------------------------------

-- The instance's custom status when its version is newer than p_last_seen_version; no row otherwise (also for an
-- unknown instance). Polled by the client: one primary-key lookup.
-- @single-row
-- @not-null custom_status_version
-- @required p_instance_id p_last_seen_version
CREATE OR REPLACE FUNCTION {schema}.sp_get_custom_status(p_instance_id TEXT, p_last_seen_version BIGINT)
RETURNS TABLE(custom_status TEXT, custom_status_version BIGINT) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL OR p_last_seen_version IS NULL THEN
        RAISE EXCEPTION 'p_instance_id and p_last_seen_version must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_last_seen_version', p_last_seen_version, 0);
    RETURN QUERY
    SELECT i.custom_status, i.custom_status_version
      FROM {schema}.instances i
     WHERE i.instance_id = p_instance_id AND i.custom_status_version > p_last_seen_version;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- One key of the merged view (§3.2.8): a kv_delta row decides (a tombstone hides the key), else kv_store. Always one
-- row; `found` tells a missing key from the empty string.
-- @exactly-one-row
-- @not-null found
-- @required p_instance_id p_key
CREATE OR REPLACE FUNCTION {schema}.sp_get_kv_value(p_instance_id TEXT, p_key TEXT)
RETURNS TABLE(found BOOLEAN, value TEXT) AS $$
#variable_conflict use_column
DECLARE
    v_delta RECORD;
BEGIN
    IF p_instance_id IS NULL OR p_key IS NULL THEN
        RAISE EXCEPTION 'p_instance_id and p_key must not be NULL' USING ERRCODE = '22023';
    END IF;
    SELECT d.value INTO v_delta FROM {schema}.kv_delta d WHERE d.instance_id = p_instance_id AND d.key = p_key;
    IF FOUND THEN
        RETURN QUERY SELECT v_delta.value IS NOT NULL, v_delta.value;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT s.value IS NOT NULL, s.value
      FROM (SELECT 1) AS one
      LEFT JOIN {schema}.kv_store s ON s.instance_id = p_instance_id AND s.key = p_key;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Every live key of the merged view, by key; none for an unknown instance.
-- @not-null
-- @required p_instance_id
CREATE OR REPLACE FUNCTION {schema}.sp_get_kv_all_values(p_instance_id TEXT)
RETURNS TABLE(key TEXT, value TEXT) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT COALESCE(d.key, s.key), CASE WHEN d.key IS NOT NULL THEN d.value ELSE s.value END
      FROM (SELECT * FROM {schema}.kv_store WHERE instance_id = p_instance_id) s
      FULL JOIN (SELECT * FROM {schema}.kv_delta WHERE instance_id = p_instance_id) d ON d.key = s.key
     WHERE CASE WHEN d.key IS NOT NULL THEN d.value IS NOT NULL ELSE true END
     ORDER BY 1;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Instance reads (§3.19, §3.21)
-- ---------------------------------------------------------------------------------------------------------------

-- Size figures of one instance (see the header for the decisions); `found` false (and zeros) without an instance row.
-- @exactly-one-row
-- @not-null
-- @required p_instance_id
CREATE OR REPLACE FUNCTION {schema}.sp_get_instance_stats(p_instance_id TEXT)
RETURNS TABLE(
    found BOOLEAN,
    history_event_count BIGINT,
    history_size_bytes BIGINT,
    queue_pending_count BIGINT,
    kv_user_key_count BIGINT,
    kv_total_value_bytes BIGINT
) AS $$
#variable_conflict use_column
DECLARE
    v_execution_id BIGINT;
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    SELECT i.current_execution_id INTO v_execution_id FROM {schema}.instances i WHERE i.instance_id = p_instance_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT true,
           (SELECT count(*) FROM {schema}.history h
             WHERE h.instance_id = p_instance_id AND h.execution_id = v_execution_id),
           (SELECT COALESCE(sum(octet_length(h.event_data::text)), 0)::bigint FROM {schema}.history h
             WHERE h.instance_id = p_instance_id AND h.execution_id = v_execution_id),
           COALESCE((SELECT CASE WHEN jsonb_typeof(h.event_data -> 'OrchestrationStarted' -> 'carry_forward_events')
                                      = 'array'
                                 THEN jsonb_array_length(h.event_data -> 'OrchestrationStarted'
                                                                      -> 'carry_forward_events')
                                 ELSE 0 END
                       FROM {schema}.history h
                      WHERE h.instance_id = p_instance_id AND h.execution_id = v_execution_id
                        AND h.event_type = 'OrchestrationStarted'
                      ORDER BY h.event_id
                      LIMIT 1), 0)::bigint,
           (SELECT count(*) FROM {schema}.kv_store s
             WHERE s.instance_id = p_instance_id
               AND NOT EXISTS (SELECT 1 FROM {schema}.kv_delta d
                                WHERE d.instance_id = s.instance_id AND d.key = s.key))
           + (SELECT count(*) FROM {schema}.kv_delta d WHERE d.instance_id = p_instance_id AND d.value IS NOT NULL),
           (SELECT COALESCE(sum(octet_length(s.value)), 0) FROM {schema}.kv_store s
             WHERE s.instance_id = p_instance_id)::bigint
           + (SELECT COALESCE(sum(octet_length(d.value)), 0) FROM {schema}.kv_delta d
               WHERE d.instance_id = p_instance_id)::bigint;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- v2: + parent_instance_id, and a NULL version reads as 'unknown' (§3.21). The result type changes, so the old
-- function goes first (with it the annotations 0004 gave it, restated here).
DROP FUNCTION IF EXISTS {schema}.sp_get_instance_info(TEXT);

-- An instance with the status and output of its current execution ('Running' while that execution has no row).
-- @exactly-one-row
-- @not-null instance_id orchestration_name orchestration_version current_execution_id created_at updated_at status
-- @required p_instance_id
CREATE FUNCTION {schema}.sp_get_instance_info(p_instance_id TEXT)
RETURNS TABLE(
    instance_id TEXT,
    orchestration_name TEXT,
    orchestration_version TEXT,
    current_execution_id BIGINT,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    status TEXT,
    output TEXT,
    parent_instance_id TEXT
) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT i.instance_id, i.orchestration_name, COALESCE(i.orchestration_version, 'unknown'), i.current_execution_id,
           i.created_at, i.updated_at, COALESCE(e.status, 'Running'), e.output, i.parent_instance_id
      FROM {schema}.instances i
      LEFT JOIN {schema}.executions e
        ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id
     WHERE i.instance_id = p_instance_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Instance not found: %', p_instance_id USING ERRCODE = 'P0002';
    END IF;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Messages a fetch could take now: visible and not under a live lock. v2: worker rows have visible_at too (a
-- delayed abandon hides them).
-- @exactly-one-row
-- @not-null
-- @required p_now_ms
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
             WHERE w.visible_at <= p_now_ms
               AND (w.lock_token IS NULL OR w.locked_until <= p_now_ms));
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Parent links and trees (§3.22–§3.24)
-- ---------------------------------------------------------------------------------------------------------------

-- Direct children, oldest first; none for a leaf or an unknown instance.
-- @not-null
-- @required p_instance_id
CREATE OR REPLACE FUNCTION {schema}.sp_list_children(p_instance_id TEXT)
RETURNS TABLE(instance_id TEXT) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT i.instance_id FROM {schema}.instances i
     WHERE i.parent_instance_id = p_instance_id
     ORDER BY i.created_at, i.instance_id;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- The parent of a sub-orchestration; NULL for a root; P0002 for an unknown instance.
-- @required p_instance_id
CREATE OR REPLACE FUNCTION {schema}.sp_get_parent_id(p_instance_id TEXT)
RETURNS TEXT AS $$
DECLARE
    v_parent TEXT;
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    SELECT i.parent_instance_id INTO v_parent FROM {schema}.instances i WHERE i.instance_id = p_instance_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Instance not found: %', p_instance_id USING ERRCODE = 'P0002';
    END IF;
    RETURN v_parent;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- The root and every descendant with its depth below the root (root 0). See the header on cycles.
CREATE OR REPLACE FUNCTION {schema}._sp_instance_tree(p_root TEXT)
RETURNS TABLE(instance_id TEXT, depth INTEGER) AS $$
    WITH RECURSIVE tree(instance_id, depth) AS (
        SELECT p_root, 0
        UNION
        SELECT i.instance_id, t.depth + 1
          FROM {schema}.instances i
          JOIN tree t ON i.parent_instance_id = t.instance_id
         WHERE i.instance_id <> p_root)
    SELECT tree.instance_id, tree.depth FROM tree;
$$ LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp;

-- The instance and all its descendants, root first, then by depth and id. An unknown id is a one-element tree.
-- @not-null
-- @required p_instance_id
CREATE OR REPLACE FUNCTION {schema}.sp_get_instance_tree(p_instance_id TEXT)
RETURNS TABLE(instance_id TEXT, depth INTEGER) AS $$
#variable_conflict use_column
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT t.instance_id, t.depth FROM {schema}._sp_instance_tree(p_instance_id) t ORDER BY t.depth, t.instance_id;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Deletion (§3.25–§3.27)
-- ---------------------------------------------------------------------------------------------------------------

-- Locks the instance rows of p_ids (in id order, so two deleters cannot deadlock on them) and refuses the delete:
-- DXD01 when, without force, one of them is running (its current execution, or the highest execution of an id
-- without a row, has status Running; an id without executions is not running); DXD02 when an instance outside the
-- set has its parent inside it (it would be orphaned).
CREATE OR REPLACE FUNCTION {schema}._sp_check_deletable(p_ids TEXT[], p_force BOOLEAN)
RETURNS VOID AS $$
DECLARE
    v_running TEXT;
    v_orphan RECORD;
BEGIN
    PERFORM 1 FROM {schema}.instances i WHERE i.instance_id = ANY(p_ids) ORDER BY i.instance_id FOR UPDATE;
    IF NOT p_force THEN
        SELECT ids.id INTO v_running
          FROM unnest(p_ids) AS ids(id)
          LEFT JOIN {schema}.instances i ON i.instance_id = ids.id
          JOIN {schema}.executions e
            ON e.instance_id = ids.id
           AND e.execution_id = COALESCE(i.current_execution_id,
                                         (SELECT max(x.execution_id) FROM {schema}.executions x
                                           WHERE x.instance_id = ids.id))
         WHERE e.status = 'Running'
         ORDER BY ids.id
         LIMIT 1;
        IF v_running IS NOT NULL THEN
            RAISE EXCEPTION 'Instance % is still running; use force=true or cancel it first', v_running
                USING ERRCODE = 'DXD01';
        END IF;
    END IF;
    SELECT c.instance_id AS child, c.parent_instance_id AS parent INTO v_orphan
      FROM {schema}.instances c
     WHERE c.parent_instance_id = ANY(p_ids) AND NOT (c.instance_id = ANY(p_ids))
     ORDER BY c.parent_instance_id, c.instance_id
     LIMIT 1;
    IF v_orphan.child IS NOT NULL THEN
        RAISE EXCEPTION 'Cannot delete %: child % is not included (orphan); re-read the tree and retry',
            v_orphan.parent, v_orphan.child USING ERRCODE = 'DXD02';
    END IF;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Deletes everything instance-scoped of p_ids (§3.25 step 5): history, executions, both queues' rows (a worker row
-- held by a worker too: its renewal and ack then fail), the lock row (an ack in flight then fails and cannot
-- recreate the instance), KV, and the instance rows. Sessions are not instance-scoped and stay.
CREATE OR REPLACE FUNCTION {schema}._sp_delete_instance_rows(p_ids TEXT[])
RETURNS TABLE(instances_deleted BIGINT, executions_deleted BIGINT, events_deleted BIGINT,
              queue_messages_deleted BIGINT) AS $$
#variable_conflict use_column
DECLARE
    v_events BIGINT;
    v_executions BIGINT;
    v_orchestrator BIGINT;
    v_worker BIGINT;
    v_instances BIGINT;
BEGIN
    DELETE FROM {schema}.history WHERE instance_id = ANY(p_ids);
    GET DIAGNOSTICS v_events = ROW_COUNT;
    DELETE FROM {schema}.executions WHERE instance_id = ANY(p_ids);
    GET DIAGNOSTICS v_executions = ROW_COUNT;
    DELETE FROM {schema}.orchestrator_queue WHERE instance_id = ANY(p_ids);
    GET DIAGNOSTICS v_orchestrator = ROW_COUNT;
    DELETE FROM {schema}.worker_queue WHERE instance_id = ANY(p_ids);
    GET DIAGNOSTICS v_worker = ROW_COUNT;
    DELETE FROM {schema}.instance_locks WHERE instance_id = ANY(p_ids);
    DELETE FROM {schema}.kv_store WHERE instance_id = ANY(p_ids);
    DELETE FROM {schema}.kv_delta WHERE instance_id = ANY(p_ids);
    DELETE FROM {schema}.instances WHERE instance_id = ANY(p_ids);
    GET DIAGNOSTICS v_instances = ROW_COUNT;
    RETURN QUERY SELECT v_instances, v_executions, v_events, v_orchestrator + v_worker;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Rejects a NULL id list or a NULL element (22023).
CREATE OR REPLACE FUNCTION {schema}._sp_check_id_list(p_name TEXT, p_ids TEXT[])
RETURNS VOID AS $$
BEGIN
    IF p_ids IS NOT NULL AND array_position(p_ids, NULL) IS NOT NULL THEN
        RAISE EXCEPTION '% must not contain NULL', p_name USING ERRCODE = '22023';
    END IF;
END;
$$ LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp;

-- Deletes the listed instances in one transaction, or nothing (DXD01 running without force, DXD02 a child left
-- out). Ids without an instance row are accepted: their queue rows, history and KV go too (the admin path for
-- messages of force-deleted instances, §3.2.3).
-- @exactly-one-row
-- @not-null
-- @required p_instance_ids p_force
CREATE OR REPLACE FUNCTION {schema}.sp_delete_instances_atomic(p_instance_ids TEXT[], p_force BOOLEAN)
RETURNS TABLE(instances_deleted BIGINT, executions_deleted BIGINT, events_deleted BIGINT,
              queue_messages_deleted BIGINT) AS $$
#variable_conflict use_column
DECLARE
    v_ids TEXT[];
BEGIN
    IF p_instance_ids IS NULL OR p_force IS NULL THEN
        RAISE EXCEPTION 'p_instance_ids and p_force must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_id_list('p_instance_ids', p_instance_ids);
    v_ids := ARRAY(SELECT DISTINCT u.id FROM unnest(p_instance_ids) AS u(id));
    PERFORM {schema}._sp_check_deletable(v_ids, p_force);
    RETURN QUERY SELECT * FROM {schema}._sp_delete_instance_rows(v_ids);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Deletes a root instance with its whole tree, computed inside the transaction after the root's row is locked
-- (upstream composes this from three calls and leaves an orphan window between them). P0002 for an unknown
-- instance, DXD03 for a sub-orchestration (force or not), DXD01 when anything in the tree runs and force is false.
-- @exactly-one-row
-- @not-null
-- @required p_instance_id p_force
CREATE OR REPLACE FUNCTION {schema}.sp_delete_instance(p_instance_id TEXT, p_force BOOLEAN)
RETURNS TABLE(instances_deleted BIGINT, executions_deleted BIGINT, events_deleted BIGINT,
              queue_messages_deleted BIGINT) AS $$
#variable_conflict use_column
DECLARE
    v_parent TEXT;
    v_ids TEXT[];
BEGIN
    IF p_instance_id IS NULL OR p_force IS NULL THEN
        RAISE EXCEPTION 'p_instance_id and p_force must not be NULL' USING ERRCODE = '22023';
    END IF;
    SELECT i.parent_instance_id INTO v_parent FROM {schema}.instances i WHERE i.instance_id = p_instance_id
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Instance not found: %', p_instance_id USING ERRCODE = 'P0002';
    END IF;
    IF v_parent IS NOT NULL THEN
        RAISE EXCEPTION 'Cannot delete sub-orchestration % directly; delete its root instead', p_instance_id
            USING ERRCODE = 'DXD03';
    END IF;
    v_ids := ARRAY(SELECT t.instance_id FROM {schema}._sp_instance_tree(p_instance_id) t);
    PERFORM {schema}._sp_check_deletable(v_ids, p_force);
    RETURN QUERY SELECT * FROM {schema}._sp_delete_instance_rows(v_ids);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Deletes up to p_limit root instances whose current execution is Completed or Failed, each with its whole tree,
-- filtered by ids (an empty list selects nothing) and by completion before p_completed_before_ms. Running
-- instances and sub-orchestrations are skipped silently. The counts include the descendants.
-- @exactly-one-row
-- @not-null
-- @required p_limit
CREATE OR REPLACE FUNCTION {schema}.sp_delete_instance_bulk(
    p_instance_ids TEXT[] DEFAULT NULL,
    p_completed_before_ms BIGINT DEFAULT NULL,
    p_limit INTEGER DEFAULT 1000
)
RETURNS TABLE(instances_deleted BIGINT, executions_deleted BIGINT, events_deleted BIGINT,
              queue_messages_deleted BIGINT) AS $$
#variable_conflict use_column
DECLARE
    v_roots TEXT[];
    v_ids TEXT[];
BEGIN
    IF p_limit IS NULL THEN
        RAISE EXCEPTION 'p_limit must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_limit', p_limit, 0);
    PERFORM {schema}._sp_check_safe_integer('p_completed_before_ms', p_completed_before_ms, 0);
    PERFORM {schema}._sp_check_id_list('p_instance_ids', p_instance_ids);
    v_roots := ARRAY(
        SELECT i.instance_id
          FROM {schema}.instances i
          JOIN {schema}.executions e
            ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id
         WHERE i.parent_instance_id IS NULL
           AND e.status IN ('Completed', 'Failed')
           AND (p_instance_ids IS NULL OR i.instance_id = ANY(p_instance_ids))
           AND (p_completed_before_ms IS NULL OR e.completed_at < to_timestamp(p_completed_before_ms / 1000.0))
         ORDER BY e.completed_at, i.instance_id
         LIMIT p_limit
           FOR UPDATE OF i);
    v_ids := ARRAY(SELECT DISTINCT t.instance_id
                     FROM unnest(v_roots) AS r(id)
                     CROSS JOIN LATERAL {schema}._sp_instance_tree(r.id) t);
    -- Locks the descendants as well; with force the only check left is the orphan check, which whole trees pass.
    PERFORM {schema}._sp_check_deletable(v_ids, true);
    RETURN QUERY SELECT * FROM {schema}._sp_delete_instance_rows(v_ids);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------------------------
-- Pruning (§3.28, §3.29)
-- ---------------------------------------------------------------------------------------------------------------

-- Deletes the executions of one instance (with their history) that are not p_current_execution_id, not Running,
-- not among the p_keep_last highest execution ids (when given) and completed before p_completed_before_ms (when
-- given). KV, queues and locks stay: KV is instance-scoped.
CREATE OR REPLACE FUNCTION {schema}._sp_prune_instance(
    p_instance_id TEXT,
    p_current_execution_id BIGINT,
    p_keep_last INTEGER,
    p_completed_before_ms BIGINT
)
RETURNS TABLE(executions_deleted BIGINT, events_deleted BIGINT) AS $$
#variable_conflict use_column
DECLARE
    v_pruned BIGINT[];
    v_events BIGINT;
BEGIN
    WITH pruned AS (
        DELETE FROM {schema}.executions e
         WHERE e.instance_id = p_instance_id
           AND e.execution_id <> p_current_execution_id
           AND e.status <> 'Running'
           AND (p_keep_last IS NULL
                OR e.execution_id NOT IN (SELECT k.execution_id FROM {schema}.executions k
                                           WHERE k.instance_id = p_instance_id
                                           ORDER BY k.execution_id DESC
                                           LIMIT p_keep_last))
           AND (p_completed_before_ms IS NULL OR e.completed_at < to_timestamp(p_completed_before_ms / 1000.0))
        RETURNING e.execution_id)
    SELECT COALESCE(array_agg(pruned.execution_id), '{}') INTO v_pruned FROM pruned;
    DELETE FROM {schema}.history h WHERE h.instance_id = p_instance_id AND h.execution_id = ANY(v_pruned);
    GET DIAGNOSTICS v_events = ROW_COUNT;
    RETURN QUERY SELECT cardinality(v_pruned)::bigint, v_events;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Prunes old executions of one instance; the current one is always kept. P0002 when the id has neither an instance
-- row nor executions.
-- @exactly-one-row
-- @not-null
-- @required p_instance_id
CREATE OR REPLACE FUNCTION {schema}.sp_prune_executions(
    p_instance_id TEXT,
    p_keep_last INTEGER DEFAULT NULL,
    p_completed_before_ms BIGINT DEFAULT NULL
)
RETURNS TABLE(instances_processed BIGINT, executions_deleted BIGINT, events_deleted BIGINT) AS $$
#variable_conflict use_column
DECLARE
    v_current BIGINT;
BEGIN
    IF p_instance_id IS NULL THEN
        RAISE EXCEPTION 'p_instance_id must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_keep_last', p_keep_last, 0);
    PERFORM {schema}._sp_check_safe_integer('p_completed_before_ms', p_completed_before_ms, 0);
    SELECT i.current_execution_id INTO v_current FROM {schema}.instances i WHERE i.instance_id = p_instance_id
       FOR UPDATE;
    IF v_current IS NULL THEN
        SELECT max(e.execution_id) INTO v_current FROM {schema}.executions e WHERE e.instance_id = p_instance_id;
    END IF;
    IF v_current IS NULL THEN
        RAISE EXCEPTION 'Instance not found: %', p_instance_id USING ERRCODE = 'P0002';
    END IF;
    RETURN QUERY
    SELECT 1::bigint, p.executions_deleted, p.events_deleted
      FROM {schema}._sp_prune_instance(p_instance_id, v_current, p_keep_last, p_completed_before_ms) p;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Prunes up to p_limit instances of any status (Running included: long ContinueAsNew chains are what needs pruning)
-- selected by ids and by their current execution's completion before p_completed_before_ms, oldest first;
-- p_keep_last and p_prune_completed_before_ms apply to each as in sp_prune_executions.
-- @exactly-one-row
-- @not-null
-- @required p_limit
CREATE OR REPLACE FUNCTION {schema}.sp_prune_executions_bulk(
    p_instance_ids TEXT[] DEFAULT NULL,
    p_completed_before_ms BIGINT DEFAULT NULL,
    p_limit INTEGER DEFAULT 1000,
    p_keep_last INTEGER DEFAULT NULL,
    p_prune_completed_before_ms BIGINT DEFAULT NULL
)
RETURNS TABLE(instances_processed BIGINT, executions_deleted BIGINT, events_deleted BIGINT) AS $$
#variable_conflict use_column
BEGIN
    IF p_limit IS NULL THEN
        RAISE EXCEPTION 'p_limit must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_limit', p_limit, 0);
    PERFORM {schema}._sp_check_safe_integer('p_completed_before_ms', p_completed_before_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_keep_last', p_keep_last, 0);
    PERFORM {schema}._sp_check_safe_integer('p_prune_completed_before_ms', p_prune_completed_before_ms, 0);
    PERFORM {schema}._sp_check_id_list('p_instance_ids', p_instance_ids);
    RETURN QUERY
    WITH selected AS (
        SELECT i.instance_id, i.current_execution_id
          FROM {schema}.instances i
          LEFT JOIN {schema}.executions e
            ON e.instance_id = i.instance_id AND e.execution_id = i.current_execution_id
         WHERE (p_instance_ids IS NULL OR i.instance_id = ANY(p_instance_ids))
           AND (p_completed_before_ms IS NULL OR e.completed_at < to_timestamp(p_completed_before_ms / 1000.0))
         ORDER BY i.created_at, i.instance_id
         LIMIT p_limit
           FOR UPDATE OF i)
    SELECT count(*)::bigint, COALESCE(sum(p.executions_deleted), 0)::bigint, COALESCE(sum(p.events_deleted), 0)::bigint
      FROM selected s
     CROSS JOIN LATERAL {schema}._sp_prune_instance(s.instance_id, s.current_execution_id, p_keep_last,
                                                     p_prune_completed_before_ms) p;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
