/**
 * Contract v2 §4.6 — lock expiration of worker items (V2-exp-05…12): renewal keeps an activity locked, an expired,
 * acked or unknown token renews and acks nothing, abandon releases at once or after a delay.
 */
import { describe, expect } from 'vitest';
import { activityCompleted, activityExecute } from '../support/work-items.js';
import { LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import { providerErrorOf } from './support/scenario-helpers.js';
import { fetchWork, orchestration, PROCEDURE_VARIANTS } from './support/worker-scenarios.js';

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
});
