import type pg from 'pg';
import type { TurnAck } from '../backend.js';
import { InlineSqlError, expiredLockToken, invalidLockToken } from './inline-sql-error.js';
import { type SchemaTables, timestampOf } from './schema-tables.js';
import type { StoreWrites } from './store-writes.js';
import { inTransaction } from './transaction.js';

const STATUSES = new Set(['Running', 'Completed', 'Failed', 'ContinuedAsNew']);

/**
 * `ack_orchestration_item` and `abandon_orchestration_item`, each one client-side transaction. Any failure rolls
 * back: the lock stays held and the batch stays tagged, exactly as before the call.
 */
export class OrchestrationAck {
  private readonly claimLock: string;
  private readonly lockExists: string;
  private readonly upsertInstance: string;
  private readonly advanceInstance: string;
  private readonly insertExecution: string;
  private readonly applyStatus: string;
  private readonly deleteBatch: string;
  private readonly releaseLock: string;
  private readonly holdLock: string;
  private readonly untagBatch: string;
  private readonly delayInstance: string;

  constructor(
    private readonly pool: pg.Pool,
    tables: SchemaTables,
    private readonly writes: StoreWrites,
  ) {
    // Deleting the lock row first claims it: a concurrent ack with the same token waits here, then finds nothing.
    this.claimLock = `
      DELETE FROM ${tables.instanceLocks} l
       WHERE l.lock_token = $1 AND l.locked_until > $2::bigint
      RETURNING l.instance_id`;
    this.lockExists = `SELECT EXISTS (SELECT 1 FROM ${tables.instanceLocks} l WHERE l.lock_token = $1) AS found`;
    this.upsertInstance = `
      INSERT INTO ${tables.instances} AS i (instance_id, orchestration_name, orchestration_version,
                                            current_execution_id, created_at, updated_at)
      VALUES ($1, $2, $3, $4::bigint, ${timestampOf('$5')}, ${timestampOf('$5')})
      ON CONFLICT (instance_id) DO UPDATE
         SET orchestration_name = EXCLUDED.orchestration_name,
             orchestration_version = EXCLUDED.orchestration_version,
             current_execution_id = GREATEST(i.current_execution_id, EXCLUDED.current_execution_id),
             updated_at = EXCLUDED.updated_at`;
    this.advanceInstance = `
      UPDATE ${tables.instances} i
         SET current_execution_id = GREATEST(i.current_execution_id, $2::bigint),
             updated_at = ${timestampOf('$3')}
       WHERE i.instance_id = $1`;
    this.insertExecution = `
      INSERT INTO ${tables.executions} (instance_id, execution_id, status, started_at)
      SELECT $1, $2::bigint, 'Running', ${timestampOf('$3')}
       WHERE EXISTS (SELECT 1 FROM ${tables.instances} i WHERE i.instance_id = $1)
      ON CONFLICT (instance_id, execution_id) DO NOTHING`;
    this.applyStatus = `
      UPDATE ${tables.executions} e
         SET status = $3::text,
             output = $4::text,
             completed_at = CASE WHEN $3::text = 'Running' THEN NULL ELSE ${timestampOf('$5')} END
       WHERE e.instance_id = $1 AND e.execution_id = $2::bigint`;
    // Exactly the fetched batch: messages that arrived during the turn are untagged and stay.
    this.deleteBatch = `DELETE FROM ${tables.orchestratorQueue} q WHERE q.lock_token = $1`;
    this.releaseLock = `DELETE FROM ${tables.instanceLocks} l WHERE l.lock_token = $1 RETURNING l.instance_id`;
    // The lock row stays until the delay ends, under a fresh token nobody is given: no fetch takes the instance before
    // then, so a message or timer that becomes visible meanwhile waits for the batch. It expires like a lock.
    this.holdLock = `
      UPDATE ${tables.instanceLocks} l
         SET lock_token = gen_random_uuid()::text, locked_until = $2::bigint + $3::bigint, locked_at = $2::bigint
       WHERE l.lock_token = $1
      RETURNING l.instance_id`;
    this.untagBatch = `
      UPDATE ${tables.orchestratorQueue} q
         SET lock_token = NULL, locked_until = NULL
       WHERE q.lock_token = $1`;
    // Every visible message of the instance, so one that arrived during the turn is not fetched alone ahead of it.
    this.delayInstance = `
      UPDATE ${tables.orchestratorQueue} q
         SET visible_at = $2::bigint + $3::bigint
       WHERE q.instance_id = $1 AND q.visible_at <= $2::bigint`;
  }

  async ack(turn: TurnAck): Promise<void> {
    const { lockToken, nowMs, executionId, metadata } = turn;
    const status = metadata.status ?? null;
    if (status !== null && !STATUSES.has(status)) {
      throw new InlineSqlError(
        '22023',
        `Unknown status ${status}: expected Running, Completed, Failed or ContinuedAsNew`,
      );
    }
    await inTransaction(this.pool, async (client) => {
      const claimed = await client.query<{ instance_id: string }>(this.claimLock, [lockToken, nowMs]);
      const instance = claimed.rows[0]?.instance_id;
      if (instance === undefined) {
        const lock = await client.query<{ found: boolean }>(this.lockExists, [lockToken]);
        throw lock.rows[0]?.found ? expiredLockToken() : invalidLockToken();
      }

      const name = metadata.orchestrationName ?? null;
      const version = metadata.orchestrationVersion ?? null;
      if (name !== null && version !== null) {
        await client.query(this.upsertInstance, [instance, name, version, executionId, nowMs]);
      } else {
        await client.query(this.advanceInstance, [instance, executionId, nowMs]);
      }
      await client.query(this.insertExecution, [instance, executionId, nowMs]);
      await this.writes.insertHistory(client, instance, executionId, turn.historyDelta, nowMs);
      if (status !== null) {
        await client.query(this.applyStatus, [instance, executionId, status, metadata.output ?? null, nowMs]);
      }
      await this.writes.insertWorkerItems(client, turn.workerItems, nowMs);
      await this.writes.insertOrchestratorItems(client, turn.orchestratorItems, nowMs, 0);
      await client.query(this.deleteBatch, [lockToken]);
    });
  }

  /**
   * Releases the lock (expired or not, as long as no other fetch took it) and untags the batch. A positive delay holds
   * the instance until now + delay and hides every visible message of it until then, so nothing of the instance is
   * fetched alone ahead of the batch (contract §3.18). Without a delay visibility is left alone.
   */
  async abandon(lockToken: string, nowMs: number, delayMs: number | null): Promise<void> {
    const delayed = delayMs !== null && delayMs > 0;
    await inTransaction(this.pool, async (client) => {
      const released = await client.query<{ instance_id: string }>(
        delayed ? this.holdLock : this.releaseLock,
        delayed ? [lockToken, nowMs, delayMs] : [lockToken],
      );
      const instance = released.rows[0]?.instance_id;
      if (instance === undefined) throw invalidLockToken();
      await client.query(this.untagBatch, [lockToken]);
      if (delayed) await client.query(this.delayInstance, [instance, nowMs, delayMs]);
    });
  }
}
