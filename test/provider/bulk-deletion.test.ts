/** Contract v2 §4.14 — bulk deletion of finished root instances with their trees. */
import { describe, expect } from 'vitest';
import { PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { createInstance } from './support/scenario-helpers.js';
import { createFinished } from './support/v2-turns.js';

describe.each(PROCEDURE_VARIANTS)('bulk deletion (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-bulk-01 delete instance bulk filter combinations', async ({ provider }) => {
    for (const id of ['bulk-1', 'bulk-2', 'bulk-3', 'bulk-4', 'bulk-5']) await createFinished(provider, id);
    expect((await provider.deleteInstanceBulk({ instanceIds: ['bulk-1', 'bulk-2'] })).instancesDeleted).toBe(2);
    expect((await provider.deleteInstanceBulk({ instanceIds: ['bulk-nope', 'bulk-none'] })).instancesDeleted).toBe(0);
    expect((await provider.deleteInstanceBulk({})).instancesDeleted).toBeGreaterThanOrEqual(3);
    expect(await provider.listInstances()).toEqual([]);
  });

  it('V2-bulk-02 delete instance bulk safety and limits', async ({ provider }) => {
    await createFinished(provider, 'bulk-s-done-1');
    await createFinished(provider, 'bulk-s-done-2');
    await createInstance(provider, 'bulk-s-run-1');
    await createInstance(provider, 'bulk-s-run-2');
    const ids = ['bulk-s-done-1', 'bulk-s-done-2', 'bulk-s-run-1', 'bulk-s-run-2'];
    expect((await provider.deleteInstanceBulk({ instanceIds: ids })).instancesDeleted).toBe(2);
    expect((await provider.getInstanceInfo('bulk-s-run-1')).status).toBe('Running');
    for (let i = 0; i < 4; i++) await createFinished(provider, `bulk-l-${i}`);
    expect((await provider.deleteInstanceBulk({ limit: 2 })).instancesDeleted).toBe(2);
    expect((await provider.deleteInstanceBulk({ limit: 2 })).instancesDeleted).toBe(2);
    expect((await provider.deleteInstanceBulk({ limit: 2 })).instancesDeleted).toBe(0);
  });

  it('V2-bulk-03 delete instance bulk completed before filter', async ({ provider, clock }) => {
    const before = clock.now() - 10;
    await createFinished(provider, 'bulk-t-1');
    await createFinished(provider, 'bulk-t-2');
    clock.advance(10);
    const after = clock.now();
    expect((await provider.deleteInstanceBulk({ completedBefore: before })).instancesDeleted).toBe(0);
    expect((await provider.deleteInstanceBulk({ completedBefore: after })).instancesDeleted).toBe(2);
  });

  it('V2-bulk-04 delete instance bulk cascades to children', async ({ provider }) => {
    await createFinished(provider, 'bulk-c-a');
    await createFinished(provider, 'bulk-c-a-1', { parentInstanceId: 'bulk-c-a' });
    await createFinished(provider, 'bulk-c-b');
    for (let i = 1; i <= 3; i++) await createFinished(provider, `bulk-c-b-${i}`, { parentInstanceId: 'bulk-c-b' });
    await createFinished(provider, 'bulk-c-c');
    const result = await provider.deleteInstanceBulk({ instanceIds: ['bulk-c-a', 'bulk-c-b', 'bulk-c-c'] });
    expect(result.instancesDeleted).toBe(7);
  });
});
