import pg from 'pg';
import { asListener } from '../support/notification-listening.js';
import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  LOCK_MS,
  call,
  enqueueWorker,
  expectFailureChangesNothing,
  json,
  sqlError,
  tableRows,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import { routedActivity } from '../support/routed-activities.js';
import { emptyTables } from '../support/table-snapshot.js';
import {
  activityCompleted,
  activityExecute,
  activityFailed,
  startOrchestration,
  timerFired,
} from '../support/work-items.js';

// A schema name that needs quoting everywhere: the procedures must never build names from it.
const tenant = useEmptyTenantSchema({ poolSize: 12, name: `wq "Custom" $1 ${Date.now() % 100000}` });

interface Fetched {
  id: string;
  work_item: unknown;
  lock_token: string;
  attempt_count: number;
}

interface FetchOptions {
  lockMs?: number;
  owner?: string | null;
  sessionLockMs?: number | null;
  tagMode?: string | null;
  tags?: string[] | null;
}

function fetchCall(nowMs: number | null, options: FetchOptions = {}) {
  return call<Fetched>(
    tenant,
    'sp_fetch_work_item',
    nowMs,
    options.lockMs === undefined ? LOCK_MS : options.lockMs,
    options.owner ?? null,
    options.sessionLockMs === undefined ? (options.owner ? LOCK_MS : null) : options.sessionLockMs,
    options.tagMode === undefined ? 'default_only' : options.tagMode,
    options.tags ?? null,
  );
}

async function fetchWork(nowMs: number, options: FetchOptions = {}): Promise<Fetched | undefined> {
  const result = await fetchCall(nowMs, options);
  expect(result.rows.length).toBeLessThanOrEqual(1);
  return result.rows[0];
}

const itemId = (fetched: Fetched | undefined) =>
  (fetched?.work_item as ReturnType<typeof activityExecute> | undefined)?.ActivityExecute.id;

const ack = (token: string | null, completion: unknown, nowMs: number | null = BASE_MS) =>
  call(tenant, 'sp_ack_work_item', token, completion === null ? null : json(completion), nowMs);

const renew = (token: string | null, nowMs: number | null, extendMs: number | null) =>
  call(tenant, 'sp_renew_work_item_lock', token, nowMs, extendMs);

const abandon = (
  token: string | null,
  nowMs: number | null,
  delayMs: number | null = null,
  ignore: boolean | null = false,
) => call(tenant, 'sp_abandon_work_item', token, nowMs, delayMs, ignore);

const sessions = () => tableRows(tenant, 'sessions');

