import type pg from 'pg';
import type { StoredTurn } from '../backend.js';
import type { WorkItem } from '../types/work-item.js';
import { jsonText, member, toNumber } from './row-values.js';
import type { SchemaTables } from './schema-tables.js';
import { inTransaction } from './transaction.js';
import { kindOf } from '../kinds.js';

interface LockedBatch {
  lockToken: string;
  messages: WorkItem[];
}

interface Description {
  orchestrationName: string | null;
  version: string | null;
  executionId: number | null;
}

/**
 * `fetch_orchestration_item` with contract v1 semantics (no capability filter, no attempt counts, orphan batches
 * returned as 'Unknown', no KV snapshot) in one client-side transaction: locks one instance that has visible messages and no live
 * lock, tags all its visible messages as the batch, and returns them with the current execution's history.
 *
 * Losing a candidate to a concurrent fetcher moves on to the next one, so "no work" is returned only when no
 * instance is eligible. Each attempt runs under a savepoint and a lost attempt rolls back to it, releasing that
 * candidate's advisory lock and row locks before the next attempt: a fetch never holds one instance while waiting
 * for another.
 */
export class OrchestrationFetch {
  private readonly nextCandidate: string;
  private readonly advisoryLock: string;
  private readonly lockInstance: string;
  private readonly tagBatch: string;
  private readonly instanceRow: string;
  private readonly startedEvent: string;
  private readonly executionHistory: string;

  constructor(
    private readonly pool: pg.Pool,
    tables: SchemaTables,
  ) {
    // Oldest visible message of an instance without a live lock, skipping instances already tried in this call.
    this.nextCandidate = `
      SELECT q.instance_id FROM ${tables.orchestratorQueue} q
       WHERE q.visible_at <= $1::bigint
         AND NOT (q.instance_id = ANY ($2::text[]))
         AND NOT EXISTS (SELECT 1 FROM ${tables.instanceLocks} l
                          WHERE l.instance_id = q.instance_id AND l.locked_until > $1::bigint)
       ORDER BY q.visible_at, q.id
       LIMIT 1`;
    // The procedure's advisory lock, its class read from the schema, so fetchers of both implementations exclude
    // each other on an instance.
    this.advisoryLock = `SELECT pg_advisory_xact_lock(${tables.fetchLockClass}, hashtext($1))`;
    // Takes the lock when there is none or it expired; no row back means another fetch holds it.
    this.lockInstance = `
      INSERT INTO ${tables.instanceLocks} AS l (instance_id, lock_token, locked_until, locked_at)
      VALUES ($1, gen_random_uuid()::text, $2::bigint, $3::bigint)
      ON CONFLICT (instance_id) DO UPDATE
         SET lock_token = EXCLUDED.lock_token,
             locked_until = EXCLUDED.locked_until,
             locked_at = EXCLUDED.locked_at
       WHERE l.locked_until <= $3::bigint
      RETURNING l.lock_token`;
    // Re-reads the messages after the lock is taken (another turn may have consumed them); replaces stale tags.
    this.tagBatch = `
      UPDATE ${tables.orchestratorQueue} q
         SET lock_token = $3, locked_until = $4::bigint
       WHERE q.instance_id = $1
         AND q.visible_at <= $2::bigint
         AND (q.lock_token IS NULL OR q.locked_until <= $2::bigint)
      RETURNING q.id, q.work_item`;
    this.instanceRow = `
      SELECT i.orchestration_name, COALESCE(i.orchestration_version, 'unknown') AS orchestration_version,
             i.current_execution_id
        FROM ${tables.instances} i
       WHERE i.instance_id = $1`;
    this.startedEvent = `
      SELECT h.event_data -> 'OrchestrationStarted' ->> 'name' AS orchestration_name,
             COALESCE(h.event_data -> 'OrchestrationStarted' ->> 'version', 'unknown') AS orchestration_version,
             h.execution_id
        FROM ${tables.history} h
       WHERE h.instance_id = $1 AND h.event_type = 'OrchestrationStarted'
       ORDER BY h.execution_id DESC, h.event_id
       LIMIT 1`;
    this.executionHistory = `
      SELECT h.event_data FROM ${tables.history} h
       WHERE h.instance_id = $1 AND h.execution_id = $2
       ORDER BY h.event_id`;
  }

  fetch(nowMs: number, lockTimeoutMs: number): Promise<StoredTurn | null> {
    const lockedUntil = nowMs + lockTimeoutMs;
    return inTransaction(this.pool, async (client) => {
      const tried: string[] = [];
      for (;;) {
        const candidate = await client.query<{ instance_id: string }>(this.nextCandidate, [nowMs, tried]);
        const instance = candidate.rows[0]?.instance_id;
        if (instance === undefined) return null;
        tried.push(instance);
        const batch = await this.tryLock(client, instance, nowMs, lockedUntil);
        if (batch !== null) return this.describe(client, instance, batch);
      }
    });
  }

