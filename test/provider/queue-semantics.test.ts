/** Contract §4.7 — the worker queue is a FIFO peek-lock queue; timers stay invisible until due. */
import { describe, expect } from 'vitest';
import { activityCompleted, activityExecute, timerFired } from '../support/work-items.js';
import { SUITE_VARIANTS, LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import { createInstance, fetchItem } from './support/scenario-helpers.js';

describe.each(SUITE_VARIANTS)('queue semantics (%s)', (variant) => {
  const it = providerTest(variant);

  it('30 worker queue fifo ordering', async ({ provider }) => {
    for (let id = 0; id < 5; id++) await provider.enqueueWorkerWork(activityExecute('instance-A', id));

    for (let id = 0; id < 5; id++) {
      const lease = await provider.dequeueWorkerPeekLock();
      expect(lease?.item).toEqual(activityExecute('instance-A', id));
    }
    expect(await provider.dequeueWorkerPeekLock()).toBeNull();
  });

  it('31 worker peek lock semantics', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('instance-A', 1));
    const lease = await provider.dequeueWorkerPeekLock();
    expect(lease).not.toBeNull();
    expect(lease!.item).toEqual(activityExecute('instance-A', 1));
    expect(await provider.dequeueWorkerPeekLock(), 'the item is locked, not gone').toBeNull();

    await provider.ackWorker(lease!.lockToken, activityCompleted('instance-A', 1));

    expect(await provider.dequeueWorkerPeekLock()).toBeNull();
  });

  it('32 worker ack atomicity', async ({ provider }) => {
    await createInstance(provider, 'instance-A');
    await provider.enqueueWorkerWork(activityExecute('instance-A', 1));
    const lease = await provider.dequeueWorkerPeekLock();
    expect(lease).not.toBeNull();

    await provider.ackWorker(lease!.lockToken, activityCompleted('instance-A', 1));

    expect(await provider.dequeueWorkerPeekLock()).toBeNull();
    const item = await fetchItem(provider);
    expect(item.instance).toBe('instance-A');
    expect(item.messages).toEqual([activityCompleted('instance-A', 1)]);
  });

  it('33 timer delayed visibility', async ({ provider, clock }) => {
    await createInstance(provider, 'instance-A');
    await provider.enqueueOrchestratorWork(timerFired('instance-A', 1, 0), 5000);

    expect(await provider.fetchOrchestrationItem()).toBeNull();

    clock.advance(5100);

    const item = await fetchItem(provider);
    expect(item.instance).toBe('instance-A');
    expect(item.messages).toEqual([timerFired('instance-A', 1, 0)]);
  });

  it('34 lost lock token handling', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(activityExecute('instance-A', 1));
    const lost = await provider.dequeueWorkerPeekLock();
    expect(lost).not.toBeNull();
    expect(await provider.dequeueWorkerPeekLock()).toBeNull();

    clock.advance(LOCK_TIMEOUT_MS + 100);

    const redelivered = await provider.dequeueWorkerPeekLock();
    expect(redelivered?.item).toEqual(activityExecute('instance-A', 1));
    expect(redelivered!.lockToken).not.toBe(lost!.lockToken);
  });
});
