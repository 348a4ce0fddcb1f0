-- Annotations for the generated client (pg-sproc-gen) that the comments above the definitions in 0001 and 0002 do
-- not carry. Applied files are never edited, so they come as COMMENT ON: the generator merges them with the comment
-- above each definition. Nothing here changes what a procedure does.
--
-- * `@required p_x ...`: the procedure rejects NULL for these parameters (its own NULL check, or a helper it always
--   reaches raises, or, for a lock token, no row can match NULL), so the client types them `T`, not `T | null`.
-- * `@exactly-one-row`: the procedure returns one row or raises (P0002 for an unknown instance or execution); the
--   aggregates always return one row. The client returns the row, not `row | null`. It refines the `@single-row`
--   written above these definitions.
--
-- A later COMMENT ON the same function replaces its comment, these annotations included (as PostgreSQL does): a
-- migration that comments one of these functions again must repeat what is here.

COMMENT ON FUNCTION {schema}.sp_create_schema(TEXT) IS '@required p_schema_name';
COMMENT ON FUNCTION {schema}.sp_initialize_tables(TEXT) IS '@required p_schema_name';
COMMENT ON FUNCTION {schema}.sp_create_indexes(TEXT) IS '@required p_schema_name';

-- Reads
COMMENT ON FUNCTION {schema}.sp_list_executions(TEXT) IS '@required p_instance_id';
COMMENT ON FUNCTION {schema}.sp_get_latest_execution_id(TEXT) IS '@required p_instance_id';
COMMENT ON FUNCTION {schema}.sp_read_history(TEXT, BIGINT) IS '@required p_instance_id p_execution_id';
COMMENT ON FUNCTION {schema}.sp_read_current_history(TEXT) IS '@required p_instance_id';

-- Joins
COMMENT ON FUNCTION {schema}.sp_get_instance_info(TEXT) IS '@exactly-one-row
@required p_instance_id';
COMMENT ON FUNCTION {schema}.sp_get_execution_info(TEXT, BIGINT) IS '@exactly-one-row
@required p_instance_id p_execution_id';
COMMENT ON FUNCTION {schema}.sp_list_instances_by_status(TEXT) IS '@required p_status';

-- Aggregates
COMMENT ON FUNCTION {schema}.sp_get_system_metrics() IS '@exactly-one-row';
COMMENT ON FUNCTION {schema}.sp_get_queue_depths(BIGINT) IS '@exactly-one-row
@required p_now_ms';

-- Writes
COMMENT ON FUNCTION {schema}.sp_enqueue_worker_work(JSONB, BIGINT) IS '@required p_work_item p_now_ms';
-- p_events: _sp_insert_history rejects NULL.
COMMENT ON FUNCTION {schema}.sp_append_history(TEXT, BIGINT, JSONB, BIGINT) IS
    '@required p_instance_id p_execution_id p_events p_now_ms';
COMMENT ON FUNCTION {schema}.sp_enqueue_orchestrator_work(JSONB, BIGINT, BIGINT) IS '@required p_work_item p_now_ms';

-- Worker queue. A NULL lock token matches no row: DXW01.
COMMENT ON FUNCTION {schema}.sp_dequeue_worker_peek_lock(BIGINT, BIGINT) IS '@required p_now_ms p_lock_timeout_ms';
COMMENT ON FUNCTION {schema}.sp_ack_worker(TEXT, JSONB, BIGINT) IS '@required p_lock_token p_completion p_now_ms';

-- Orchestration turns. A NULL lock token matches no lock: DXL01. The item arrays: the enqueue and history helpers
-- reject NULL.
COMMENT ON FUNCTION {schema}.sp_fetch_orchestration_item(BIGINT, BIGINT) IS '@required p_now_ms p_lock_timeout_ms';
COMMENT ON FUNCTION {schema}.sp_ack_orchestration_item(TEXT, BIGINT, BIGINT, JSONB, JSONB, JSONB, TEXT, TEXT, TEXT, TEXT)
    IS '@required p_lock_token p_now_ms p_execution_id p_history_delta p_worker_items p_orchestrator_items';
COMMENT ON FUNCTION {schema}.sp_abandon_orchestration_item(TEXT, BIGINT, BIGINT) IS '@required p_lock_token p_now_ms';
