-- Contract v2, part 1: the data model (provider-contract-v2.md §1) and the helpers every v2 procedure shares.
--
-- Upgrades a v1 schema in place: every column added here has a default or a backfill, so instances, histories and
-- queued messages written by v1 stay valid and carry on. The procedures follow in 0008 (orchestrator queue), 0009
-- (worker queue and sessions) and 0010 (management, deletion, pruning, key-value and custom-status reads).
--
-- The DDL stays in the schema-management functions (as in 0001): they are redefined here to create the v2 tables,
-- columns and indexes too, idempotently, and then run for the tenant schema; `sp_initialize_tables` +
-- `sp_create_indexes` therefore still set up any other schema completely.
--
-- Redefining a function resets the SECURITY and SET clauses that 0006 added, so every definition below restates
-- `SET search_path = pg_catalog, pg_temp` (the schema-management functions stay SECURITY INVOKER, as in 0006).

CREATE OR REPLACE FUNCTION {schema}.sp_initialize_tables(p_schema_name TEXT)
RETURNS VOID AS $$
BEGIN
    IF p_schema_name IS NULL OR p_schema_name = '' THEN
        RAISE EXCEPTION 'p_schema_name must be a non-empty schema name' USING ERRCODE = '22023';
    END IF;

    -- The v1 tables, exactly as 0001 creates them.
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.instances (
            instance_id           TEXT PRIMARY KEY,
            orchestration_name    TEXT NOT NULL,
            orchestration_version TEXT,
            current_execution_id  BIGINT NOT NULL DEFAULT 1,
            created_at            TIMESTAMPTZ NOT NULL,
            updated_at            TIMESTAMPTZ NOT NULL
        )$ddl$, p_schema_name);
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.executions (
            instance_id  TEXT NOT NULL,
            execution_id BIGINT NOT NULL,
            status       TEXT NOT NULL DEFAULT 'Running',
            output       TEXT,
            started_at   TIMESTAMPTZ NOT NULL,
            completed_at TIMESTAMPTZ,
            PRIMARY KEY (instance_id, execution_id)
        )$ddl$, p_schema_name);
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.history (
            instance_id  TEXT NOT NULL,
            execution_id BIGINT NOT NULL,
            event_id     BIGINT NOT NULL CHECK (event_id > 0),
            event_type   TEXT NOT NULL,
            event_data   JSONB NOT NULL,
            created_at   TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (instance_id, execution_id, event_id)
        )$ddl$, p_schema_name);
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.orchestrator_queue (
            id           BIGSERIAL PRIMARY KEY,
            instance_id  TEXT NOT NULL,
            work_item    JSONB NOT NULL,
            visible_at   BIGINT NOT NULL,
            lock_token   TEXT,
            locked_until BIGINT,
            created_at   TIMESTAMPTZ NOT NULL
        )$ddl$, p_schema_name);
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.worker_queue (
            id           BIGSERIAL PRIMARY KEY,
            work_item    JSONB NOT NULL,
            lock_token   TEXT,
            locked_until BIGINT,
            created_at   TIMESTAMPTZ NOT NULL
        )$ddl$, p_schema_name);
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.instance_locks (
            instance_id  TEXT PRIMARY KEY,
            lock_token   TEXT NOT NULL,
            locked_until BIGINT NOT NULL,
            locked_at    BIGINT NOT NULL
        )$ddl$, p_schema_name);

    -- v2 §1.1: the parent of a sub-orchestration (set by the ack that creates the row, immutable afterwards) and the
    -- custom status, which lives on the instance so that it survives ContinueAsNew.
    EXECUTE format($ddl$
        ALTER TABLE %1$I.instances
            ADD COLUMN IF NOT EXISTS parent_instance_id    TEXT,
            ADD COLUMN IF NOT EXISTS custom_status         TEXT,
            ADD COLUMN IF NOT EXISTS custom_status_version BIGINT NOT NULL DEFAULT 0
        $ddl$, p_schema_name);

    -- v2 §1.2: the runtime version that started an execution; the three parts are set together or not at all. A
    -- row comparison of the three (never one packed integer) is what the capability filter uses.
    EXECUTE format($ddl$
        ALTER TABLE %1$I.executions
            ADD COLUMN IF NOT EXISTS pinned_version_major INTEGER,
            ADD COLUMN IF NOT EXISTS pinned_version_minor INTEGER,
            ADD COLUMN IF NOT EXISTS pinned_version_patch INTEGER
        $ddl$, p_schema_name);
    IF NOT EXISTS (SELECT 1 FROM pg_constraint c
                    WHERE c.conrelid = format('%I.executions', p_schema_name)::regclass
                      AND c.conname = 'executions_pinned_version_check') THEN
        EXECUTE format($ddl$
            ALTER TABLE %1$I.executions ADD CONSTRAINT executions_pinned_version_check CHECK (
                (pinned_version_major IS NULL AND pinned_version_minor IS NULL AND pinned_version_patch IS NULL)
                OR (pinned_version_major IS NOT NULL AND pinned_version_minor IS NOT NULL
                    AND pinned_version_patch IS NOT NULL))
            $ddl$, p_schema_name);
    END IF;

    -- v2 §1.4: how many fetches included a message (poison detection).
    EXECUTE format($ddl$
        ALTER TABLE %1$I.orchestrator_queue
            ADD COLUMN IF NOT EXISTS attempt_count INTEGER NOT NULL DEFAULT 0 CHECK (attempt_count >= 0)
        $ddl$, p_schema_name);

    -- v2 §1.5: visibility (delayed abandon), attempts, and the identity and routing columns the procedures derive
    -- from the ActivityExecute item (cancellation and deletion by identity, sessions, tags). `visible_at` gets 0 for
    -- rows that exist already (they stay visible); new rows always receive it from the procedures.
    EXECUTE format($ddl$
        ALTER TABLE %1$I.worker_queue
            ADD COLUMN IF NOT EXISTS visible_at    BIGINT NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS attempt_count INTEGER NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
            ADD COLUMN IF NOT EXISTS instance_id   TEXT,
            ADD COLUMN IF NOT EXISTS execution_id  BIGINT,
            ADD COLUMN IF NOT EXISTS activity_id   BIGINT,
            ADD COLUMN IF NOT EXISTS session_id    TEXT,
            ADD COLUMN IF NOT EXISTS tag           TEXT
        $ddl$, p_schema_name);

    -- v2 §1.6: session ownership leases (worker affinity). Not instance-scoped.
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.sessions (
            session_id       TEXT PRIMARY KEY,
            owner_id         TEXT NOT NULL,
            locked_until     BIGINT NOT NULL,
            last_activity_at BIGINT NOT NULL
        )$ddl$, p_schema_name);

    -- v2 §1.7, §1.8: key-value state. `kv_store` holds the values as of the end of the last finished execution,
    -- `kv_delta` the current execution's mutations (NULL value = tombstone); ack merges the second into the first
    -- when an execution ends, and a fetch's snapshot reads only the first.
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.kv_store (
            instance_id        TEXT NOT NULL,
            key                TEXT NOT NULL,
            value              TEXT NOT NULL,
            last_updated_at_ms BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (instance_id, key)
        )$ddl$, p_schema_name);
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.kv_delta (
            instance_id        TEXT NOT NULL,
            key                TEXT NOT NULL,
            value              TEXT,
            last_updated_at_ms BIGINT NOT NULL,
            PRIMARY KEY (instance_id, key)
        )$ddl$, p_schema_name);
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

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

    -- v2 §1.9. Worker fetch when most rows are unlocked.
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_visible_idx ON %I.worker_queue (visible_at, id)',
                   p_schema_name);
    -- Cancellation and instance deletion find worker rows by activity identity.
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_identity_idx '
                   'ON %I.worker_queue (instance_id, execution_id, activity_id)', p_schema_name);
    -- Session routing and the orphaned-session sweep; tag routing. Mostly NULL, hence partial.
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_session_idx ON %I.worker_queue (session_id) '
                   'WHERE session_id IS NOT NULL', p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_tag_idx ON %I.worker_queue (tag) '
                   'WHERE tag IS NOT NULL', p_schema_name);
    -- listChildren, the instance tree and deletion's orphan check.
    EXECUTE format('CREATE INDEX IF NOT EXISTS instances_parent_idx ON %I.instances (parent_instance_id) '
                   'WHERE parent_instance_id IS NOT NULL', p_schema_name);
    -- renewSessionLock renews by owner.
    EXECUTE format('CREATE INDEX IF NOT EXISTS sessions_owner_idx ON %I.sessions (owner_id)', p_schema_name);
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

