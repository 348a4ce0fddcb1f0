-- Contract v2 §3.15: the long-polling listener's safety net.
--
-- Notifications (0007 `_sp_notify`) tell waiting fetches about new work, but some work becomes fetchable by time
-- alone — a lock or a session lease that expires produces no event — and notifications sent while the listener was
-- disconnected are lost. After every (re)connect and every refresh interval the listener therefore asks this
-- procedure when each queue next changes, arms a timer for it, and wakes every waiter once.

-- The earliest moment after p_now_ms, and at most p_horizon_ms later, at which something of a queue may become
-- fetchable: one row per queue ('orch', 'work') that has such a moment, none for a queue that has none.
--
-- * Orchestrator queue: a message's `visible_at` (timers, delayed enqueues and abandons), the expiry of a tagged
--   message's lock, and the expiry of an instance lock over queued messages (a lapsed turn; an abandon's hold).
-- * Worker queue: a row's `visible_at` (delayed abandon), the expiry of a row's lock, and the expiry of a session
--   lease over rows of that session (they become fetchable for other owners).
--
-- The answer may be early (a lock that is acked before it expires): a waiter woken then finds nothing and waits
-- again; the listener asks again after such a timer. Each part is a MIN over an index range or over the few locked
-- rows, so the call stays cheap on a long queue. Reads only; one statement.
-- @required p_now_ms p_horizon_ms
-- @not-null
CREATE OR REPLACE FUNCTION {schema}.sp_next_visible_at(p_now_ms BIGINT, p_horizon_ms BIGINT)
RETURNS TABLE(queue TEXT, visible_at BIGINT) AS $$
#variable_conflict use_column
DECLARE
    v_until BIGINT;
BEGIN
    IF p_now_ms IS NULL OR p_horizon_ms IS NULL THEN
        RAISE EXCEPTION 'p_now_ms and p_horizon_ms must not be NULL' USING ERRCODE = '22023';
    END IF;
    PERFORM {schema}._sp_check_safe_integer('p_now_ms', p_now_ms, 0);
    PERFORM {schema}._sp_check_safe_integer('p_horizon_ms', p_horizon_ms, 0);
    -- Both are at most 2^53 - 1, so the sum fits a BIGINT.
    v_until := p_now_ms + p_horizon_ms;

    RETURN QUERY
    SELECT n.queue, n.visible_at
      FROM (SELECT 'orch'::text AS queue, LEAST(
                (SELECT min(q.visible_at) FROM {schema}.orchestrator_queue q
                  WHERE q.visible_at > p_now_ms AND q.visible_at <= v_until),
                (SELECT min(q.locked_until) FROM {schema}.orchestrator_queue q
                  WHERE q.lock_token IS NOT NULL AND q.locked_until > p_now_ms AND q.locked_until <= v_until),
                (SELECT min(l.locked_until) FROM {schema}.instance_locks l
                  WHERE l.locked_until > p_now_ms AND l.locked_until <= v_until
                    AND EXISTS (SELECT 1 FROM {schema}.orchestrator_queue q WHERE q.instance_id = l.instance_id))
            ) AS visible_at
            UNION ALL
            SELECT 'work'::text, LEAST(
                (SELECT min(w.visible_at) FROM {schema}.worker_queue w
                  WHERE w.visible_at > p_now_ms AND w.visible_at <= v_until),
                (SELECT min(w.locked_until) FROM {schema}.worker_queue w
                  WHERE w.lock_token IS NOT NULL AND w.locked_until > p_now_ms AND w.locked_until <= v_until),
                (SELECT min(s.locked_until) FROM {schema}.sessions s
                  WHERE s.locked_until > p_now_ms AND s.locked_until <= v_until
                    AND EXISTS (SELECT 1 FROM {schema}.worker_queue w WHERE w.session_id = s.session_id))
            )) n
     WHERE n.visible_at IS NOT NULL
     ORDER BY n.queue;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC;