describe('sp_fetch_work_item', () => {
  it('returns zero rows with the four columns when the queue is empty', async () => {
    const result = await fetchCall(BASE_MS);
    expect(result.rows).toEqual([]);
    expect(result.fields.map((f) => f.name)).toEqual(['id', 'work_item', 'lock_token', 'attempt_count']);
  });

  it('locks the oldest item with a fresh token and attempt 1, visible from the enqueue on', async () => {
    const item = activityExecute('order-1', 2);
    const id = await enqueueWorker(tenant, item, BASE_MS);
    const got = await fetchWork(BASE_MS, { lockMs: 5_000 });
    expect(got).toEqual({ id, work_item: item, lock_token: expect.any(String), attempt_count: 1 });
    expect(await tableRows(tenant, 'worker_queue')).toEqual([
      expect.objectContaining({
        id,
        lock_token: got!.lock_token,
        locked_until: String(BASE_MS + 5_000),
        attempt_count: 1,
        visible_at: String(BASE_MS),
      }),
    ]);
  });

  it('hands items out in FIFO order, each with its own token, and none while all are locked', async () => {
    const ids = [];
    for (let i = 1; i <= 3; i++) ids.push(await enqueueWorker(tenant, activityExecute('a', i), BASE_MS));
    const got = [await fetchWork(BASE_MS), await fetchWork(BASE_MS), await fetchWork(BASE_MS)];
    expect(got.map((g) => g?.id)).toEqual(ids);
    expect(new Set(got.map((g) => g!.lock_token)).size).toBe(3);
    expect(await fetchWork(BASE_MS)).toBeUndefined();
  });

  it('redelivers an item after its lock expires with a new token and the next attempt count', async () => {
    const id = await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const first = await fetchWork(BASE_MS, { lockMs: 1_000 });
    expect(await fetchWork(BASE_MS + 999)).toBeUndefined();
    const second = await fetchWork(BASE_MS + 1_000, { lockMs: 1_000 });
    expect(second).toEqual(expect.objectContaining({ id, attempt_count: 2 }));
    expect(second!.lock_token).not.toBe(first!.lock_token);
  });

  it('does not let a later item overtake an expired earlier one', async () => {
    const firstId = await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await fetchWork(BASE_MS, { lockMs: 1_000 });
    await enqueueWorker(tenant, activityExecute('a', 2), BASE_MS + 1);
    expect((await fetchWork(BASE_MS + 2_000))?.id).toBe(firstId);
  });

  it('takes an unleased item below the lowest expired lease first, then the lease, then later items', async () => {
    for (let i = 1; i <= 3; i++) await enqueueWorker(tenant, activityExecute('a', i), BASE_MS);
    const first = await fetchWork(BASE_MS, { lockMs: 60_000 });
    await fetchWork(BASE_MS, { lockMs: 1_000 });
    await abandon(first!.lock_token, BASE_MS);
    const order = [];
    for (let got = await fetchWork(BASE_MS + 2_000); got; got = await fetchWork(BASE_MS + 2_000)) {
      order.push([itemId(got), got.attempt_count]);
    }
    expect(order).toEqual([
      [1, 2],
      [2, 2],
      [3, 1],
    ]);
  });

  it('hands expired leases back in id order, whichever expired first', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await enqueueWorker(tenant, activityExecute('a', 2), BASE_MS);
    await fetchWork(BASE_MS, { lockMs: 2_000 });
    await fetchWork(BASE_MS, { lockMs: 1_000 });
    expect(itemId(await fetchWork(BASE_MS + 3_000))).toBe(1);
    expect(itemId(await fetchWork(BASE_MS + 3_000))).toBe(2);
    expect(await fetchWork(BASE_MS + 3_000)).toBeUndefined();
  });

  it('skips items that are not visible yet', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await enqueueWorker(tenant, activityExecute('a', 2), BASE_MS);
    const first = await fetchWork(BASE_MS);
    await abandon(first!.lock_token, BASE_MS, 500);
    expect(itemId(await fetchWork(BASE_MS))).toBe(2);
    expect(await fetchWork(BASE_MS + 499)).toBeUndefined();
    expect(itemId(await fetchWork(BASE_MS + 500))).toBe(1);
  });

  it('finds a free item behind many leased ones, and an expired lease behind many live ones', async () => {
    for (let i = 1; i <= 50; i++) await enqueueWorker(tenant, activityExecute('a', i), BASE_MS);
    for (let i = 1; i <= 49; i++) expect(itemId(await fetchWork(BASE_MS, { lockMs: 10_000 + i }))).toBe(i);
    expect(itemId(await fetchWork(BASE_MS))).toBe(50);
    expect(await fetchWork(BASE_MS)).toBeUndefined();
    // Item 1's lease (10,001 ms) ends first.
    expect(itemId(await fetchWork(BASE_MS + 10_001))).toBe(1);
  });

  describe('tag modes', () => {
    async function enqueueTagged(): Promise<void> {
      await enqueueWorker(tenant, routedActivity('a', 1), BASE_MS);
      await enqueueWorker(tenant, routedActivity('a', 2, { tag: 'gpu' }), BASE_MS);
      await enqueueWorker(tenant, routedActivity('a', 3, { tag: 'cpu' }), BASE_MS);
      await enqueueWorker(tenant, routedActivity('a', 4), BASE_MS);
    }

    async function drain(options: FetchOptions): Promise<number[]> {
      const ids = [];
      for (let got = await fetchWork(BASE_MS, options); got; got = await fetchWork(BASE_MS, options)) {
        ids.push(itemId(got)!);
      }
      return ids;
    }

    it.each([
      ['default_only', null, [1, 4]],
      ['tags', ['gpu'], [2]],
      ['tags', ['cpu', 'gpu'], [2, 3]],
      ['default_and', ['cpu'], [1, 3, 4]],
      ['any', null, [1, 2, 3, 4]],
      ['any', ['ignored'], [1, 2, 3, 4]],
    ])('%s %j takes exactly %j, in FIFO order', async (tagMode, tags, expected) => {
      await enqueueTagged();
      expect(await drain({ tagMode, tags })).toEqual(expected);
    });

    it('stores the tag and session columns from the item', async () => {
      await enqueueWorker(tenant, routedActivity('a', 7, { tag: 'gpu', sessionId: 's-1', executionId: 3 }), BASE_MS);
      expect(await tableRows(tenant, 'worker_queue')).toEqual([
        expect.objectContaining({
          instance_id: 'a',
          execution_id: '3',
          activity_id: '7',
          session_id: 's-1',
          tag: 'gpu',
        }),
      ]);
    });

    it.each([
      [
        'an unknown mode',
        'gpu_only',
        null,
        /^p_tag_mode must be default_only, tags, default_and or any, got gpu_only$/,
      ],
      ['a NULL mode', null, null, /^p_tag_mode must be/],
      ['tags without a list', 'tags', null, /^p_tags must hold 1 to 5 non-empty tags/],
      ['an empty list', 'default_and', [], /^p_tags must hold 1 to 5/],
      ['six tags', 'tags', ['a', 'b', 'c', 'd', 'e', 'f'], /^p_tags must hold 1 to 5/],
      ['an empty tag', 'tags', ['gpu', ''], /^p_tags must hold 1 to 5/],
      ['a NULL tag', 'tags', ['gpu', null], /^p_tags must hold 1 to 5/],
      ['a tag of 257 bytes', 'tags', ['é'.repeat(128) + 'x'], /^p_tags must hold 1 to 5/],
    ])('rejects %s with 22023 and locks nothing', async (_label, tagMode, tags, message) => {
      await enqueueTagged();
      await expectFailureChangesNothing(tenant, () => fetchCall(BASE_MS, { tagMode, tags: tags as string[] }), {
        code: '22023',
        message,
      });
    });

    it('accepts a tag of exactly 256 bytes', async () => {
      const tag = 'é'.repeat(128);
      await enqueueWorker(tenant, routedActivity('a', 1, { tag }), BASE_MS);
      expect(itemId(await fetchWork(BASE_MS, { tagMode: 'tags', tags: [tag] }))).toBe(1);
    });
  });

  describe('sessions', () => {
    it('skips session-bound items without an owner', async () => {
      await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
      await enqueueWorker(tenant, routedActivity('a', 2), BASE_MS);
      expect(itemId(await fetchWork(BASE_MS))).toBe(2);
      expect(await fetchWork(BASE_MS)).toBeUndefined();
      expect(await sessions()).toEqual([]);
    });

    it('claims an unowned session for the owner, in the same call', async () => {
      await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
      const got = await fetchWork(BASE_MS + 5, { owner: 'A', sessionLockMs: 2_000 });
      expect(itemId(got)).toBe(1);
      expect(await sessions()).toEqual([
        {
          session_id: 's-1',
          owner_id: 'A',
          locked_until: String(BASE_MS + 2_005),
          last_activity_at: String(BASE_MS + 5),
        },
      ]);
    });

    it("routes a session's items to its owner only, while the lease lives, then to anyone", async () => {
      for (let i = 1; i <= 3; i++) await enqueueWorker(tenant, routedActivity('a', i, { sessionId: 's-1' }), BASE_MS);
      expect(itemId(await fetchWork(BASE_MS, { owner: 'A', sessionLockMs: 1_000 }))).toBe(1);
      expect(await fetchWork(BASE_MS + 999, { owner: 'B' })).toBeUndefined();
      expect(itemId(await fetchWork(BASE_MS + 999, { owner: 'A', sessionLockMs: 1_000 }))).toBe(2);
      // A's second fetch refreshed the lease to BASE_MS + 1,999.
      expect(await fetchWork(BASE_MS + 1_998, { owner: 'B' })).toBeUndefined();
      expect(itemId(await fetchWork(BASE_MS + 1_999, { owner: 'B', sessionLockMs: 1_000 }))).toBe(3);
      expect(await sessions()).toEqual([expect.objectContaining({ session_id: 's-1', owner_id: 'B' })]);
    });

    it('moves on to the next eligible item when the oldest belongs to a session owned by someone else', async () => {
      await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
      await fetchWork(BASE_MS, { owner: 'A' });
      await enqueueWorker(tenant, routedActivity('a', 2, { sessionId: 's-1' }), BASE_MS);
      await enqueueWorker(tenant, routedActivity('a', 3, { sessionId: 's-2' }), BASE_MS);
      await enqueueWorker(tenant, routedActivity('a', 4), BASE_MS);
      expect(itemId(await fetchWork(BASE_MS, { owner: 'B' }))).toBe(3);
      expect(itemId(await fetchWork(BASE_MS, { owner: 'B' }))).toBe(4);
      expect(await fetchWork(BASE_MS, { owner: 'B' })).toBeUndefined();
    });

    it.each([
      ['an empty owner', '', LOCK_MS, 'p_owner_id must be a non-empty string or NULL'],
      ['an owner without a session lock timeout', 'A', null, /^p_session_lock_timeout_ms must be positive/],
      ['a zero session lock timeout', 'A', 0, /^p_session_lock_timeout_ms must be positive/],
      ['an unsafe session lock timeout', 'A', 2 ** 53, /^p_session_lock_timeout_ms must be between 1 and/],
    ])('rejects %s with 22023 and claims nothing', async (_label, owner, sessionLockMs, message) => {
      await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
      await expectFailureChangesNothing(tenant, () => fetchCall(BASE_MS, { owner, sessionLockMs }), {
        code: '22023',
        message,
      });
    });

    it('lets exactly one of two owners racing for one session win, and the loser still gets other work', async () => {
      for (let round = 0; round < 10; round++) {
        await emptyTables(tenant);
        await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
        await enqueueWorker(tenant, routedActivity('a', 2, { sessionId: 's-1' }), BASE_MS);
        await enqueueWorker(tenant, routedActivity('a', 3), BASE_MS);
        const [a, b] = await Promise.all([fetchWork(BASE_MS, { owner: 'A' }), fetchWork(BASE_MS, { owner: 'B' })]);
        const owners = await sessions();
        expect(owners).toHaveLength(1);
        const winner = owners[0]!.owner_id === 'A' ? a : b;
        const loser = owners[0]!.owner_id === 'A' ? b : a;
        // The winner holds one of the session's items: item 1, or item 2 when the other owner had item 1 locked (not
        // yet claimed) as the winner passed it. The loser never gets an item of a session someone else owns, and is
        // never told "empty": it gets item 3, and its refused claim undid its lock and attempt on the session's other
        // item.
        expect([1, 2]).toContain(itemId(winner));
        expect(itemId(loser)).toBe(3);
        const untouched = (await tableRows(tenant, 'worker_queue', 'id'))[itemId(winner) === 1 ? 1 : 0];
        expect(untouched).toEqual(expect.objectContaining({ attempt_count: 0, lock_token: null }));
      }
    });
  });

  it.each([
    ['a NULL now', null, LOCK_MS, 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive'],
    ['a NULL lock timeout', BASE_MS, null, 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive'],
    ['a zero lock timeout', BASE_MS, 0, 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive'],
    ['a negative now', -1, LOCK_MS, /^p_now_ms must be between 0 and/],
    ['an unsafe lock timeout', BASE_MS, 2 ** 53, /^p_lock_timeout_ms must be between 1 and/],
  ])('rejects %s with 22023 and locks nothing', async (_label, nowMs, lockMs, message) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await expectFailureChangesNothing(tenant, () => fetchCall(nowMs, { lockMs: lockMs as number }), {
      code: '22023',
      message,
    });
  });

  it('never hands an item out twice and loses none under parallel fetches from separate connections', async () => {
    const workers = 8;
    for (let round = 0; round < 3; round++) {
      await emptyTables(tenant);
      const items = 40;
      const expected = [];
      for (let i = 1; i <= items; i++) {
        const routing = i % 4 === 0 ? { sessionId: `s-${i % 3}` } : {};
        expected.push(await enqueueWorker(tenant, routedActivity('a', i, routing), BASE_MS));
      }
      const drain = async (worker: number): Promise<Fetched[]> => {
        const mine: Fetched[] = [];
        for (;;) {
          const got = await fetchWork(BASE_MS + 1, { owner: `w${worker}` });
          if (!got) return mine;
          mine.push(got);
        }
      };
      const results = await Promise.all(Array.from({ length: workers }, (_, w) => drain(w)));
      const ids = results.flat().map((g) => g.id);
      // Session items stay with the worker that claimed the session; everything else is free for all.
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...expected].sort());
      expect(results.flat().every((g) => g.attempt_count === 1)).toBe(true);
    }
  });
});

