/** Contract v2 §4.7 (multi_execution, `V2-multi`) — every execution keeps its own history; `read` and fetch follow the current execution. */
import { describe, expect } from 'vitest';
import {
  activityScheduled,
  continueAsNew,
  orchestrationCompleted,
  orchestrationStarted,
} from '../support/work-items.js';
import { SUITE_VARIANTS, providerTest } from './support/provider-factory.js';
import { fetchItem, startItem } from './support/scenario-helpers.js';

const nameMetadata = { orchestrationName: 'TestOrch', orchestrationVersion: '1.0.0' };

describe.each(SUITE_VARIANTS)('multi execution (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-multi-01 execution isolation', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A', 1));
    const first = await fetchItem(provider);
    const execution1 = [
      orchestrationStarted(1),
      activityScheduled(2, 'Activity1'),
      orchestrationCompleted(3, 'result1'),
    ];
    await provider.ackOrchestrationItem(first.lockToken, 1, execution1, [], []);

    await provider.enqueueOrchestratorWork(startItem('instance-A', 2));
    const second = await fetchItem(provider);
    const execution2 = [orchestrationStarted(1), orchestrationCompleted(2, 'result2')];
    await provider.ackOrchestrationItem(second.lockToken, 2, execution2, [], []);

    expect(await provider.readWithExecution('instance-A', 1)).toEqual(execution1);
    expect(await provider.readWithExecution('instance-A', 2)).toEqual(execution2);
    expect(await provider.read('instance-A')).toEqual(execution2);
  });

  it('V2-multi-02 latest execution detection', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A', 1));
    const first = await fetchItem(provider);
    await provider.ackOrchestrationItem(first.lockToken, 1, [activityScheduled(1, 'A')], [], []);

    await provider.enqueueOrchestratorWork(startItem('instance-A', 2));
    const second = await fetchItem(provider);
    await provider.ackOrchestrationItem(second.lockToken, 2, [activityScheduled(1, 'B')], [], []);

    expect(await provider.read('instance-A')).toEqual([activityScheduled(1, 'B')]);
    expect(await provider.readWithExecution('instance-A', 1)).toEqual([activityScheduled(1, 'A')]);
  });

  it('V2-multi-03 execution id sequencing', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A', 1));
    const first = await fetchItem(provider);
    expect(first.executionId).toBe(1);
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1)], [], [], nameMetadata);

    await provider.enqueueOrchestratorWork(startItem('instance-A', 2));
    const second = await fetchItem(provider);
    expect(second.executionId, 'the current execution until an ack moves it').toBe(1);
    await provider.ackOrchestrationItem(second.lockToken, 2, [orchestrationStarted(1)], [], [], nameMetadata);

    await provider.enqueueOrchestratorWork(startItem('instance-A', 3));
    const third = await fetchItem(provider);
    expect(third.executionId, 'current_execution_id, not the highest executions row').toBe(2);
  });

  it('V2-multi-04 continue as new creates new execution', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A', 1));
    const first = await fetchItem(provider);
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1)], [], []);

    await provider.enqueueOrchestratorWork(continueAsNew('instance-A', { input: 'new-input' }));
    const second = await fetchItem(provider);
    const restarted = {
      OrchestrationStarted: { ...orchestrationStarted(1).OrchestrationStarted, input: 'new-input' },
    };
    await provider.ackOrchestrationItem(second.lockToken, 2, [restarted], [], []);

    // Soft check, as in the source: normally nothing is left to fetch.
    const leftover = await provider.fetchOrchestrationItem();
    if (leftover) expect(leftover.item.executionId).toBe(2);
    expect(await provider.read('instance-A')).toEqual([restarted]);
  });

  it('V2-multi-05 execution history persistence', async ({ provider }) => {
    for (let executionId = 1; executionId <= 3; executionId++) {
      await provider.enqueueOrchestratorWork(startItem('instance-A', executionId));
      const item = await fetchItem(provider);
      await provider.ackOrchestrationItem(
        item.lockToken,
        executionId,
        [activityScheduled(1, `Activity-${executionId}`, executionId)],
        [],
        [],
      );
    }

    for (let executionId = 1; executionId <= 3; executionId++) {
      expect(await provider.readWithExecution('instance-A', executionId)).toEqual([
        activityScheduled(1, `Activity-${executionId}`, executionId),
      ]);
    }
    expect(await provider.read('instance-A')).toEqual([activityScheduled(1, 'Activity-3', 3)]);
  });
});
