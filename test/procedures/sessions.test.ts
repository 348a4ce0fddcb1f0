import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  LOCK_MS,
  call,
  enqueueWorker,
  expectFailureChangesNothing,
  tableRows,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import { routedActivity } from '../support/routed-activities.js';

const tenant = useEmptyTenantSchema({ poolSize: 4 });

/** A session row as the worker fetch would leave it, planted directly. */
async function plantSession(sessionId: string, ownerId: string, lockedUntil: number, lastActivityAt: number) {
  await tenant.pool.query(
    `INSERT INTO ${tenant.quoted}.sessions (session_id, owner_id, locked_until, last_activity_at) VALUES ($1, $2, $3, $4)`,
    [sessionId, ownerId, lockedUntil, lastActivityAt],
  );
}

const renewSessions = (owners: string[] | null, nowMs: number | null, extendMs: number | null, idleMs: number | null) =>
  call<{ sp_renew_session_lock: string }>(tenant, 'sp_renew_session_lock', owners, nowMs, extendMs, idleMs);

const cleanup = (nowMs: number | null, idleMs: number | null = 0) =>
  call<{ sp_cleanup_orphaned_sessions: string }>(tenant, 'sp_cleanup_orphaned_sessions', nowMs, idleMs);

const sessionIds = async () => (await tableRows<{ session_id: string }>(tenant, 'sessions')).map((s) => s.session_id);

describe('sp_renew_session_lock', () => {
  it('extends the live, recently active sessions of the given owners and counts them', async () => {
    await plantSession('live-A', 'A', BASE_MS + 10, BASE_MS - 100);
    await plantSession('live-B', 'B', BASE_MS + 10, BASE_MS - 100);
    await plantSession('live-C', 'C', BASE_MS + 10, BASE_MS - 100);
    await plantSession('expired-A', 'A', BASE_MS, BASE_MS);
    await plantSession('idle-A', 'A', BASE_MS + 10, BASE_MS - 1_000);
    const result = await renewSessions(['A', 'B'], BASE_MS, 5_000, 1_000);
    expect(result.rows).toEqual([{ sp_renew_session_lock: '2' }]);
    const rows = await tableRows<{ session_id: string; locked_until: string }>(tenant, 'sessions');
    expect(Object.fromEntries(rows.map((r) => [r.session_id, Number(r.locked_until) - BASE_MS]))).toEqual({
      'live-A': 5_000,
      'live-B': 5_000,
      'live-C': 10,
      'expired-A': 0,
      'idle-A': 10,
    });
  });

  it('renews nothing with an idle timeout of 0, or for an owner without sessions, or an empty list', async () => {
    await plantSession('s', 'A', BASE_MS + 10, BASE_MS);
    expect((await renewSessions(['A'], BASE_MS, 5_000, 0)).rows[0]!.sp_renew_session_lock).toBe('0');
    expect((await renewSessions(['Z'], BASE_MS, 5_000, 60_000)).rows[0]!.sp_renew_session_lock).toBe('0');
    expect((await renewSessions([], BASE_MS, 5_000, 60_000)).rows[0]!.sp_renew_session_lock).toBe('0');
  });

  it.each([
    ['NULL owners', null, BASE_MS, 1_000, 0],
    ['a NULL now', ['A'], null, 1_000, 0],
    ['a zero extension', ['A'], BASE_MS, 0, 0],
    ['a NULL idle timeout', ['A'], BASE_MS, 1_000, null],
    ['a negative idle timeout', ['A'], BASE_MS, 1_000, -1],
  ])('rejects %s with 22023 and changes nothing', async (_label, owners, nowMs, extendMs, idleMs) => {
    await plantSession('s', 'A', BASE_MS + 10, BASE_MS);
    await expectFailureChangesNothing(tenant, () => renewSessions(owners, nowMs, extendMs, idleMs), {
      code: '22023',
      message: /^p_owner_ids and p_now_ms must not be NULL/,
    });
  });
});

describe('sp_cleanup_orphaned_sessions', () => {
  it('removes expired sessions without worker rows, keeping live ones and those with queued or locked items', async () => {
    await plantSession('expired-empty', 'A', BASE_MS, BASE_MS - 10);
    await plantSession('expired-queued', 'A', BASE_MS - 5, BASE_MS - 10);
    await plantSession('live-empty', 'A', BASE_MS + 1, BASE_MS - 10);
    await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 'expired-queued' }), BASE_MS);
    expect((await cleanup(BASE_MS)).rows).toEqual([{ sp_cleanup_orphaned_sessions: '1' }]);
    expect((await sessionIds()).sort()).toEqual(['expired-queued', 'live-empty']);
  });

  it('leaves a session alone while a fetched item of it is still locked, and a new item claims it anew', async () => {
    await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
    await call(tenant, 'sp_fetch_work_item', BASE_MS, LOCK_MS, 'A', 100, 'default_only', null);
    expect((await cleanup(BASE_MS + 200)).rows[0]!.sp_cleanup_orphaned_sessions).toBe('0');
    await tenant.pool.query(`DELETE FROM ${tenant.quoted}.worker_queue`);
    expect((await cleanup(BASE_MS + 200)).rows[0]!.sp_cleanup_orphaned_sessions).toBe('1');
    await enqueueWorker(tenant, routedActivity('a', 2, { sessionId: 's-1' }), BASE_MS + 300);
    const got = await call(tenant, 'sp_fetch_work_item', BASE_MS + 300, LOCK_MS, 'B', 100, 'default_only', null);
    expect(got.rows).toHaveLength(1);
    expect(await tableRows(tenant, 'sessions')).toEqual([
      expect.objectContaining({ session_id: 's-1', owner_id: 'B' }),
    ]);
  });

  it.each([
    ['a NULL now', null, 0],
    ['a NULL idle timeout', BASE_MS, null],
    ['a negative idle timeout', BASE_MS, -1],
  ])('rejects %s with 22023 and removes nothing', async (_label, nowMs, idleMs) => {
    await plantSession('s', 'A', BASE_MS - 10, BASE_MS - 10);
    await expectFailureChangesNothing(tenant, () => cleanup(nowMs, idleMs), {
      code: '22023',
      message: 'p_now_ms must not be NULL and p_idle_timeout_ms must not be negative',
    });
  });
});