SELECT {schema}.sp_initialize_tables(current_schema());
SELECT {schema}.sp_create_indexes(current_schema());

-- v1 rows: derive the identity columns from the item (v2 §1.10 step 1). v1 did not check these fields, so a
-- field that is not a string or a whole number leaves its column NULL rather than failing the upgrade.
UPDATE {schema}.worker_queue
   SET instance_id = CASE WHEN jsonb_typeof(work_item -> 'ActivityExecute' -> 'instance') = 'string'
                          THEN work_item -> 'ActivityExecute' ->> 'instance' END,
       execution_id = CASE WHEN {schema}._sp_is_whole_bigint(work_item -> 'ActivityExecute' -> 'execution_id', 1)
                           THEN (work_item -> 'ActivityExecute' ->> 'execution_id')::bigint END,
       activity_id = CASE WHEN {schema}._sp_is_whole_bigint(work_item -> 'ActivityExecute' -> 'id', 0)
                          THEN (work_item -> 'ActivityExecute' ->> 'id')::bigint END
 WHERE instance_id IS NULL AND work_item ? 'ActivityExecute';

-- ---------------------------------------------------------------------------------------------------------------
-- Long-polling notifications (v2 §3.15)
-- ---------------------------------------------------------------------------------------------------------------

-- The LISTEN/NOTIFY channel of one queue ('orch' or 'work') of this schema: `dx_<first 16 hex digits of
-- md5(schema name)>_<queue>`. Channel names are identifiers of at most 63 bytes and a schema name can be 63 bytes of
-- anything, hence the hash; tenants sharing a database get different channels. The schema is found through a
-- table's row type, so no name literal is needed (the placeholder stands for a quoted identifier, not a string).
-- TypeScript computes the same string (`provider/long-poll/channels.ts`).
CREATE OR REPLACE FUNCTION {schema}._sp_notify_channel(p_queue TEXT)
RETURNS TEXT AS $$
    SELECT 'dx_' || left(md5(n.nspname), 16) || '_' || p_queue
      FROM pg_catalog.pg_type t
      JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
     WHERE t.oid = pg_catalog.pg_typeof(NULL::{schema}.instances);