describe('sp_ack_work_item', () => {
  it('deletes the item and enqueues the completion for its instance, visible now', async () => {
    await enqueueWorker(tenant, activityExecute('order-1', 2), BASE_MS);
    const got = await fetchWork(BASE_MS);
    const completion = activityCompleted('order-1', 2);
    const result = await ack(got!.lock_token, completion, BASE_MS + 20);
    expect(result.rows).toEqual([{ sp_ack_work_item: '' }]);
    expect(await tableRows(tenant, 'worker_queue')).toEqual([]);
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([
      expect.objectContaining({
        instance_id: 'order-1',
        work_item: completion,
        visible_at: String(BASE_MS + 20),
        lock_token: null,
        attempt_count: 0,
      }),
    ]);
    expect(await tableRows(tenant, 'instances')).toEqual([]);
  });

  it('accepts an ActivityFailed completion', async () => {
    await enqueueWorker(tenant, activityExecute('order-1', 2), BASE_MS);
    const got = await fetchWork(BASE_MS);
    await ack(got!.lock_token, activityFailed('order-1', 2));
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([
      expect.objectContaining({ work_item: activityFailed('order-1', 2) }),
    ]);
  });

  it('with a NULL completion deletes the item and enqueues nothing (a cancelled activity)', async () => {
    await enqueueWorker(tenant, activityExecute('order-1', 2), BASE_MS);
    const got = await fetchWork(BASE_MS);
    await ack(got!.lock_token, null);
    expect(await tableRows(tenant, 'worker_queue')).toEqual([]);
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([]);
  });

  it('acks only the item of its token', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const otherId = await enqueueWorker(tenant, activityExecute('a', 2), BASE_MS);
    const first = await fetchWork(BASE_MS);
    await fetchWork(BASE_MS);
    await ack(first!.lock_token, activityCompleted('a', 1));
    expect((await tableRows(tenant, 'worker_queue')).map((r) => r.id)).toEqual([otherId]);
  });

  it('fails with DXW02 once the lock expired, leaving the item fetchable; the new holder acks', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS, { lockMs: 1_000 });
    await expectFailureChangesNothing(tenant, () => ack(got!.lock_token, activityCompleted('a', 1), BASE_MS + 1_000), {
      code: 'DXW02',
      message: 'Worker lock expired',
    });
    const again = await fetchWork(BASE_MS + 1_000);
    expect(again?.attempt_count).toBe(2);
    await expectFailureChangesNothing(tenant, () => ack(got!.lock_token, activityCompleted('a', 1), BASE_MS + 1_000), {
      code: 'DXW01',
      message: 'Worker queue item not found or already processed',
    });
    await ack(again!.lock_token, activityCompleted('a', 1), BASE_MS + 1_000);
  });

  it.each([
    ['an unknown token', 'no-such-token'],
    ['a NULL token', null],
  ])('fails for %s with DXW01 and changes nothing', async (_label, token) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await fetchWork(BASE_MS);
    await expectFailureChangesNothing(tenant, () => ack(token, activityCompleted('a', 1)), {
      code: 'DXW01',
      message: 'Worker queue item not found or already processed',
    });
  });

  it('fails the second ack of one token with DXW01', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS);
    await ack(got!.lock_token, null);
    await expectFailureChangesNothing(tenant, () => ack(got!.lock_token, null), { code: 'DXW01' });
  });

  it.each([
    ['ActivityExecute', activityExecute('a', 1)],
    ['TimerFired', timerFired('a', 1, BASE_MS)],
    ['StartOrchestration', startOrchestration('a')],
  ])('rejects a %s completion with DXI01 and consumes nothing', async (kind, completion) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS);
    await expectFailureChangesNothing(tenant, () => ack(got!.lock_token, completion), {
      code: 'DXI01',
      message: `Invalid completion type: ${kind} (expected ActivityCompleted or ActivityFailed)`,
    });
    await ack(got!.lock_token, activityCompleted('a', 1));
  });

  it.each([
    [
      'without a kind',
      { instance: 'a', id: 1 },
      'p_completion must be a JSON object with exactly one key naming its kind',
    ],
    [
      'without an instance',
      { ActivityCompleted: { execution_id: 1, id: 1, result: '1' } },
      'ActivityCompleted work item has no target instance',
    ],
  ])('rejects a completion %s with 22023 and consumes nothing', async (_label, completion, message) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS);
    await expectFailureChangesNothing(tenant, () => ack(got!.lock_token, completion), { code: '22023', message });
  });

  it('rejects a NULL now with 22023', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS);
    await expectFailureChangesNothing(tenant, () => ack(got!.lock_token, null, null), {
      code: '22023',
      message: 'p_now_ms must not be NULL',
    });
  });

  it("touches its session's last activity while the lease lives, and not after", async () => {
    await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
    await enqueueWorker(tenant, routedActivity('a', 2, { sessionId: 's-1' }), BASE_MS);
    const first = await fetchWork(BASE_MS, { owner: 'A', sessionLockMs: 1_000 });
    const second = await fetchWork(BASE_MS, { owner: 'A', sessionLockMs: 1_000 });
    await ack(first!.lock_token, null, BASE_MS + 400);
    expect((await sessions())[0]).toEqual(expect.objectContaining({ last_activity_at: String(BASE_MS + 400) }));
    // The lease ended at BASE_MS + 1,000; the activity lock (30 s) still lives, so the ack succeeds.
    await ack(second!.lock_token, null, BASE_MS + 1_500);
    expect((await sessions())[0]).toEqual(expect.objectContaining({ last_activity_at: String(BASE_MS + 400) }));
  });

  it('lets exactly one of several concurrent acks of one token succeed', async () => {
    for (let round = 0; round < 3; round++) {
      await emptyTables(tenant);
      await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
      const got = await fetchWork(BASE_MS);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () => ack(got!.lock_token, activityCompleted('a', 1))),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected')) {
        expect((await sqlError(Promise.reject(o.reason as Error))).code).toBe('DXW01');
      }
      expect(await tableRows(tenant, 'orchestrator_queue')).toHaveLength(1);
    }
  });
});

