import type { TenantSchema } from '../../support/tenant-schema.js';

/**
 * The validation factory's test hooks (contract v2 §3.30): plain SQL on the provider's schema, not provider
 * operations.
 */

/** Overwrites every stored event of the instance with valid JSON that is no event (the column is JSONB). */
export async function corruptInstanceHistory(tenant: TenantSchema, instance: string): Promise<void> {
  await tenant.pool.query(
    `UPDATE ${tenant.quoted}.history SET event_data = '{"garbage":true}'::jsonb WHERE instance_id = $1`,
    [instance],
  );
}

/** The highest attempt count among the instance's orchestrator-queue rows; null when it has none. */
export async function getMaxAttemptCount(tenant: TenantSchema, instance: string): Promise<number | null> {
  const result = await tenant.pool.query<{ max: number | null }>(
    `SELECT max(attempt_count) AS max FROM ${tenant.quoted}.orchestrator_queue WHERE instance_id = $1`,
    [instance],
  );
  return result.rows[0]!.max;
}
