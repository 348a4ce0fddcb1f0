/**
 * Contract v2 §4.8 (queue_semantics, `V2-queue`) — the worker queue is a FIFO peek-lock queue and timers stay
 * invisible until due (V2-queue-01…05, every variant); worker items are visible at once unless a delayed abandon hides
 * them, and queue messages for an instance that never started are dropped (V2-queue-06…08, procedures).
 */
import { describe, expect } from 'vitest';
import { activityCompleted, activityExecute, queueMessage, timerFired } from '../support/work-items.js';
import {
  LOCK_TIMEOUT_MS,
  LONG_LOCK_MS,
  PROCEDURE_VARIANTS,
  providerTest,
  SUITE_VARIANTS,
} from './support/provider-factory.js';
import { createInstance, fetchItem } from './support/scenario-helpers.js';
import { fetchedId, fetchWork } from './support/worker-scenarios.js';

describe.each(SUITE_VARIANTS)('queue semantics (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-queue-01 worker queue fifo ordering', async ({ provider }) => {
    for (let id = 0; id < 5; id++) await provider.enqueueWorkerWork(activityExecute('instance-A', id));

    for (let id = 0; id < 5; id++) expect((await fetchWork(provider)).item).toEqual(activityExecute('instance-A', id));
    expect(await provider.fetchWorkItem(LONG_LOCK_MS)).toBeNull();
  });

  it('V2-queue-02 worker peek lock semantics', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('instance-A', 1));
    const fetched = await fetchWork(provider);
    expect(fetched.item).toEqual(activityExecute('instance-A', 1));
    expect(await provider.fetchWorkItem(LONG_LOCK_MS), 'the item is locked, not gone').toBeNull();

    await provider.ackWorkItem(fetched.lockToken, activityCompleted('instance-A', 1));

    expect(await provider.fetchWorkItem(LONG_LOCK_MS)).toBeNull();
    expect((await provider.getQueueDepths()).workerQueue).toBe(0);
  });

  it('V2-queue-03 worker ack atomicity', async ({ provider }) => {
    await createInstance(provider, 'instance-A');
    await provider.enqueueWorkerWork(activityExecute('instance-A', 1));
    const fetched = await fetchWork(provider);

    await provider.ackWorkItem(fetched.lockToken, activityCompleted('instance-A', 1));

    expect(await provider.fetchWorkItem(LONG_LOCK_MS)).toBeNull();
    const item = await fetchItem(provider);
    expect(item.instance).toBe('instance-A');
    expect(item.messages).toEqual([activityCompleted('instance-A', 1)]);
  });

  it('V2-queue-04 timer delayed visibility', async ({ provider, clock }) => {
    await createInstance(provider, 'instance-A');
    await provider.enqueueOrchestratorWork(timerFired('instance-A', 1, 0), 5000);

    expect(await provider.fetchOrchestrationItem()).toBeNull();

    clock.advance(5100);

    const item = await fetchItem(provider);
    expect(item.instance).toBe('instance-A');
    expect(item.messages).toEqual([timerFired('instance-A', 1, 0)]);
  });

  it('V2-queue-05 lost lock token handling', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(activityExecute('instance-A', 1));
    const lost = await fetchWork(provider, { lockMs: LOCK_TIMEOUT_MS });
    expect(await provider.fetchWorkItem(LOCK_TIMEOUT_MS)).toBeNull();

    clock.advance(LOCK_TIMEOUT_MS + 100);

    const redelivered = await fetchWork(provider, { lockMs: LOCK_TIMEOUT_MS });
    expect(redelivered.item).toEqual(activityExecute('instance-A', 1));
    expect(redelivered.lockToken).not.toBe(lost.lockToken);
  });
});

describe.each(PROCEDURE_VARIANTS)('queue semantics, contract v2 (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-queue-06 a freshly enqueued worker item is fetchable at once', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    expect((await fetchWork(provider)).item).toEqual(activityExecute('inst-1', 1));
  });

  it('V2-queue-07 a delayed abandon skips the item until its time, later items go first', async ({
    provider,
    clock,
  }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    await provider.enqueueWorkerWork(activityExecute('inst-1', 2));
    const first = await fetchWork(provider);
    await provider.abandonWorkItem(first.lockToken, 500);
    expect(await fetchedId(provider)).toBe(2);
    expect(await fetchedId(provider)).toBeNull();
    clock.advance(600);
    expect(await fetchedId(provider)).toBe(1);
  });

  it('V2-queue-08 queue messages for an instance that never started are dropped; a started one gets its own', async ({
    createProvider,
  }) => {
    const { provider, tenant } = await createProvider();
    await provider.enqueueOrchestratorWork(queueMessage('never-started', 'inbox', '"one"'));
    await provider.enqueueOrchestratorWork(queueMessage('never-started', 'inbox', '"two"'));

    expect(await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0)).toBeNull();
    expect(await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0), 'deleted, not left behind').toBeNull();
    const left = await tenant.pool.query(`SELECT 1 FROM ${tenant.quoted}.orchestrator_queue`);
    expect(left.rowCount, 'no row hidden for later either').toBe(0);

    await createInstance(provider, 'started');
    await provider.enqueueOrchestratorWork(queueMessage('started', 'inbox', '"hello"'));
    const item = await fetchItem(provider, LONG_LOCK_MS);
    expect(item.instance).toBe('started');
    expect(item.messages).toEqual([queueMessage('started', 'inbox', '"hello"')]);
  });
});