describe('sp_renew_work_item_lock', () => {
  it('extends a live lock to now + extension, even to an earlier time', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS, { lockMs: 1_000 });
    expect((await renew(got!.lock_token, BASE_MS + 600, 1_000)).rows).toEqual([{ sp_renew_work_item_lock: '' }]);
    expect(await fetchWork(BASE_MS + 1_599)).toBeUndefined();
    expect((await tableRows(tenant, 'worker_queue'))[0]).toEqual(
      expect.objectContaining({ locked_until: String(BASE_MS + 1_600), attempt_count: 1 }),
    );
    await renew(got!.lock_token, BASE_MS + 700, 10);
    expect((await tableRows(tenant, 'worker_queue'))[0]).toEqual(
      expect.objectContaining({ locked_until: String(BASE_MS + 710) }),
    );
  });

  it('fails with DXW02 after expiry and DXW01 for a token whose row is gone', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS, { lockMs: 1_000 });
    await expectFailureChangesNothing(tenant, () => renew(got!.lock_token, BASE_MS + 1_000, 1_000), {
      code: 'DXW02',
      message: 'Worker lock expired',
    });
    const again = await fetchWork(BASE_MS + 1_000);
    await ack(again!.lock_token, null, BASE_MS + 1_000);
    for (const token of [got!.lock_token, again!.lock_token, 'unknown', null]) {
      await expectFailureChangesNothing(tenant, () => renew(token, BASE_MS + 1_000, 1_000), {
        code: 'DXW01',
        message: 'Worker queue item not found or already processed',
      });
    }
  });

  it("touches its session's last activity while the lease lives", async () => {
    await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
    const got = await fetchWork(BASE_MS, { owner: 'A', sessionLockMs: 1_000 });
    await renew(got!.lock_token, BASE_MS + 300, 1_000);
    expect((await sessions())[0]).toEqual(expect.objectContaining({ last_activity_at: String(BASE_MS + 300) }));
    await renew(got!.lock_token, BASE_MS + 1_200, 1_000);
    expect((await sessions())[0]).toEqual(expect.objectContaining({ last_activity_at: String(BASE_MS + 300) }));
  });

  it.each([
    ['a NULL now', null, 1_000, 'p_now_ms must not be NULL and p_extend_ms must be positive'],
    ['a NULL extension', BASE_MS, null, 'p_now_ms must not be NULL and p_extend_ms must be positive'],
    ['a zero extension', BASE_MS, 0, 'p_now_ms must not be NULL and p_extend_ms must be positive'],
    ['an unsafe extension', BASE_MS, 2 ** 53, /^p_extend_ms must be between 1 and/],
  ])('rejects %s with 22023', async (_label, nowMs, extendMs, message) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS);
    await expectFailureChangesNothing(tenant, () => renew(got!.lock_token, nowMs, extendMs), {
      code: '22023',
      message,
    });
  });
});

