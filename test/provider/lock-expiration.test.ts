/**
 * Contract v2 §4.6 (lock_expiration, `V2-exp`) — locks end by expiry, abandon or ack, and an expired token is useless
 * (V2-exp-01…04, every variant); worker locks are renewed, refused after expiry or ack, and released by abandon at
 * once or after a delay, and an expired orchestration lock cannot be renewed (V2-exp-05…13, procedures).
 */
import { describe, expect } from 'vitest';
import { activityCompleted, activityExecute, orchestrationStarted } from '../support/work-items.js';
import { LOCK_TIMEOUT_MS, PROCEDURE_VARIANTS, providerTest, SUITE_VARIANTS } from './support/provider-factory.js';
import { ackEmpty, fetchItem, providerErrorOf, staggeredCalls, startItem } from './support/scenario-helpers.js';
import { fetchWork, orchestration } from './support/worker-scenarios.js';

describe.each(SUITE_VARIANTS)('lock expiration (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-exp-01 lock expires after timeout', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider);
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    clock.advance(LOCK_TIMEOUT_MS + 100);

    const second = await fetchItem(provider);
    expect(second.instance).toBe('instance-A');
    expect(second.lockToken).not.toBe(first.lockToken);
    await providerErrorOf(ackEmpty(provider, first.lockToken));
  });

  it('V2-exp-02 abandon releases lock immediately', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    await provider.abandonOrchestrationItem(item.lockToken);

    const again = await fetchItem(provider);
    expect(again.instance).toBe('instance-A');
  });

  it('V2-exp-03 lock renewal on ack: a start enqueued during the lock is fetchable after the ack', async ({
    provider,
  }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);

    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    await provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], []);

    const next = await fetchItem(provider);
    expect(next.instance).toBe('instance-A');
    expect(next.messages, 'the start enqueued during the turn').toHaveLength(1);
    expect(next.messages[0]).toHaveProperty('StartOrchestration');
  });

  it('V2-exp-04 concurrent lock attempts respect expiration', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const lockedAt = clock.now();
    await fetchItem(provider);

    const attempts = await staggeredCalls(
      clock,
      5,
      (i) => i * 50,
      () => provider.fetchOrchestrationItem(),
    );
    expect(
      attempts.every((attempt) => attempt === null),
      'every attempt while locked must find nothing',
    ).toBe(true);

    // The source waits lock_timeout - 200 ms after its last attempt (at +200 ms): lock_timeout + 100 ms in total.
    clock.set(lockedAt + LOCK_TIMEOUT_MS + 100);

    const item = await fetchItem(provider);
    expect(item.instance).toBe('instance-A');
  });
});

describe.each(PROCEDURE_VARIANTS)('lock expiration, worker items (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-exp-05 worker lock renewal succeeds and the item stays locked', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const fetched = await fetchWork(provider, { lockMs: LOCK_TIMEOUT_MS });
    clock.advance(LOCK_TIMEOUT_MS / 2);
    await provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS);
    clock.advance(LOCK_TIMEOUT_MS / 2 + 100);
    expect(await provider.fetchWorkItem(LOCK_TIMEOUT_MS), 'locked past its original expiry').toBeNull();
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
  });

  it('V2-exp-06 worker lock renewal with an unknown token fails', async ({ provider }) => {
    const error = await providerErrorOf(provider.renewWorkItemLock('no-such-token', LOCK_TIMEOUT_MS));
    expect(error).toMatchObject({ sqlstate: 'DXW01', retryable: false });
  });

  it('V2-exp-07 worker lock renewal after expiration fails', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const fetched = await fetchWork(provider, { lockMs: 1_000 });
    clock.advance(LOCK_TIMEOUT_MS + 100);
    const error = await providerErrorOf(provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS));
    expect(error).toMatchObject({ sqlstate: 'DXW02', retryable: false, reason: 'Worker lock expired' });
  });

  it('V2-exp-08 worker lock renewal extends the timeout', async ({ provider, clock }) => {
    await orchestration.startWithActivities(provider, 'inst-1', [activityExecute('inst-1', 1)], {
      orchestrationName: 'TestOrch',
      status: 'Running',
    });
    const fetched = await fetchWork(provider, { lockMs: LOCK_TIMEOUT_MS });
    clock.advance(LOCK_TIMEOUT_MS * 0.6);
    await provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS);
    clock.advance(LOCK_TIMEOUT_MS * 0.4);
    expect(await provider.fetchWorkItem(LOCK_TIMEOUT_MS), 'still locked at 1.0 × the timeout').toBeNull();
  });

  it('V2-exp-09 worker lock renewal after ack fails', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const fetched = await fetchWork(provider);
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
    const error = await providerErrorOf(provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS));
    expect(error).toMatchObject({ sqlstate: 'DXW01', retryable: false });
  });

  it('V2-exp-10 abandon releases a work item at once', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const fetched = await fetchWork(provider);
    await provider.abandonWorkItem(fetched.lockToken);
    const again = await fetchWork(provider);
    expect(again.item).toEqual(activityExecute('inst-1', 1));
    expect(again.lockToken).not.toBe(fetched.lockToken);
  });

  it('V2-exp-11 abandon with a delay hides the item until then', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const fetched = await fetchWork(provider);
    await provider.abandonWorkItem(fetched.lockToken, 500);
    expect(await provider.fetchWorkItem(LOCK_TIMEOUT_MS)).toBeNull();
    clock.advance(600);
    expect((await fetchWork(provider)).item).toEqual(activityExecute('inst-1', 1));
  });

  it('V2-exp-12 worker ack fails after the lock expired; the item remains fetchable', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const fetched = await fetchWork(provider, { lockMs: 1_000 });
    clock.advance(LOCK_TIMEOUT_MS + 100);
    const error = await providerErrorOf(provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1)));
    expect(error).toMatchObject({ sqlstate: 'DXW02', retryable: false });
    await orchestration.expectNoItem(provider);
    const again = await fetchWork(provider);
    expect(again.item).toEqual(activityExecute('inst-1', 1));
    expect(again.attemptCount).toBe(2);
  });

  it('V2-exp-13 orchestration lock renewal after expiration fails', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider, LOCK_TIMEOUT_MS);
    clock.advance(LOCK_TIMEOUT_MS + 100);
    const error = await providerErrorOf(provider.renewOrchestrationItemLock(item.lockToken, LOCK_TIMEOUT_MS));
    expect(error).toMatchObject({ sqlstate: 'DXL03', retryable: false });
    expect(error.message).toContain('Lock token invalid, expired, or already released');
  });
});
