-- Tables and indexes of the orchestration store (provider contract §1).
--
-- The DDL lives in the schema-management functions below and nowhere else: this migration defines them and runs
-- them for the tenant schema, and `sp_create_schema` + `sp_initialize_tables` + `sp_create_indexes` can set up any
-- other schema the same way. The migration runner sets `search_path` to the tenant schema, so `current_schema()`
-- names it.
--
-- Times that are compared (`visible_at`, `locked_until`, `locked_at`) are BIGINT epoch milliseconds taken from the
-- caller's clock (`p_now_ms`); display times are TIMESTAMPTZ derived from the same value. No column defaults to the
-- database clock (contract §5.4).
--
-- There are no foreign keys on purpose: messages may arrive for instances that do not exist yet.

-- Creates a schema for another tenant; the tables come from `sp_initialize_tables` and `sp_create_indexes`.
CREATE OR REPLACE FUNCTION {schema}.sp_create_schema(p_schema_name TEXT)
RETURNS VOID AS $$
BEGIN
    IF p_schema_name IS NULL OR p_schema_name = '' THEN
        RAISE EXCEPTION 'p_schema_name must be a non-empty schema name' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', p_schema_name);
END;
$$ LANGUAGE plpgsql;

-- Creates the provider's tables in a schema (idempotent).
CREATE OR REPLACE FUNCTION {schema}.sp_initialize_tables(p_schema_name TEXT)
RETURNS VOID AS $$
BEGIN
    IF p_schema_name IS NULL OR p_schema_name = '' THEN
        RAISE EXCEPTION 'p_schema_name must be a non-empty schema name' USING ERRCODE = '22023';
    END IF;

    -- One row per orchestration instance. Version is nullable for the next contract (deferred creation).
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.instances (
            instance_id           TEXT PRIMARY KEY,
            orchestration_name    TEXT NOT NULL,
            orchestration_version TEXT,
            current_execution_id  BIGINT NOT NULL DEFAULT 1,
            created_at            TIMESTAMPTZ NOT NULL,
            updated_at            TIMESTAMPTZ NOT NULL
        )$ddl$, p_schema_name);

    -- One row per (instance, execution); ContinueAsNew adds the next execution.
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

    -- Append-only event log; the primary key is what rejects a duplicate event id.
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

    -- Messages for orchestration turns. `lock_token` tags the batch of the fetch that took it, so an ack deletes
    -- exactly that batch and not messages that arrived during the turn; the lock itself is `instance_locks`.
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

    -- Activity executions, peek-locked one row at a time.
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.worker_queue (
            id           BIGSERIAL PRIMARY KEY,
            work_item    JSONB NOT NULL,
            lock_token   TEXT,
            locked_until BIGINT,
            created_at   TIMESTAMPTZ NOT NULL
        )$ddl$, p_schema_name);

    -- The authoritative per-instance lock: live while locked_until > now.
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$I.instance_locks (
            instance_id  TEXT PRIMARY KEY,
            lock_token   TEXT NOT NULL,
            locked_until BIGINT NOT NULL,
            locked_at    BIGINT NOT NULL
        )$ddl$, p_schema_name);
END;
$$ LANGUAGE plpgsql;

-- Creates the indexes each hot-path lookup needs (idempotent).
CREATE OR REPLACE FUNCTION {schema}.sp_create_indexes(p_schema_name TEXT)
RETURNS VOID AS $$
BEGIN
    IF p_schema_name IS NULL OR p_schema_name = '' THEN
        RAISE EXCEPTION 'p_schema_name must be a non-empty schema name' USING ERRCODE = '22023';
    END IF;
    -- Fetch: the oldest visible message decides the next candidate instance.
    EXECUTE format('CREATE INDEX IF NOT EXISTS orchestrator_queue_visible_idx ON %I.orchestrator_queue (visible_at, id)',
                   p_schema_name);
    -- Fetch tags, and depth counts, all messages of one instance.
    EXECUTE format('CREATE INDEX IF NOT EXISTS orchestrator_queue_instance_idx ON %I.orchestrator_queue (instance_id, id)',
                   p_schema_name);
    -- Ack and abandon find their batch by token.
    EXECUTE format('CREATE INDEX IF NOT EXISTS orchestrator_queue_lock_token_idx ON %I.orchestrator_queue (lock_token) '
                   'WHERE lock_token IS NOT NULL', p_schema_name);
    -- Ack and abandon find the lock by token; a token is never handed out twice.
    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS instance_locks_lock_token_idx ON %I.instance_locks (lock_token)',
                   p_schema_name);
    -- ack_worker finds its row by token.
    EXECUTE format('CREATE INDEX IF NOT EXISTS worker_queue_lock_token_idx ON %I.worker_queue (lock_token) '
                   'WHERE lock_token IS NOT NULL', p_schema_name);
    -- Management: instances by creation time, executions by status.
    EXECUTE format('CREATE INDEX IF NOT EXISTS instances_created_at_idx ON %I.instances (created_at DESC, instance_id)',
                   p_schema_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS executions_status_idx ON %I.executions (status)', p_schema_name);
END;
$$ LANGUAGE plpgsql;

SELECT {schema}.sp_initialize_tables(current_schema());
SELECT {schema}.sp_create_indexes(current_schema());