describe('sp_abandon_work_item', () => {
  it('unlocks the item at once, keeping its attempt count', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS);
    expect((await abandon(got!.lock_token, BASE_MS + 5)).rows).toEqual([{ sp_abandon_work_item: '' }]);
    expect((await tableRows(tenant, 'worker_queue'))[0]).toEqual(
      expect.objectContaining({
        lock_token: null,
        locked_until: null,
        visible_at: String(BASE_MS + 5),
        attempt_count: 1,
      }),
    );
    expect(await fetchWork(BASE_MS + 5)).toEqual(expect.objectContaining({ attempt_count: 2 }));
  });

  it('with ignore_attempt takes the attempt back, never below 0', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    let got = await fetchWork(BASE_MS);
    await abandon(got!.lock_token, BASE_MS, null, true);
    expect((await tableRows(tenant, 'worker_queue'))[0]!.attempt_count).toBe(0);
    got = await fetchWork(BASE_MS);
    expect(got?.attempt_count).toBe(1);
    // A row whose count is already 0 (a v1 row, say) stays at 0.
    await tenant.pool.query(`UPDATE ${tenant.quoted}.worker_queue SET attempt_count = 0`);
    await abandon(got!.lock_token, BASE_MS, null, true);
    expect((await tableRows(tenant, 'worker_queue'))[0]!.attempt_count).toBe(0);
  });

  it('with a delay hides the item until now + delay; the session stays', async () => {
    await enqueueWorker(tenant, routedActivity('a', 1, { sessionId: 's-1' }), BASE_MS);
    const got = await fetchWork(BASE_MS, { owner: 'A' });
    const before = await sessions();
    await abandon(got!.lock_token, BASE_MS + 10, 500);
    expect(await fetchWork(BASE_MS + 509, { owner: 'A' })).toBeUndefined();
    expect(await sessions()).toEqual(before);
    expect(await fetchWork(BASE_MS + 510, { owner: 'B' })).toBeUndefined();
    expect(itemId(await fetchWork(BASE_MS + 510, { owner: 'A' }))).toBe(1);
  });

  it('accepts an expired lock no one took again; fails with DXW01 for a token that matches no row', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS, { lockMs: 1_000 });
    await abandon(got!.lock_token, BASE_MS + 5_000);
    for (const token of [got!.lock_token, 'unknown', null]) {
      await expectFailureChangesNothing(tenant, () => abandon(token, BASE_MS + 5_000), {
        code: 'DXW01',
        message: 'Invalid lock token or already acked',
      });
    }
  });

  it.each([
    ['a NULL now', null, null, false, 'p_now_ms and p_ignore_attempt must not be NULL'],
    ['a NULL ignore_attempt', BASE_MS, null, null, 'p_now_ms and p_ignore_attempt must not be NULL'],
    ['a negative delay', BASE_MS, -1, false, 'p_delay_ms must not be negative'],
    ['an unsafe delay', BASE_MS, 2 ** 53, false, /^p_delay_ms must be between 0 and/],
    ['a delay past 2^53 - 1', BASE_MS, 2 ** 53 - 1 - BASE_MS + 1, false, /^p_now_ms \+ p_delay_ms must be between/],
  ])('rejects %s with 22023', async (_label, nowMs, delayMs, ignore, message) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await fetchWork(BASE_MS);
    await expectFailureChangesNothing(tenant, () => abandon(got!.lock_token, nowMs, delayMs, ignore), {
      code: '22023',
      message,
    });
  });
});

