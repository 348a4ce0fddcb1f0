-- Least privilege: the procedures are the application's only way into the tenant schema.
--
-- * Every function of the schema pins `search_path` to `pg_catalog, pg_temp`. Unqualified names in the bodies (and
--   in their dynamic SQL) then resolve in pg_catalog and nowhere else, whatever path the caller set: a function or
--   operator planted in `public` or any other schema on the caller's path can no longer be picked as a closer match
--   than the built-in one (e.g. `to_timestamp(p_now_ms / 1000.0)`, whose numeric argument matches a planted
--   `to_timestamp(numeric)` exactly, where pg_catalog only has `to_timestamp(double precision)`). Every table and
--   function of the schema is already written `{schema}.name`. pg_temp comes last so that, if it is searched at all
--   (for tables), it cannot shadow anything; functions and operators are never looked up there.
-- * The provider's operations (the `sp_*` functions the generated client wraps, `sp_procedure_fingerprint`
--   included, which the provider checks at start-up) are SECURITY DEFINER: they run as the schema owner, so an
--   application role needs only USAGE on the schema and EXECUTE on them, and no privilege on any table. The set of
--   SECURITY DEFINER functions is the schema's API: the grant step (`provider/migrations/grant-application-role.ts`,
--   `npm run grant`) grants EXECUTE on exactly those.
-- * The `_sp_*` helpers stay SECURITY INVOKER: they run inside an operation, i.e. already as the owner (or in the
--   owner's own sessions: migrations, the inline-SQL baseline). Nobody else is granted them.
-- * The schema-management functions (`sp_create_schema`, `sp_initialize_tables`, `sp_create_indexes`,
--   `sp_cleanup_schema`) stay SECURITY INVOKER and are never granted to the application role: they take schema
--   names and run DDL, so as SECURITY DEFINER they would let any caller create or drop objects in any schema with
--   the owner's rights. Installing and removing schemas is the owner's (the migration role's) job, done with its
--   own privileges.
-- * PUBLIC loses the EXECUTE every new function gets by default, on every function of the schema.
--
-- A later `CREATE OR REPLACE FUNCTION` resets SECURITY and SET to the defaults (it keeps the owner and the grants),
-- and a function created later is SECURITY INVOKER, unpinned and executable by PUBLIC. A migration that redefines
-- or adds a function must therefore repeat the ALTER FUNCTION line below for it (and REVOKE a new one from PUBLIC).
-- test/security/function-catalog.test.ts checks a migrated schema: every function pins search_path, the client's
-- operations are exactly the SECURITY DEFINER functions, and PUBLIC can execute none.

-- Operations (SECURITY DEFINER)
ALTER FUNCTION {schema}.sp_list_instances() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_list_executions(TEXT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_get_latest_execution_id(TEXT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_read_history(TEXT, BIGINT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_read_current_history(TEXT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_get_instance_info(TEXT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_get_execution_info(TEXT, BIGINT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_list_instances_by_status(TEXT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_get_system_metrics() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_get_queue_depths(BIGINT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_enqueue_worker_work(JSONB, BIGINT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_append_history(TEXT, BIGINT, JSONB, BIGINT)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_enqueue_orchestrator_work(JSONB, BIGINT, BIGINT)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_dequeue_worker_peek_lock(BIGINT, BIGINT)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_ack_worker(TEXT, JSONB, BIGINT) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_fetch_orchestration_item(BIGINT, BIGINT)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_ack_orchestration_item(TEXT, BIGINT, BIGINT, JSONB, JSONB, JSONB, TEXT, TEXT, TEXT, TEXT)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_abandon_orchestration_item(TEXT, BIGINT, BIGINT)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_procedure_fingerprint() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Helpers (SECURITY INVOKER: they run inside an operation)
ALTER FUNCTION {schema}._sp_kind(JSONB) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}._sp_route(TEXT, JSONB) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}._sp_is_whole_bigint(JSONB, NUMERIC) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}._sp_check_safe_integer(TEXT, BIGINT, BIGINT) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}._sp_latest_execution_id(TEXT) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}._sp_insert_history(TEXT, BIGINT, JSONB, BIGINT) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}._sp_enqueue_worker_items(JSONB, BIGINT) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}._sp_enqueue_orchestrator_items(JSONB, BIGINT, BIGINT) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}._sp_fetch_lock_class() SET search_path = pg_catalog, pg_temp;

-- Schema management (SECURITY INVOKER, never granted: the owner installs and removes schemas)
ALTER FUNCTION {schema}.sp_create_schema(TEXT) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_initialize_tables(TEXT) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_create_indexes(TEXT) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.sp_cleanup_schema() SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
