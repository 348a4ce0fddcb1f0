/** Contract v2 §4.13 — deletion: single, cascading, atomic and forced deletes, parent links and trees. */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import { activityCompleted, activityExecute, orchestrationStarted } from '../support/work-items.js';
import { LONG_LOCK_MS, PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { createInstance, FIRST_TURN, providerErrorOf } from './support/scenario-helpers.js';
import { complete, createFinished, fetchFor } from './support/v2-turns.js';

/** root → child-1 → grandchild, root → child-2; all completed. */
async function createHierarchy(provider: PostgresProvider, root: string): Promise<void> {
  await createFinished(provider, root);
  await createFinished(provider, `${root}-child-1`, { parentInstanceId: root });
  await createFinished(provider, `${root}-child-2`, { parentInstanceId: root });
  await createFinished(provider, `${root}-grandchild`, { parentInstanceId: `${root}-child-1` });
}

describe.each(PROCEDURE_VARIANTS)('deletion (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-del-03 delete nonexistent instance', async ({ provider }) => {
    const error = await providerErrorOf(provider.deleteInstance('del-ghost', false));
    expect(error.sqlstate).toBe('P0002');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('not found');
  });

  it('V2-del-01 delete terminal instances', async ({ provider }) => {
    await createFinished(provider, 'del-completed');
    await createFinished(provider, 'del-failed', { status: 'Failed' });
    await createInstance(provider, 'del-cancelled');
    await complete(provider, 'del-cancelled', 'Failed');
    for (const id of ['del-completed', 'del-failed', 'del-cancelled']) {
      const result = await provider.deleteInstance(id, false);
      expect(result.instancesDeleted).toBeGreaterThanOrEqual(1);
      expect(result.executionsDeleted).toBeGreaterThanOrEqual(1);
      expect(result.eventsDeleted).toBeGreaterThanOrEqual(1);
      expect((await providerErrorOf(provider.getInstanceInfo(id))).sqlstate).toBe('P0002');
    }
  });

  it('V2-del-02 delete running rejected, force succeeds', async ({ provider }) => {
    await createInstance(provider, 'del-running');
    const error = await providerErrorOf(provider.deleteInstance('del-running', false));
    expect(error.sqlstate).toBe('DXD01');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('running');
    expect((await provider.getInstanceInfo('del-running')).status).toBe('Running');
    expect((await provider.deleteInstance('del-running', true)).instancesDeleted).toBe(1);
  });

  it('V2-del-04 delete cleans queues and locks', async ({ provider }) => {
    await createInstance(provider, 'del-queues');
    await provider.enqueueOrchestratorWork({ ExternalRaised: { instance: 'del-queues', name: 'e', data: '1' } });
    await provider.enqueueWorkerWork(activityExecute('del-queues', 2));
    const result = await provider.deleteInstance('del-queues', true);
    expect(result.queueMessagesDeleted).toBeGreaterThanOrEqual(2);
    await provider.enqueueOrchestratorWork({
      StartOrchestration: {
        instance: 'del-queues',
        orchestration: 'NewOrch',
        input: '{}',
        version: '2.0.0',
        parent_instance: null,
        parent_id: null,
        execution_id: 1,
      },
    });
    const { item, lockToken } = await fetchFor(provider, 'del-queues');
    expect(item.orchestrationName).toBe('NewOrch');
    await provider.ackOrchestrationItem(lockToken, 1, [orchestrationStarted(1, 'NewOrch', '2.0.0')], [], [], {
      orchestrationName: 'NewOrch',
      orchestrationVersion: '2.0.0',
    });
    expect((await provider.getInstanceInfo('del-queues')).orchestrationName).toBe('NewOrch');
  });

  it('V2-del-05 cascade delete hierarchy', async ({ provider }) => {
    await createHierarchy(provider, 'del-tree');
    for (const id of ['del-tree-child-1', 'del-tree-grandchild']) {
      for (const force of [false, true]) {
        const error = await providerErrorOf(provider.deleteInstance(id, force));
        expect(error.sqlstate).toBe('DXD03');
        expect(error.message).toMatch(/sub-orchestration|root|parent/);
      }
    }
    const result = await provider.deleteInstance('del-tree', false);
    expect(result.instancesDeleted).toBe(4);
    expect(result.executionsDeleted).toBeGreaterThanOrEqual(4);
  });

  it('V2-del-06 force delete prevents ack recreation', async ({ provider }) => {
    await createInstance(provider, 'del-zombie');
    await provider.enqueueOrchestratorWork({ ExternalRaised: { instance: 'del-zombie', name: 'e', data: '1' } });
    const { lockToken } = await fetchFor(provider, 'del-zombie');
    await provider.deleteInstance('del-zombie', true);
    const error = await providerErrorOf(
      provider.ackOrchestrationItem(lockToken, 1, [], [], [], { ...FIRST_TURN, status: 'Completed' }),
    );
    expect(error.sqlstate).toBe('DXL01');
    expect((await providerErrorOf(provider.getInstanceInfo('del-zombie'))).sqlstate).toBe('P0002');
  });

  it('V2-del-07 list children', async ({ provider }) => {
    await createHierarchy(provider, 'del-kids');
    expect((await provider.listChildren('del-kids')).sort()).toEqual(['del-kids-child-1', 'del-kids-child-2']);
    expect(await provider.listChildren('del-kids-child-1')).toEqual(['del-kids-grandchild']);
    expect(await provider.listChildren('del-kids-grandchild')).toEqual([]);
    expect(await provider.listChildren('del-nobody')).toEqual([]);
  });

  it('V2-del-08 delete get parent id', async ({ provider }) => {
    await createHierarchy(provider, 'del-parent');
    expect(await provider.getParentId('del-parent')).toBeNull();
    expect(await provider.getParentId('del-parent-child-1')).toBe('del-parent');
    expect((await providerErrorOf(provider.getParentId('del-nobody'))).sqlstate).toBe('P0002');
  });

  it('V2-del-09 delete get instance tree', async ({ provider }) => {
    await createHierarchy(provider, 'del-t');
    const tree = await provider.getInstanceTree('del-t');
    expect(tree.rootId).toBe('del-t');
    expect([...tree.allIds].sort()).toEqual(['del-t', 'del-t-child-1', 'del-t-child-2', 'del-t-grandchild']);
    expect((await provider.getInstanceTree('del-t-grandchild')).allIds).toEqual(['del-t-grandchild']);
  });

  it('V2-del-10 delete instances atomic', async ({ provider }) => {
    for (const id of ['del-a1', 'del-a2', 'del-a3']) await createFinished(provider, id);
    const result = await provider.deleteInstancesAtomic(['del-a1', 'del-a2', 'del-a3'], false);
    expect(result.instancesDeleted).toBe(3);
    expect(result.executionsDeleted).toBeGreaterThanOrEqual(3);
  });

  it('V2-del-11 delete instances atomic force', async ({ provider }) => {
    await createFinished(provider, 'del-f-done');
    await createInstance(provider, 'del-f-running');
    const error = await providerErrorOf(provider.deleteInstancesAtomic(['del-f-done', 'del-f-running'], false));
    expect(error.sqlstate).toBe('DXD01');
    expect(await provider.getInstanceInfo('del-f-done')).toMatchObject({ status: 'Completed' });
    expect((await provider.deleteInstancesAtomic(['del-f-done', 'del-f-running'], true)).instancesDeleted).toBe(2);
  });

  it('V2-del-12 delete instances atomic orphan detection', async ({ provider }) => {
    await createFinished(provider, 'del-o-parent');
    await createFinished(provider, 'del-o-child', { parentInstanceId: 'del-o-parent' });
    const error = await providerErrorOf(provider.deleteInstancesAtomic(['del-o-parent'], true));
    expect(error.sqlstate).toBe('DXD02');
    expect(error.message).toMatch(/child|orphan|tree/);
    expect((await provider.getInstanceInfo('del-o-parent')).instanceId).toBe('del-o-parent');
    expect((await provider.deleteInstancesAtomic(['del-o-parent', 'del-o-child'], false)).instancesDeleted).toBe(2);
  });

  it('V2-del-13 stale activity after delete and recreate', async ({ provider }) => {
    await provider.enqueueOrchestratorWork({
      StartOrchestration: {
        instance: 'del-stale',
        orchestration: 'TestOrch',
        input: '{}',
        version: '1.0.0',
        parent_instance: null,
        parent_id: null,
        execution_id: 1,
      },
    });
    const first = await fetchFor(provider, 'del-stale');
    await provider.ackOrchestrationItem(
      first.lockToken,
      1,
      [orchestrationStarted(1)],
      [activityExecute('del-stale', 2)],
      [],
      FIRST_TURN,
    );
    const lease = await provider.fetchWorkItem(LONG_LOCK_MS, 0);
    expect(lease).not.toBeNull();
    await provider.deleteInstance('del-stale', true);
    await createInstance(provider, 'del-stale');
    const error = await providerErrorOf(provider.ackWorkItem(lease!.lockToken, activityCompleted('del-stale', 2)));
    expect(error.sqlstate).toBe('DXW01');
    expect(await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0)).toBeNull();
  });
});
