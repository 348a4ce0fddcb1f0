/** Contract v2 §4.15 — pruning old executions of ContinueAsNew chains. */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import { PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { createInstance, providerErrorOf } from './support/scenario-helpers.js';
import { complete, continueAsNew } from './support/v2-turns.js';

/** An instance with `executions` executions (all but the last ContinuedAsNew), the last one Completed if asked. */
async function createChain(provider: PostgresProvider, instance: string, executions: number, completed = false) {
  await createInstance(provider, instance);
  for (let n = 1; n < executions; n++) await continueAsNew(provider, instance);
  if (completed) await complete(provider, instance);
}

describe.each(PROCEDURE_VARIANTS)('prune (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-prune-01 prune options combinations', async ({ provider }) => {
    await createChain(provider, 'prune-opts', 4);
    await provider.pruneExecutions('prune-opts', { keepLast: 2 });
    expect(await provider.listExecutions('prune-opts')).toEqual([3, 4]);
    await provider.pruneExecutions('prune-opts', {});
    expect(await provider.listExecutions('prune-opts')).toEqual([4]);
  });

  it('V2-prune-02 prune safety', async ({ provider }) => {
    await createChain(provider, 'prune-safe', 3);
    await provider.pruneExecutions('prune-safe', { keepLast: 0 });
    expect(await provider.listExecutions('prune-safe')).toEqual([3]);
    expect((await providerErrorOf(provider.pruneExecutions('prune-nobody', {}))).sqlstate).toBe('P0002');
    for (const keepLast of [undefined, 0, 1]) {
      const id = `prune-done-${String(keepLast)}`;
      await createChain(provider, id, 4, true);
      const result = await provider.pruneExecutions(id, keepLast === undefined ? {} : { keepLast });
      expect(result.executionsDeleted).toBeGreaterThanOrEqual(3);
      expect(await provider.listExecutions(id)).toEqual([4]);
    }
  });

  it('V2-prune-03 prune bulk', async ({ provider }) => {
    for (const id of ['prune-b-1', 'prune-b-2', 'prune-b-3']) await createChain(provider, id, 3);
    const result = await provider.pruneExecutionsBulk({ instanceIds: ['prune-b-1', 'prune-b-2'] }, { keepLast: 1 });
    expect(result.instancesProcessed).toBe(2);
    expect(result.executionsDeleted).toBeGreaterThanOrEqual(4);
    expect(await provider.listExecutions('prune-b-1')).toEqual([3]);
    expect(await provider.listExecutions('prune-b-2')).toEqual([3]);
    expect(await provider.listExecutions('prune-b-3')).toEqual([1, 2, 3]);
  });

  it('V2-prune-04 prune bulk includes running instances', async ({ provider }) => {
    await createChain(provider, 'prune-running', 3);
    const result = await provider.pruneExecutionsBulk({ instanceIds: ['prune-running'] }, { keepLast: 1 });
    expect(result.instancesProcessed).toBe(1);
    expect(result.executionsDeleted).toBe(2);
    expect(await provider.listExecutions('prune-running')).toEqual([3]);
    expect((await provider.getInstanceInfo('prune-running')).status).toBe('Running');
  });
});
