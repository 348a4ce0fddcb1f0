import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';
import type { TenantSchema } from '../../support/tenant-schema.js';

/**
 * The validation factory's test hooks (contract v2 §3.30): plain SQL on the provider's tables, not provider operations.
 */

/** Overwrites every history event of the instance with valid JSON that is no event (the column is JSONB). */
export async function corruptInstanceHistory(tenant: TenantSchema, instance: string): Promise<void> {
  await tenant.pool.query(
    `UPDATE ${tenant.quoted}.${quoteIdentifier('history')} SET event_data = '{"garbage":true}' WHERE instance_id = $1`,
    [instance],
  );
}

/** The highest attempt count over the instance's orchestrator-queue rows (0 when it has none). */
export async function getMaxAttemptCount(tenant: TenantSchema, instance: string): Promise<number> {
  const result = await tenant.pool.query<{ n: number }>(
    `SELECT COALESCE(max(attempt_count), 0)::int AS n FROM ${tenant.quoted}.orchestrator_queue WHERE instance_id = $1`,
    [instance],
  );
  return result.rows[0]!.n;
}