describe('worker-queue notifications', () => {
  it('enqueue and abandon notify the worker channel, a completion the orchestrator channel, at commit', async () => {
    const channels = await tenant.pool.query<{ work: string; orch: string }>(
      `SELECT ${tenant.quoted}._sp_notify_channel('work') AS work, ${tenant.quoted}._sp_notify_channel('orch') AS orch`,
    );
    const { work, orch } = channels.rows[0]!;
    const listener = await tenant.pool.connect();
    const ignoreError = () => {};
    listener.on('error', ignoreError);
    const heard: { channel: string; payload: string | undefined }[] = [];
    const onNotification = (message: pg.Notification) =>
      heard.push({ channel: message.channel, payload: message.payload });
    listener.on('notification', onNotification);
    try {
      await asListener(listener, tenant, async () => {
        await listener.query(`LISTEN "${work}"; LISTEN "${orch}"`);
        await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
        const got = await fetchWork(BASE_MS);
        await abandon(got!.lock_token, BASE_MS + 1, 250);
        const again = await fetchWork(BASE_MS + 251);
        await ack(again!.lock_token, activityCompleted('a', 1), BASE_MS + 300);
        // A failed call notifies nothing.
        await ack(again!.lock_token, activityCompleted('a', 1), BASE_MS + 300).catch(() => undefined);
        await listener.query('SELECT 1');
        expect(heard).toEqual([
          { channel: work, payload: String(BASE_MS) },
          { channel: work, payload: String(BASE_MS + 251) },
          { channel: orch, payload: String(BASE_MS + 300) },
        ]);
      });
    } finally {
      listener.off('notification', onNotification);
      listener.off('error', ignoreError);
      await listener.query('UNLISTEN *');
      listener.release();
    }
  });
});
