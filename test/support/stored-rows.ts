import type { TenantSchema } from './tenant-schema.js';

/**
 * Rows no provider call would write — valid JSON (the columns are JSONB) that is not a work item or an event, as a
 * newer runtime or a hand edit could leave — planted directly in a provider's tables.
 */

/** A message in the orchestrator queue for `instanceId`, visible from `visibleAtMs`. */
export async function storeOrchestratorMessage(
  tenant: TenantSchema,
  instanceId: string,
  workItem: unknown,
  visibleAtMs: number,
): Promise<void> {
  // A fixed created_at keeps table snapshots of two schemas comparable.
  await tenant.pool.query(
    `INSERT INTO ${tenant.quoted}.orchestrator_queue (instance_id, work_item, visible_at, created_at)
     VALUES ($1, $2::jsonb, $3, to_timestamp(0))`,
    [instanceId, JSON.stringify(workItem), visibleAtMs],
  );
}

/** An item in the worker queue. */
export async function storeWorkerItem(tenant: TenantSchema, workItem: unknown): Promise<void> {
  await tenant.pool.query(
    `INSERT INTO ${tenant.quoted}.worker_queue (work_item, created_at) VALUES ($1::jsonb, to_timestamp(0))`,
    [JSON.stringify(workItem)],
  );
}

/** Overwrites one stored history event. */
export async function overwriteHistoryEvent(
  tenant: TenantSchema,
  at: { instanceId: string; executionId: number; eventId: number },
  eventData: unknown,
): Promise<void> {
  const result = await tenant.pool.query(
    `UPDATE ${tenant.quoted}.history SET event_data = $4::jsonb
      WHERE instance_id = $1 AND execution_id = $2 AND event_id = $3`,
    [at.instanceId, at.executionId, at.eventId, JSON.stringify(eventData)],
  );
  if (result.rowCount !== 1) throw new Error(`no history event ${JSON.stringify(at)}`);
}
