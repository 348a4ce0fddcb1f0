/** Contract v2 §4.17 — sessions: worker affinity by session id, leases, renewal and the orphan sweep. */
import { describe, expect } from 'vitest';
import { routedActivity } from '../support/routed-activities.js';
import { activityCompleted } from '../support/work-items.js';
import { PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { activityId, fetchedId, fetchWork, session } from './support/worker-scenarios.js';

const plain = (id: number) => routedActivity('inst-1', id);
const onSession = (id: number, sessionId = 'session-1') => routedActivity('inst-1', id, { sessionId });

describe.each(PROCEDURE_VARIANTS)('sessions (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-sess-01 non-session items are fetchable by any worker', async ({ provider }) => {
    await provider.enqueueWorkerWork(plain(1));
    const fetched = await fetchWork(provider, { session: session('worker-A') });
    expect(fetched.item).toEqual(plain(1));
  });

  it('V2-sess-02 a session item is claimable when no session exists', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const fetched = await fetchWork(provider, { session: session('worker-A') });
    expect(fetched.item).toEqual(onSession(1));
    expect(fetched.item).toHaveProperty('ActivityExecute.session_id', 'session-1');
  });

  it('V2-sess-03 session affinity: the owner gets the next item of its session', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(1);
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(2);
  });

  it('V2-sess-04 session affinity blocks another worker', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(1);
    expect(await fetchedId(provider, { session: session('worker-B') })).toBeNull();
  });

  it('V2-sess-05 different sessions go to different workers', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1, 'session-1'));
    await provider.enqueueWorkerWork(onSession(2, 'session-2'));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(1);
    expect(await fetchedId(provider, { session: session('worker-B') })).toBe(2);
    await provider.enqueueWorkerWork(onSession(3, 'session-1'));
    await provider.enqueueWorkerWork(onSession(4, 'session-2'));
    expect(await fetchedId(provider, { session: session('worker-B') })).toBe(4);
    expect(await fetchedId(provider, { session: session('worker-B') })).toBeNull();
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(3);
  });

  it('V2-sess-06 mixed session and plain items: another worker gets the plain one', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(1);
    await provider.enqueueWorkerWork(onSession(2));
    await provider.enqueueWorkerWork(plain(3));
    expect(await fetchedId(provider, { session: session('worker-B') })).toBe(3);
  });

  it('V2-sess-07 a session is claimable by another worker after its lease expires', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    expect(await fetchedId(provider, { session: session('worker-A', 50) })).toBe(1);
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-B', 50) })).toBeNull();
    clock.advance(60);
    expect(await fetchedId(provider, { session: session('worker-B', 50) })).toBe(2);
  });

  it('V2-sess-08 without a session config session items are skipped', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(plain(2));
    expect(await fetchedId(provider)).toBe(2);
    expect(await fetchedId(provider)).toBeNull();
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(1);
  });

  it('V2-sess-09 with a session config every item comes back, in FIFO order', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1, 'session-1'));
    await provider.enqueueWorkerWork(onSession(2, 'session-2'));
    await provider.enqueueWorkerWork(onSession(3, 'session-3'));
    await provider.enqueueWorkerWork(plain(4));
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await fetchedId(provider, { session: session('worker-A') }));
    expect(ids).toEqual([1, 2, 3, 4, null]);
  });

  it('V2-sess-10 renewSessionLock renews the live sessions of the owner', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1, 'session-1'));
    await provider.enqueueWorkerWork(onSession(2, 'session-2'));
    await fetchWork(provider, { session: session('worker-A') });
    expect(await provider.renewSessionLock(['worker-A'], 30_000, 300_000)).toBe(1);
    await fetchWork(provider, { session: session('worker-A') });
    expect(await provider.renewSessionLock(['worker-A'], 30_000, 300_000)).toBe(2);
  });

  it('V2-sess-11 renewSessionLock skips idle sessions', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await fetchWork(provider, { session: session('worker-A') });
    expect(await provider.renewSessionLock(['worker-A'], 30_000, 0)).toBe(0);
  });

  it('V2-sess-12 renewSessionLock for an owner without sessions renews nothing', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await fetchWork(provider, { session: session('worker-A') });
    expect(await provider.renewSessionLock(['worker-Z'], 30_000, 300_000)).toBe(0);
    expect(await provider.renewSessionLock([], 30_000, 300_000)).toBe(0);
  });

  it('V2-sess-13 cleanup removes expired sessions without items', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const fetched = await fetchWork(provider, { session: session('worker-A', 50) });
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
    clock.advance(60);
    expect(await provider.cleanupOrphanedSessions(0)).toBe(1);
    expect(await provider.cleanupOrphanedSessions(0)).toBe(0);
  });

  it('V2-sess-14 cleanup keeps expired sessions that still have queued items', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(onSession(2));
    const fetched = await fetchWork(provider, { session: session('worker-A', 50) });
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
    clock.advance(60);
    expect(await provider.cleanupOrphanedSessions(0)).toBe(0);
  });

  it('V2-sess-15 cleanup keeps sessions with a live lease', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const fetched = await fetchWork(provider, { session: session('worker-A', 300_000) });
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
    expect(await provider.cleanupOrphanedSessions(0)).toBe(0);
  });

  it('V2-sess-16 ackWorkItem updates the session’s last activity', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const fetched = await fetchWork(provider, { session: session('worker-A') });
    clock.advance(250);
    expect(await provider.renewSessionLock(['worker-A'], 30_000, 200), 'idle for 250 ms before the ack').toBe(0);
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
    expect(await provider.renewSessionLock(['worker-A'], 30_000, 200)).toBe(1);
  });

  it('V2-sess-17 renewWorkItemLock updates the session’s last activity', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const fetched = await fetchWork(provider, { session: session('worker-A') });
    clock.advance(250);
    expect(await provider.renewSessionLock(['worker-A'], 30_000, 200), 'idle for 250 ms before the renewal').toBe(0);
    await provider.renewWorkItemLock(fetched.lockToken, 30_000);
    expect(await provider.renewSessionLock(['worker-A'], 30_000, 200)).toBe(1);
  });

  it('V2-sess-18 the items of one session come back in order', async ({ provider }) => {
    for (let id = 1; id <= 3; id++) await provider.enqueueWorkerWork(onSession(id));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await fetchedId(provider, { session: session('worker-A') }));
    expect(ids).toEqual([1, 2, 3]);
  });

  it('V2-sess-19 the owner of a session still gets plain items', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(1);
    await provider.enqueueWorkerWork(plain(2));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(2);
  });

  it('V2-sess-20 callers sharing an ownerId all fetch the owned session', async ({ createProvider }) => {
    const first = (await createProvider()).provider;
    const second = (await createProvider()).provider;
    for (let id = 1; id <= 3; id++) await first.enqueueWorkerWork(onSession(id));
    expect(await fetchedId(first, { session: session('worker-A') })).toBe(1);
    expect(await fetchedId(second, { session: session('worker-A') })).toBe(2);
    expect(await fetchedId(second, { session: session('worker-B') })).toBeNull();
  });

  it('V2-sess-21 only one claimant wins a session while it holds the lease', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBe(1);
    expect(await fetchedId(provider, { session: session('worker-B') })).toBeNull();
  });

  it('V2-sess-22 another worker takes a session over after its lease expired', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-A', 50) })).toBe(1);
    clock.advance(60);
    expect(await fetchedId(provider, { session: session('worker-B') })).toBe(2);
  });

  it('V2-sess-23 after cleanup a new item recreates the session for anyone', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const fetched = await fetchWork(provider, { session: session('worker-A', 50) });
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
    clock.advance(60);
    expect(await provider.cleanupOrphanedSessions(0)).toBe(1);
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-B') })).toBe(2);
  });

  it('V2-sess-24 an abandoned session item is retried by its owner', async ({ provider }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const first = await fetchWork(provider, { session: session('worker-A') });
    expect(first.attemptCount).toBe(1);
    await provider.abandonWorkItem(first.lockToken);
    const second = await fetchWork(provider, { session: session('worker-A') });
    expect(activityId(second.item)).toBe(1);
    expect(second.attemptCount).toBe(2);
    await provider.ackWorkItem(second.lockToken, activityCompleted('inst-1', 1));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBeNull();
  });

  it('V2-sess-25 an abandon with ignoreAttempt does not count the attempt', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const first = await fetchWork(provider, { session: session('worker-A') });
    await provider.abandonWorkItem(first.lockToken, 1, true);
    expect(await fetchedId(provider, { session: session('worker-A') }), 'delayed by 1 ms').toBeNull();
    clock.advance(1);
    const second = await fetchWork(provider, { session: session('worker-A') });
    expect(second.attemptCount).toBe(1);
  });

  it('V2-sess-26 an expired lease is not renewed', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await fetchWork(provider, { session: session('worker-A', 50) });
    clock.advance(60);
    expect(await provider.renewSessionLock(['worker-A'], 30_000, 300_000)).toBe(0);
  });

  it('V2-sess-27 the original owner reclaims its expired session', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-A', 50) })).toBe(1);
    clock.advance(60);
    expect(await fetchedId(provider, { session: session('worker-A', 50) })).toBe(2);
  });

  it('V2-sess-28 an expired activity lock under a live lease is redelivered to the owner only', async ({
    provider,
    clock,
  }) => {
    await provider.enqueueWorkerWork(onSession(1));
    expect(await fetchedId(provider, { lockMs: 500, session: session('worker-A') })).toBe(1);
    clock.advance(600);
    expect(await fetchedId(provider, { session: session('worker-B') })).toBeNull();
    const again = await fetchWork(provider, { session: session('worker-A') });
    expect(activityId(again.item)).toBe(1);
    expect(again.attemptCount).toBe(2);
  });

  it('V2-sess-29 an expired lease under a live activity lock passes the session on', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(onSession(2));
    const first = await fetchWork(provider, { lockMs: 5_000, session: session('worker-A', 200) });
    clock.advance(300);
    expect(await fetchedId(provider, { session: session('worker-B') })).toBe(2);
    await provider.abandonWorkItem(first.lockToken);
    const redelivered = await fetchWork(provider, { session: session('worker-B') });
    expect(activityId(redelivered.item)).toBe(1);
    expect(redelivered.attemptCount).toBe(2);
  });

  it('V2-sess-30 the owner re-acquires its session after its lease expired', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-A', 200) })).toBe(1);
    clock.advance(300);
    expect(await fetchedId(provider, { session: session('worker-A', 200) })).toBe(2);
    expect(await fetchedId(provider, { session: session('worker-B') }), 'A holds the lease again').toBeNull();
  });

  it('V2-sess-31 when both locks expired another worker gets the item', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await fetchWork(provider, { lockMs: 200, session: session('worker-A', 200) });
    clock.advance(300);
    const taken = await fetchWork(provider, { session: session('worker-B') });
    expect(activityId(taken.item)).toBe(1);
    expect(taken.attemptCount).toBe(2);
  });

  it('V2-sess-32 an expired lease does not fail the ack of a live activity lock', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    const fetched = await fetchWork(provider, { lockMs: 30_000, session: session('worker-A', 200) });
    clock.advance(300);
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
    expect(await fetchedId(provider, { session: session('worker-A') })).toBeNull();
  });

  it('V2-sess-33 a renewed lease outlives its original timeout', async ({ provider, clock }) => {
    await provider.enqueueWorkerWork(onSession(1));
    await fetchWork(provider, { session: session('worker-A', 1_000) });
    clock.advance(600);
    expect(await provider.renewSessionLock(['worker-A'], 1_000, 300_000)).toBe(1);
    clock.advance(400);
    await provider.enqueueWorkerWork(onSession(2));
    expect(await fetchedId(provider, { session: session('worker-B', 1_000) })).toBeNull();
    expect(await fetchedId(provider, { session: session('worker-A', 1_000) })).toBe(2);
  });
});
