/** The v2 management operations' own checks: procedures only, arguments refused with 22023, reads of bad rows. */
import { describe, expect } from 'vitest';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { externalRaised, orchestrationStarted } from '../support/work-items.js';
import { providerTest } from './support/provider-factory.js';
import { providerErrorOf } from './support/scenario-helpers.js';
import { corruptInstanceHistory, getMaxAttemptCount } from './support/test-hooks.js';

describe('procedure-only operations', () => {
  const it = providerTest('procedures');

  it("refuses a per-method choice of 'inline' for them at create", async ({ createProvider }) => {
    const { tenant } = await createProvider();
    const create = PostgresProvider.create({
      pool: tenant.pool,
      schema: tenant.name,
      implementation: { read: 'inline', deleteInstance: 'inline' } as never,
    });
    await expect(create).rejects.toThrow(
      /cannot serve deleteInstance: contract v2's operations exist only as procedures/,
    );
  });

  it("serves them from the procedures when every method is 'inline'", async ({ createProvider }) => {
    const { tenant } = await createProvider();
    const provider = await PostgresProvider.create({
      pool: tenant.pool,
      schema: tenant.name,
      implementation: 'inline',
    });
    try {
      expect(await provider.getInstanceTree('lonely')).toEqual({ rootId: 'lonely', allIds: ['lonely'] });
    } finally {
      await provider.close();
    }
  });

  it('refuses bad arguments with 22023 naming them, before any database call', async ({ provider }) => {
    const calls: [Promise<unknown>, RegExp][] = [
      [provider.getCustomStatus('x', -1), /lastSeenVersion/],
      [provider.getCustomStatus('', 0), /instance id/],
      [provider.getKvValue('x', 5 as never), /key/],
      [provider.deleteInstancesAtomic('x' as never, false), /instance ids/],
      [provider.deleteInstancesAtomic(['x', ''], false), /instance id/],
      [provider.deleteInstance('x', 'yes' as never), /force/],
      [provider.deleteInstanceBulk({ limit: -1 }), /filter.limit/],
      [provider.deleteInstanceBulk({ limit: 2 ** 31 }), /filter.limit/],
      [provider.deleteInstanceBulk({ completedBefore: 1.5 }), /filter.completedBefore/],
      [provider.deleteInstanceBulk(null as never), /filter must be an object/],
      [provider.pruneExecutions('x', { keepLast: 1.5 }), /options.keepLast/],
      [provider.pruneExecutionsBulk({ instanceIds: [7 as never] }, {}), /instance id/],
      [provider.pruneExecutionsBulk({}, { completedBefore: -1 }), /options.completedBefore/],
    ];
    for (const [call, naming] of calls) {
      const error = await providerErrorOf(call);
      expect(error.sqlstate).toBe('22023');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(naming);
    }
  });

  it('readHistory: [] for an unknown instance, the events otherwise, DXC01 for a corrupted history', async ({
    createProvider,
  }) => {
    const { provider, tenant } = await createProvider();
    expect(await provider.readHistory('h-nobody')).toEqual([]);
    await provider.appendWithExecution('h', 1, [orchestrationStarted(1)]);
    expect(await provider.readHistory('h')).toEqual(await provider.read('h'));
    await corruptInstanceHistory(tenant, 'h');
    const error = await providerErrorOf(provider.readHistory('h'));
    expect(error.sqlstate).toBe('DXC01');
    expect(error.message).toContain('Failed to deserialize');
  });

  it('the attempt-count hook reads the highest count of the instance', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    expect(await getMaxAttemptCount(tenant, 'hook'), 'no rows').toBe(0);
    await provider.enqueueOrchestratorWork(externalRaised('hook'));
    await tenant.pool.query(`UPDATE ${tenant.quoted}.orchestrator_queue SET attempt_count = 3`);
    expect(await getMaxAttemptCount(tenant, 'hook')).toBe(3);
  });
});
