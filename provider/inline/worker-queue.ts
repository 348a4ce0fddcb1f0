import type pg from 'pg';
import type { WorkerLease } from '../types/provider-types.js';
import type { WorkItem } from '../types/work-item.js';
import { InlineSqlError } from './inline-sql-error.js';
import type { SchemaTables } from './schema-tables.js';
import type { StoreWrites } from './store-writes.js';
import { inTransaction } from './transaction.js';
import { checkCompletion, checkItemGiven } from './work-item-checks.js';

/** The worker queue: enqueue, peek-lock dequeue, and the ack that turns an activity into its completion. */
export class WorkerQueue {
  private readonly dequeue: string;
  private readonly deleteLeased: string;

  constructor(
    private readonly pool: pg.Pool,
    tables: SchemaTables,
    private readonly writes: StoreWrites,
  ) {
    // SKIP LOCKED is right here: any available row is a valid answer, so skipping one another caller is taking never
    // reports a false "empty". An expired lock makes the row available again under a new token. On the v2 schema this
    // v1 dequeue is `fetchWorkItem` without a session and with the default tag filter: visible, untagged rows that
    // belong to no session, and each fetch counts an attempt.
    this.dequeue = `
      WITH next AS (
          SELECT w.id FROM ${tables.workerQueue} w
           WHERE (w.lock_token IS NULL OR w.locked_until <= $1::bigint)
             AND w.visible_at <= $1::bigint
             AND w.session_id IS NULL
             AND w.tag IS NULL
           ORDER BY w.id
           LIMIT 1
             FOR UPDATE SKIP LOCKED)
      UPDATE ${tables.workerQueue} w
         SET lock_token = gen_random_uuid()::text,
             locked_until = $1::bigint + $2::bigint,
             attempt_count = w.attempt_count + 1
        FROM next
       WHERE w.id = next.id
      RETURNING w.work_item, w.lock_token`;
    this.deleteLeased = `DELETE FROM ${tables.workerQueue} w WHERE w.lock_token = $1`;
  }

  async enqueue(item: WorkItem, nowMs: number): Promise<void> {
    checkItemGiven(item);
    await this.writes.insertWorkerItems(this.pool, [item], nowMs);
  }

  async dequeuePeekLock(nowMs: number, lockTimeoutMs: number): Promise<WorkerLease | null> {
    const result = await this.pool.query<{ work_item: WorkItem; lock_token: string }>(this.dequeue, [
      nowMs,
      lockTimeoutMs,
    ]);
    const row = result.rows[0];
    return row === undefined ? null : { item: row.work_item, lockToken: row.lock_token };
  }

  /**
   * Deletes the leased row and enqueues the completion for the instance it names, atomically. A token that matches
   * nothing (already acked, or redelivered under a new token after its lock expired) enqueues nothing.
   */
  async ack(lockToken: string, completion: WorkItem, nowMs: number): Promise<void> {
    checkCompletion(completion);
    await inTransaction(this.pool, async (client) => {
      const deleted = await client.query(this.deleteLeased, [lockToken]);
      if (deleted.rowCount === 0) {
        throw new InlineSqlError('DXW01', 'Worker queue item not found or already processed');
      }
      await this.writes.insertOrchestratorItems(client, [completion], nowMs, 0);
    });
  }
}