$$ LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp;

-- Tells long-polling fetchers of one queue that work becomes fetchable at `p_visible_at_ms` (epoch ms, the payload).
-- Delivered at commit only; identical notifications of one transaction are sent once.
CREATE OR REPLACE FUNCTION {schema}._sp_notify(p_queue TEXT, p_visible_at_ms BIGINT)
RETURNS VOID AS $$
BEGIN
    PERFORM pg_notify({schema}._sp_notify_channel(p_queue), p_visible_at_ms::text);
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Enqueues ActivityExecute items in array order (both insert paths: sp_enqueue_worker_work and the worker items of
-- sp_ack_orchestration_item); returns the id of the last one (NULL for an empty array). v2: the rows are visible at
-- p_now_ms, and carry the identity and routing columns taken from the item (§1.5); the worker channel is notified.
CREATE OR REPLACE FUNCTION {schema}._sp_enqueue_worker_items(p_items JSONB, p_now_ms BIGINT)
RETURNS BIGINT AS $$
DECLARE
    v_bad RECORD;
    v_last_id BIGINT;
BEGIN
    IF p_items IS NULL OR jsonb_typeof(p_items) <> 'array' THEN
        RAISE EXCEPTION 'worker items must be a JSON array' USING ERRCODE = '22023';
    END IF;
    SELECT v.kind, v.problem INTO v_bad
      FROM (SELECT e.ord, e.kind,
                   CASE
                       WHEN e.kind IS NULL THEN 'shape'
                       WHEN e.kind <> 'ActivityExecute' THEN 'kind'
                       WHEN jsonb_typeof(e.body -> 'instance') IS DISTINCT FROM 'string'
                            OR e.body ->> 'instance' = '' THEN 'instance'
                       WHEN NOT {schema}._sp_is_whole_bigint(e.body -> 'execution_id', 1) THEN 'execution_id'
                       WHEN NOT {schema}._sp_is_whole_bigint(e.body -> 'id', 0) THEN 'id'
                       WHEN COALESCE(jsonb_typeof(e.body -> 'session_id'), 'null') NOT IN ('null', 'string')
                           THEN 'session_id'
                       WHEN COALESCE(jsonb_typeof(e.body -> 'tag'), 'null') NOT IN ('null', 'string') THEN 'tag'
                   END AS problem
              FROM (SELECT a.ord, k.kind, a.item -> k.kind AS body
                      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS a(item, ord)
                     CROSS JOIN LATERAL (SELECT {schema}._sp_kind(a.item) AS kind) k) e) v
     WHERE v.problem IS NOT NULL
     ORDER BY v.ord
     LIMIT 1;
    IF v_bad.problem = 'shape' THEN
        RAISE EXCEPTION 'each work item must be a JSON object with exactly one key naming its kind'
            USING ERRCODE = '22023';
    ELSIF v_bad.problem = 'kind' THEN
        RAISE EXCEPTION 'Only ActivityExecute goes to the worker queue, not %', v_bad.kind USING ERRCODE = 'DXI01';
    ELSIF v_bad.problem IS NOT NULL THEN
        RAISE EXCEPTION 'ActivityExecute % is missing or malformed', v_bad.problem USING ERRCODE = '22023';
    END IF;

    WITH inserted AS (
        INSERT INTO {schema}.worker_queue (work_item, visible_at, attempt_count, instance_id, execution_id,
                                           activity_id, session_id, tag, created_at)
        SELECT e.item, p_now_ms, 0,
               e.item -> 'ActivityExecute' ->> 'instance',
               (e.item -> 'ActivityExecute' ->> 'execution_id')::bigint,
               (e.item -> 'ActivityExecute' ->> 'id')::bigint,
               e.item -> 'ActivityExecute' ->> 'session_id',
               e.item -> 'ActivityExecute' ->> 'tag',
               to_timestamp(p_now_ms / 1000.0)
          FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e(item, ord)
         ORDER BY e.ord
        RETURNING id)
    SELECT max(id) INTO v_last_id FROM inserted;
    IF v_last_id IS NOT NULL THEN
        PERFORM {schema}._sp_notify('work', p_now_ms);
    END IF;
    RETURN v_last_id;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- Drops the provider's tables (the v2 ones too) and functions from this schema (tests). The schema itself stays: the
-- caller drops it unless it is `public`.
CREATE OR REPLACE FUNCTION {schema}.sp_cleanup_schema()
RETURNS VOID AS $$
DECLARE
    -- The schema this function lives in, found through a table's row type (no name literal needed).
    v_namespace OID := (SELECT t.typnamespace FROM pg_type t WHERE t.oid = pg_typeof(NULL::{schema}.instances));
    v_function REGPROCEDURE;
BEGIN
    DROP TABLE IF EXISTS {schema}.history, {schema}.executions, {schema}.instances, {schema}.orchestrator_queue,
                         {schema}.worker_queue, {schema}.instance_locks, {schema}.sessions, {schema}.kv_store,
                         {schema}.kv_delta, {schema}._duroxide_migrations;
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p
         WHERE p.pronamespace = v_namespace AND (p.proname LIKE 'sp\_%' OR p.proname LIKE '\_sp\_%')
    LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s', v_function);
    END LOOP;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
