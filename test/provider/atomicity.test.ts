/** Contract v2 §4.2 (atomicity, `V2-atom`) — one ack is one transaction: all of a turn is written, or none of it and the lock stays held. */
import { describe, expect } from 'vitest';
import {
  activityExecute,
  activityScheduled,
  externalRaised,
  orchestrationStarted,
  timerCreated,
  timerFired,
} from '../support/work-items.js';
import { SUITE_VARIANTS, LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import { fetchItem, providerErrorOf, startItem } from './support/scenario-helpers.js';

describe.each(SUITE_VARIANTS)('atomicity (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-atom-01 atomicity failure rollback', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider);
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1)], [], []);
    expect(await provider.read('instance-A')).toHaveLength(1);

    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const second = await fetchItem(provider);
    await providerErrorOf(provider.ackOrchestrationItem(second.lockToken, 1, [orchestrationStarted(1)], [], []));

    expect(await provider.read('instance-A')).toHaveLength(1);
    expect(await provider.fetchOrchestrationItem(), 'the failed ack must leave the lock held').toBeNull();
  });

  it('V2-atom-02 multi operation atomic ack', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);

    await provider.ackOrchestrationItem(
      item.lockToken,
      1,
      [
        orchestrationStarted(1),
        activityScheduled(2, 'Activity1'),
        activityScheduled(3, 'Activity2'),
        activityScheduled(4, 'Activity3'),
        timerCreated(5, 1_234_567_890),
      ],
      [activityExecute('instance-A', 1), activityExecute('instance-A', 2), activityExecute('instance-A', 3)],
      [timerFired('instance-A', 1, 1_234_567_890), externalRaised('instance-A', 'TestEvent', 'test-data')],
    );

    expect(await provider.read('instance-A')).toHaveLength(5);
    for (let i = 0; i < 3; i++) expect(await provider.dequeueWorkerPeekLock()).not.toBeNull();
    expect(await provider.dequeueWorkerPeekLock()).toBeNull();
    const next = await fetchItem(provider);
    expect(next.instance).toBe('instance-A');
    expect(next.messages).toHaveLength(2);
    expect(next.messages[0]).toHaveProperty('TimerFired');
    expect(next.messages[1]).toHaveProperty('ExternalRaised');
  });

  it('V2-atom-03 lock released only on successful ack', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    await fetchItem(provider);
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    await providerErrorOf(provider.ackOrchestrationItem('invalid-lock-token', 1, [orchestrationStarted(2)], [], []));
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    clock.advance(LOCK_TIMEOUT_MS + 100);
    const again = await fetchItem(provider);
    expect(again.instance).toBe('instance-A');
  });

  it('V2-atom-04 concurrent ack prevention', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);

    const outcomes = await Promise.allSettled([
      provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], []),
      provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], []),
    ]);

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1);
  });
});
