import type { HistoryEvent } from '../types/history-event.js';
import type { WorkItem } from '../types/work-item.js';
import { InlineSqlError } from './inline-sql-error.js';
import { toNumber } from './row-values.js';
import { type SchemaTables, timestampOf } from './schema-tables.js';
import type { Queryable } from './transaction.js';
import { checkEvent, checkOrchestratorItem, checkWorkerItem } from './work-item-checks.js';

/**
 * The writes several operations share (append and ack write history; enqueue, ack and ack_worker write orchestrator
 * messages; enqueue and ack write worker items), each as the procedures' `_sp_*` helper does it. Callers that issue
 * several statements run them inside one transaction.
 */
export class StoreWrites {
  private readonly existingEventIds: string;
  private readonly insertHistoryRows: string;
  private readonly insertWorkerRows: string;
  private readonly insertOrchestratorRows: string;

  constructor(tables: SchemaTables) {
    this.existingEventIds = `
      SELECT h.event_id FROM ${tables.history} h
       WHERE h.instance_id = $1 AND h.execution_id = $2 AND h.event_id = ANY ($3::bigint[])`;
    this.insertHistoryRows = `
      INSERT INTO ${tables.history} (instance_id, execution_id, event_id, event_type, event_data, created_at)
      SELECT $1, $2, (e.row ->> 'event_id')::bigint, e.row ->> 'event_type', e.row -> 'event_data', ${timestampOf('$4')}
        FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(row, ord)
       ORDER BY e.ord`;
    // Visible at once, with the identity and routing columns the v2 procedures derive from the item (0007's
    // `_sp_enqueue_worker_items`), so rows of both implementations look alike.
    this.insertWorkerRows = `
      INSERT INTO ${tables.workerQueue} (work_item, visible_at, attempt_count, instance_id, execution_id, activity_id,
                                         session_id, tag, created_at)
      SELECT e.item, $2::bigint, 0,
             e.item -> 'ActivityExecute' ->> 'instance',
             (e.item -> 'ActivityExecute' ->> 'execution_id')::bigint,
             (e.item -> 'ActivityExecute' ->> 'id')::bigint,
             e.item -> 'ActivityExecute' ->> 'session_id',
             e.item -> 'ActivityExecute' ->> 'tag',
             ${timestampOf('$2')}
        FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(item, ord)
       ORDER BY e.ord`;
    // One statement: new instances (and their first execution) for StartOrchestration items, then the messages.
    // A second start for an existing instance leaves that instance untouched.
    this.insertOrchestratorRows = `
      WITH created AS (
          INSERT INTO ${tables.instances} AS i (instance_id, orchestration_name, orchestration_version,
                                                current_execution_id, created_at, updated_at)
          SELECT s.start ->> 'instance',
                 s.start ->> 'orchestration',
                 COALESCE(s.start ->> 'version', '1.0.0'),
                 COALESCE((s.start ->> 'execution_id')::bigint, 1),
                 ${timestampOf('$3')},
                 ${timestampOf('$3')}
            FROM jsonb_array_elements($2::jsonb) AS s(start)
          ON CONFLICT (instance_id) DO NOTHING
          RETURNING i.instance_id, i.current_execution_id),
      created_executions AS (
          INSERT INTO ${tables.executions} (instance_id, execution_id, status, started_at)
          SELECT c.instance_id, c.current_execution_id, 'Running', ${timestampOf('$3')}
            FROM created c
          ON CONFLICT (instance_id, execution_id) DO NOTHING)
      INSERT INTO ${tables.orchestratorQueue} (instance_id, work_item, visible_at, created_at)
      SELECT m.row ->> 'instance_id',
             m.row -> 'item',
             GREATEST($3::bigint + $4::bigint, COALESCE((m.row ->> 'fire_at_ms')::bigint, 0)),
             ${timestampOf('$3')}
        FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS m(row, ord)
       ORDER BY m.ord`;
  }

  /**
   * Appends events to one execution, all or nothing. A duplicate event id — already stored, or twice in this call —
   * fails with 23505 naming the lowest such id; the primary key still catches a concurrent duplicate.
   */
  async insertHistory(
    db: Queryable,
    instance: string,
    executionId: number,
    events: readonly HistoryEvent[],
    nowMs: number,
  ): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((event) => {
      const { kind, eventId } = checkEvent(event);
      return { event_id: eventId, event_type: kind, event_data: event };
    });
    const ids = rows.map((row) => row.event_id);
    // One pass with a set: `indexOf` per event was quadratic (~0.7 s of blocked event loop at 40,000 events).
    const seen = new Set<number>();
    const duplicates = ids.filter((id) => seen.has(id) || !seen.add(id));
    const stored = await db.query<{ event_id: string }>(this.existingEventIds, [instance, executionId, ids]);
    duplicates.push(...stored.rows.map((row) => toNumber(row.event_id)));
    if (duplicates.length > 0) {
      const lowest = Math.min(...duplicates);
      throw new InlineSqlError(
        '23505',
        `Duplicate event_id ${lowest} in execution ${executionId} of instance ${instance}`,
      );
    }
    await db.query(this.insertHistoryRows, [instance, executionId, JSON.stringify(rows), nowMs]);
  }

  /** Enqueues ActivityExecute items in array order, unlocked. */
  async insertWorkerItems(db: Queryable, items: readonly WorkItem[], nowMs: number): Promise<void> {
    if (items.length === 0) return;
    items.forEach(checkWorkerItem);
    await db.query(this.insertWorkerRows, [JSON.stringify(items), nowMs]);
  }

  /**
   * Enqueues orchestrator messages in array order to the instance each routes to, visible at now + delay and a
   * TimerFired never before its fire_at_ms; a StartOrchestration for a new instance creates the instance (version
   * "1.0.0" when none is given) and its first execution.
   */
  async insertOrchestratorItems(
    db: Queryable,
    items: readonly WorkItem[],
    nowMs: number,
    delayMs: number | null,
  ): Promise<void> {
    if (items.length === 0) return;
    const rows = [];
    const startsByInstance = new Map<string, Record<string, unknown>>();
    for (const item of items) {
      const { kind, body, instance } = checkOrchestratorItem(item);
      // The first start of an instance in the batch is the one that may create it.
      if (kind === 'StartOrchestration' && !startsByInstance.has(instance)) startsByInstance.set(instance, body);
      rows.push({ instance_id: instance, item, fire_at_ms: kind === 'TimerFired' ? body.fire_at_ms : null });
    }
    await db.query(this.insertOrchestratorRows, [
      JSON.stringify(rows),
      JSON.stringify([...startsByInstance.values()]),
      nowMs,
      delayMs ?? 0,
    ]);
  }
}
