-- Notifications only while somebody long-polls (issue 12).
--
-- PostgreSQL commits the transactions that sent a NOTIFY one at a time: the commit takes a database-wide lock before
-- it writes its commit record and holds it through the WAL flush, so on durable settings every notifying enqueue and
-- ack waits for the fsyncs of all the others instead of sharing one (group commit). Every write of contract v2 §3.15
-- notifies, so a provider that does not long-poll (long polling is off by default) paid that price for nobody: the
-- worker queue at 24 workers reached 404 jobs/s with the notification against 1,233 without it (a SQL-only loop).
--
-- `_sp_notify` now sends only while a long-poll listener of this schema is connected to this database: the provider's
-- listener connects with `application_name` = `_sp_notify_channel('listen')` (`dx_<16 hex of md5(schema)>_listen`,
-- `provider/long-poll/channels.ts`), which every role may read in `pg_stat_get_activity`. The backend-status snapshot
-- is taken once per transaction, so one call decides alike for all its notifications. A listener that connects while
-- a write is in flight may miss that write's notification; its start-up refresh (`sp_next_visible_at`, after LISTEN)
-- or the next periodic one finds the work instead — the safety net §3.15 already has for lost notifications.
-- Somebody else LISTENing on the channels must set that application_name too to be notified.
--
-- Conventions as in 0007: `{schema}` qualifies every name; the helper stays SECURITY INVOKER and pins search_path.

CREATE OR REPLACE FUNCTION {schema}._sp_notify(p_queue TEXT, p_visible_at_ms BIGINT)
RETURNS VOID AS $$
BEGIN
    IF EXISTS (SELECT 1
                 FROM pg_stat_get_activity(NULL) a
                WHERE a.application_name = {schema}._sp_notify_channel('listen')
                  AND a.datid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())) THEN
        PERFORM pg_notify({schema}._sp_notify_channel(p_queue), p_visible_at_ms::text);
    END IF;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
