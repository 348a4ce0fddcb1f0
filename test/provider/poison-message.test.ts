/**
 * Contract v2 §4.10 (poison_message, `V2-poison`) — every fetch counts an attempt on what it returns: an
 * orchestration batch reports the highest count of its messages, a worker item its own; lock expiry does not count;
 * an abandon with ignoreAttempt takes one back, never below 0. New in v2: procedures variants only.
 */
import { describe, expect } from 'vitest';
import { activityCompleted, activityExecute } from '../support/work-items.js';
import { LOCK_TIMEOUT_MS, LONG_LOCK_MS, PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { fetchItem, startItem } from './support/scenario-helpers.js';
import { activityId, fetchWork } from './support/worker-scenarios.js';

describe.each(PROCEDURE_VARIANTS)('poison message (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-poison-01 orchestration attempt count starts at one', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    expect((await fetchItem(provider, LONG_LOCK_MS)).attemptCount).toBe(1);
  });

  it('V2-poison-02 orchestration attempt count increments on refetch', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const counts: number[] = [];
    for (let round = 0; round < 3; round++) {
      const item = await fetchItem(provider, LONG_LOCK_MS);
      counts.push(item.attemptCount);
      await provider.abandonOrchestrationItem(item.lockToken);
    }
    expect(counts).toEqual([1, 2, 3]);
  });

  it('V2-poison-03 worker attempt count starts at one', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    expect((await fetchWork(provider)).attemptCount).toBe(1);
  });

  it('V2-poison-04 worker attempt count increments on lock expiry', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    expect((await fetchWork(provider, { lockMs: 1_000 })).attemptCount).toBe(1);
    expect(await provider.fetchWorkItem(1_000), 'still locked').toBeNull();
    clock.advance(LOCK_TIMEOUT_MS + 100);
    expect((await fetchWork(provider, { lockMs: 1_000 })).attemptCount).toBe(2);
  });

  it('V2-poison-05 attempt count is per message', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    await provider.enqueueWorkerWork(activityExecute('inst-1', 2));
    const first = await fetchWork(provider);
    const second = await fetchWork(provider);
    expect([activityId(first.item), activityId(second.item)]).toEqual([1, 2]);
    expect([first.attemptCount, second.attemptCount]).toEqual([1, 1]);
  });

  it('V2-poison-06 abandon work item with ignoreAttempt takes the attempt back', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const first = await fetchWork(provider);
    expect(first.attemptCount).toBe(1);
    await provider.abandonWorkItem(first.lockToken);
    const second = await fetchWork(provider);
    expect(second.attemptCount).toBe(2);
    await provider.abandonWorkItem(second.lockToken, null, true);
    expect((await fetchWork(provider)).attemptCount).toBe(2);
  });

  it('V2-poison-08 ignoreAttempt never makes the count negative', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    for (let round = 0; round < 3; round++) {
      const fetched = await fetchWork(provider);
      expect(fetched.attemptCount).toBe(1);
      await provider.abandonWorkItem(fetched.lockToken, null, true);
    }
    // Each abandon met a count of 1 and left 0, never less.
    const rows = await tenant.pool.query<{ attempt_count: number }>(
      `SELECT attempt_count FROM ${tenant.quoted}.worker_queue`,
    );
    expect(rows.rows).toEqual([{ attempt_count: 0 }]);
  });

  it('V2-poison-07 abandon orchestration item with ignoreAttempt takes the attempt back', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider, LONG_LOCK_MS);
    expect(first.attemptCount).toBe(1);
    await provider.abandonOrchestrationItem(first.lockToken);
    const second = await fetchItem(provider, LONG_LOCK_MS);
    expect(second.attemptCount).toBe(2);
    await provider.abandonOrchestrationItem(second.lockToken, null, true);
    expect((await fetchItem(provider, LONG_LOCK_MS)).attemptCount).toBe(2);
  });

  it('V2-poison-09 a batch reports the highest attempt count of its messages', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    await provider.abandonOrchestrationItem((await fetchItem(provider, LONG_LOCK_MS)).lockToken);
    const second = await fetchItem(provider, LONG_LOCK_MS);
    expect(second.attemptCount).toBe(2);
    await provider.enqueueOrchestratorWork(activityCompleted('instance-A', 2));
    await provider.abandonOrchestrationItem(second.lockToken);

    const third = await fetchItem(provider, LONG_LOCK_MS);
    expect(third.messages).toEqual([startItem('instance-A'), activityCompleted('instance-A', 2)]);
    expect(third.attemptCount, 'the start counts 3, the completion 1').toBe(3);
  });
});