  private async tryLock(
    client: pg.PoolClient,
    instance: string,
    nowMs: number,
    lockedUntil: number,
  ): Promise<LockedBatch | null> {
    await client.query('SAVEPOINT fetch_attempt');
    await client.query(this.advisoryLock, [instance]);
    const lock = await client.query<{ lock_token: string }>(this.lockInstance, [instance, lockedUntil, nowMs]);
    const lockToken = lock.rows[0]?.lock_token;
    if (lockToken !== undefined) {
      const tagged = await client.query<{ id: string; work_item: WorkItem }>(this.tagBatch, [
        instance,
        nowMs,
        lockToken,
        lockedUntil,
      ]);
      if (tagged.rows.length > 0) {
        await client.query('RELEASE SAVEPOINT fetch_attempt');
        const messages = tagged.rows
          .map((row) => ({ id: toNumber(row.id), item: row.work_item }))
          .sort((a, b) => a.id - b.id)
          .map((row) => row.item);
        return { lockToken, messages };
      }
    }
    await client.query('ROLLBACK TO SAVEPOINT fetch_attempt; RELEASE SAVEPOINT fetch_attempt');
    return null;
  }

  /** Name, version and execution of the locked instance, then that execution's history. */
  private async describe(client: pg.PoolClient, instance: string, batch: LockedBatch): Promise<StoredTurn> {
    const description =
      (await this.describeFromInstance(client, instance)) ??
      describeFromBatch(batch.messages) ??
      (await this.describeFromHistory(client, instance));
    const executionId = description?.executionId ?? 1;
    const history = await client.query<{ event_data: unknown }>(this.executionHistory, [instance, executionId]);
    return {
      instance,
      orchestrationName: description?.orchestrationName ?? 'Unknown',
      executionId,
      version: description?.version ?? 'unknown',
      history: history.rows.map((row) => row.event_data),
      messages: batch.messages,
      kvSnapshot: {},
      lockToken: batch.lockToken,
      // Contract v1 counts no attempts: every fetch is reported as a first one (no poison detection on this path).
      attemptCount: 1,
    };
  }

  private async describeFromInstance(client: pg.PoolClient, instance: string): Promise<Description | null> {
    const result = await client.query<DescriptionRow>(this.instanceRow, [instance]);
    return describeRow(result.rows[0]);
  }

  /** Messages for an instance that has neither a row nor a start: the OrchestrationStarted of its history, if any. */
  private async describeFromHistory(client: pg.PoolClient, instance: string): Promise<Description | null> {
    const result = await client.query<DescriptionRow>(this.startedEvent, [instance]);
    return describeRow(result.rows[0]);
  }
}

interface DescriptionRow {
  orchestration_name: string | null;
  orchestration_version: string | null;
  current_execution_id?: string;
  execution_id?: string;
}

function describeRow(row: DescriptionRow | undefined): Description | null {
  if (row === undefined) return null;
  const executionId = row.current_execution_id ?? row.execution_id;
  return {
    orchestrationName: row.orchestration_name,
    version: row.orchestration_version,
    executionId: executionId === undefined ? null : toNumber(executionId),
  };
}

/**
 * Messages for an instance without a row: described by the first StartOrchestration or ContinueAsNew of the batch
 * (recognised as the procedure's `_sp_kind` does, so a stored row that is not a work item cannot make the fetch throw).
 * Orphans are still returned (as 'Unknown') so the runtime acks them away instead of them blocking the queue head.
 */
function describeFromBatch(messages: readonly WorkItem[]): Description | null {
  const first = messages.find((message) => ['StartOrchestration', 'ContinueAsNew'].includes(kindOf(message) ?? ''));
  if (first === undefined) return null;
  if (kindOf(first) === 'StartOrchestration') {
    const start = member(first, 'StartOrchestration');
    const executionId = member(start, 'execution_id');
    return {
      orchestrationName: jsonText(member(start, 'orchestration')),
      version: jsonText(member(start, 'version')) ?? '1.0.0',
      executionId: executionId === null || executionId === undefined ? 1 : Number(executionId),
    };
  }
  const next = member(first, 'ContinueAsNew');
  return {
    orchestrationName: jsonText(member(next, 'orchestration')),
    version: jsonText(member(next, 'version')) ?? '1.0.0',
    executionId: 1,
  };
}
