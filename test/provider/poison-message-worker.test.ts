/**
 * Contract v2 §4.10 — poison messages, the worker side (V2-poison-03…06, 08): every fetch of an activity counts an
 * attempt; lock expiry does not; an abandon with ignoreAttempt takes one back, never below 0. The orchestration side
 * (V2-poison-01/02/07/09) lives with the orchestration fetch.
 */
import { describe, expect } from 'vitest';
import { activityExecute } from '../support/work-items.js';
import { LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import { activityId, fetchWork, PROCEDURE_VARIANTS } from './support/worker-scenarios.js';

describe.each(PROCEDURE_VARIANTS)('poison message, worker items (%s)', (variant) => {
  const it = providerTest(variant);

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
});
