/**
 * Contract v2 §4.4 (instance_creation, `V2-inst`) — an enqueue never creates an instance; the first ack that names
 * the orchestration and its version does, and from then on the fetch reports the version from the row. New in v2:
 * procedures variants only.
 */
import { describe, expect } from 'vitest';
import { orchestrationStarted, startOrchestration } from '../support/work-items.js';
import { PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { fetchItem, providerErrorOf, startItem } from './support/scenario-helpers.js';

describe.each(PROCEDURE_VARIANTS)('instance creation (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-inst-01 instance creation via metadata', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    expect(await provider.listInstances(), 'the enqueue created nothing').toEqual([]);

    const first = await fetchItem(provider);
    expect(first).toMatchObject({ instance: 'instance-A', orchestrationName: 'TestOrch', executionId: 1, history: [] });
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1, 'TestOrch', '2.0.0')], [], [], {
      orchestrationName: 'TestOrch',
      orchestrationVersion: '2.0.0',
    });
    expect(await provider.getInstanceInfo('instance-A')).toMatchObject({
      orchestrationName: 'TestOrch',
      orchestrationVersion: '2.0.0',
    });

    // The row's version, not the work item's 1.0.0.
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const second = await fetchItem(provider);
    expect(second.version).toBe('2.0.0');
    expect(second.history).toHaveLength(1);
  });

  it('V2-inst-02 no instance creation on enqueue', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    expect(await provider.listInstances()).toEqual([]);
    expect(await providerErrorOf(provider.getInstanceInfo('instance-A'))).toMatchObject({ sqlstate: 'P0002' });
    expect((await fetchItem(provider)).instance).toBe('instance-A');
  });

  it('V2-inst-03 null version handling', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startOrchestration('instance-A', { version: null }));
    const first = await fetchItem(provider);
    expect(first.instance).toBe('instance-A');
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1, 'TestOrch', '3.0.0')], [], [], {
      orchestrationName: 'TestOrch',
      orchestrationVersion: '3.0.0',
    });

    await provider.enqueueOrchestratorWork(startOrchestration('instance-A', { version: null }));
    expect((await fetchItem(provider)).version).toBe('3.0.0');
  });

  it('V2-inst-04 sub orchestration instance creation', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('parent'));
    const parent = await fetchItem(provider);
    const child = startOrchestration('parent::child', {
      orchestration: 'ChildOrch',
      version: null,
      parentInstance: 'parent',
    });
    await provider.ackOrchestrationItem(parent.lockToken, 1, [orchestrationStarted(1)], [], [child], {
      orchestrationName: 'TestOrch',
      orchestrationVersion: '1.0.0',
    });
    expect(await provider.listInstances(), "the parent's ack created only the parent").toEqual(['parent']);

    const first = await fetchItem(provider);
    expect(first).toMatchObject({ instance: 'parent::child', orchestrationName: 'ChildOrch', history: [] });
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1, 'ChildOrch', '1.5.0')], [], [], {
      orchestrationName: 'ChildOrch',
      orchestrationVersion: '1.5.0',
      parentInstanceId: 'parent',
    });
    expect(await provider.getInstanceInfo('parent::child')).toMatchObject({ orchestrationVersion: '1.5.0' });

    await provider.enqueueOrchestratorWork(startItem('parent::child'));
    expect((await fetchItem(provider)).version).toBe('1.5.0');
  });
});
