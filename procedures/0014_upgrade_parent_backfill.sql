-- Upgrade fix: the parent of sub-orchestrations that started under v1 (provider-contract-v2.md §1.1, §1.10).
--
-- 0007 added `instances.parent_instance_id` but filled it for no existing row, and v2 sets it only from the metadata of
-- the ack that starts an execution. A child whose first turn ran under v1 therefore kept NULL for good: after the
-- upgrade getParentId said "root", listChildren and getInstanceTree missed it, and deleting the parent neither
-- refused nor cascaded to it. v1 recorded the parent in the child's own history (`OrchestrationStarted.parent_instance`
-- of its first execution), which is read here. (A child whose start was still queued gets its parent from its first
-- v2 ack, as any new child does.) Only NULL columns are filled (the column is immutable once set, §1.1), so running this on a schema that v2
-- has used already changes nothing: v2 writes the same value from the same event.

UPDATE {schema}.instances i
   SET parent_instance_id = s.parent
  FROM (SELECT DISTINCT ON (h.instance_id)
               h.instance_id,
               CASE WHEN jsonb_typeof(h.event_data -> 'OrchestrationStarted' -> 'parent_instance') = 'string'
                    THEN h.event_data -> 'OrchestrationStarted' ->> 'parent_instance' END AS parent
          FROM {schema}.history h
         WHERE h.event_type = 'OrchestrationStarted'
         ORDER BY h.instance_id, h.execution_id, h.event_id) s
 WHERE i.instance_id = s.instance_id AND i.parent_instance_id IS NULL AND s.parent <> '';

