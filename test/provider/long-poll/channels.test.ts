import { describe, expect, it } from 'vitest';
import { notifyChannel, QUEUES } from '../../../provider/long-poll/channels.js';
import { randomSchemaName, type TenantSchema, useTenantSchema } from '../../support/tenant-schema.js';

// 46 bytes of label + '_' + 16 hex digits: a 63-byte name, the longest PostgreSQL keeps; multi-byte characters make
// the UTF-8 bytes differ from the UTF-16 code units.
const LONGEST_LABEL = 'é'.repeat(20) + 'Abcdef';

const tenants = [
  useTenantSchema({ name: randomSchemaName(`Long "Poll" 'x' $$ b 😀`) }),
  useTenantSchema({ name: randomSchemaName(LONGEST_LABEL) }),
  useTenantSchema({ name: randomSchemaName('MixedCase') }),
];

async function channelInDatabase(tenant: TenantSchema, queue: string): Promise<string> {
  const result = await tenant.pool.query<{ channel: string }>(
    `SELECT ${tenant.quoted}._sp_notify_channel($1) AS channel`,
    [queue],
  );
  return result.rows[0]!.channel;
}

describe('notifyChannel', () => {
  it('is dx_<first 16 hex digits of md5(schema)>_<queue>', () => {
    // md5('public') = 4c9184f37cff01bcdc32dc486ec36961
    expect(notifyChannel('public', 'orch')).toBe('dx_4c9184f37cff01bc_orch');
    expect(notifyChannel('public', 'work')).toBe('dx_4c9184f37cff01bc_work');
  });

  it('names the same channel as {schema}._sp_notify_channel for odd schema names', async () => {
    expect(Buffer.byteLength(tenants[1]!.name, 'utf8')).toBe(63);
    for (const tenant of tenants) {
      for (const queue of QUEUES) {
        expect(notifyChannel(tenant.name, queue), tenant.name).toBe(await channelInDatabase(tenant, queue));
      }
    }
    const channels = tenants.flatMap((tenant) => QUEUES.map((queue) => notifyChannel(tenant.name, queue)));
    expect(new Set(channels).size).toBe(channels.length);
  });
});
