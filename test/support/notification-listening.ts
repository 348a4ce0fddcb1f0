import type pg from 'pg';
import type { TenantSchema } from './tenant-schema.js';

/**
 * Runs `listen` on a connection that counts as the schema's long-poll listener: the procedures notify only while a
 * connection named `_sp_notify_channel('listen')` is open (0015). The name is reset before the caller releases it.
 */
export async function asListener<T>(client: pg.ClientBase, tenant: TenantSchema, listen: () => Promise<T>): Promise<T> {
  await client.query(`SELECT set_config('application_name', ${tenant.quoted}._sp_notify_channel('listen'), false)`);
  try {
    return await listen();
  } finally {
    await client.query('RESET application_name');
  }
}
