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
import { emptyTables } from '../support/table-snapshot.js';
import {
  activityCompleted,
  activityExecute,
  activityFailed,
  startOrchestration,
  timerFired,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema({ poolSize: 12 });

interface Dequeued {
  id: string;
  work_item: unknown;
  lock_token: string;
}

async function dequeue(nowMs: number, lockTimeoutMs = LOCK_MS): Promise<Dequeued | undefined> {
  const result = await call<Dequeued>(tenant, 'sp_dequeue_worker_peek_lock', nowMs, lockTimeoutMs);
  expect(result.rows.length).toBeLessThanOrEqual(1);
  return result.rows[0];
}

const ackWorker = (token: string | null, completion: unknown, nowMs = BASE_MS) =>
  call(tenant, 'sp_ack_worker', token, completion === null ? null : json(completion), nowMs);

describe('sp_dequeue_worker_peek_lock', () => {
  it('returns zero rows when the queue is empty', async () => {
    const result = await call(tenant, 'sp_dequeue_worker_peek_lock', BASE_MS, LOCK_MS);
    expect(result.rows).toEqual([]);
    expect(result.fields.map((f) => f.name)).toEqual(['id', 'work_item', 'lock_token']);
  });

  it('locks the oldest item with a fresh token, returning the parsed item and the int8 id as a string', async () => {
    const item = activityExecute('order-1', 2);
    const id = await enqueueWorker(tenant, item, BASE_MS);
    const got = await dequeue(BASE_MS + 10, 5_000);
    expect(got).toEqual({
      id,
      work_item: item,
      lock_token: expect.any(String),
    });
    expect(got!.lock_token.length).toBeGreaterThan(0);
    // Peek-lock: the row stays until ack_worker, carrying the token and its expiry.
    expect(await tableRows(tenant, 'worker_queue')).toEqual([
      expect.objectContaining({
        id,
        lock_token: got!.lock_token,
        locked_until: String(BASE_MS + 10 + 5_000),
      }),
    ]);
  });

  it('hands items out in FIFO order, each with its own token, and none while all are locked', async () => {
    const ids = [];
    for (let i = 1; i <= 3; i++) ids.push(await enqueueWorker(tenant, activityExecute('a', i), BASE_MS));
    const got = [await dequeue(BASE_MS), await dequeue(BASE_MS), await dequeue(BASE_MS)];
    expect(got.map((g) => g?.id)).toEqual(ids);
    expect(got.map((g) => (g!.work_item as ReturnType<typeof activityExecute>).ActivityExecute.id)).toEqual([1, 2, 3]);
    expect(new Set(got.map((g) => g!.lock_token)).size).toBe(3);
    expect(await dequeue(BASE_MS)).toBeUndefined();
  });

  it('redelivers an item after its lock expires, with a new token, and the old token no longer acks', async () => {
    const id = await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const first = await dequeue(BASE_MS, 1_000);
    expect(await dequeue(BASE_MS + 999, 1_000)).toBeUndefined();
    const second = await dequeue(BASE_MS + 1_000, 1_000);
    expect(second?.id).toBe(id);
    expect(second!.lock_token).not.toBe(first!.lock_token);

    await expectFailureChangesNothing(tenant, () => ackWorker(first!.lock_token, activityCompleted('a', 1)), {
      code: 'DXW01',
      message: 'Worker queue item not found or already processed',
    });
    await ackWorker(second!.lock_token, activityCompleted('a', 1));
    expect(await tableRows(tenant, 'worker_queue')).toEqual([]);
  });

  it('does not let a later item overtake an expired earlier one', async () => {
    const firstId = await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await dequeue(BASE_MS, 1_000);
    await enqueueWorker(tenant, activityExecute('a', 2), BASE_MS + 1);
    expect((await dequeue(BASE_MS + 2_000, 1_000))?.id).toBe(firstId);
  });

  it.each([
    ['a NULL now', null, LOCK_MS],
    ['a NULL lock timeout', BASE_MS, null],
    ['a zero lock timeout', BASE_MS, 0],
    ['a negative lock timeout', BASE_MS, -5],
  ])('rejects %s with 22023 and locks nothing', async (_label, nowMs, lockTimeoutMs) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_dequeue_worker_peek_lock', nowMs, lockTimeoutMs), {
      code: '22023',
      message: 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive',
    });
  });

  it('never hands an item out twice and loses none under parallel dequeues from separate connections', async () => {
    const workers = 8;
    for (let round = 0; round < 5; round++) {
      await emptyTables(tenant);
      const items = 40;
      const expected = [];
      for (let i = 1; i <= items; i++) expected.push(await enqueueWorker(tenant, activityExecute('a', i), BASE_MS));

      const drain = async (): Promise<Dequeued[]> => {
        const mine: Dequeued[] = [];
        for (;;) {
          const got = await dequeue(BASE_MS + 1);
          if (!got) return mine;
          mine.push(got);
        }
      };
      const results = await Promise.all(Array.from({ length: workers }, drain));
      const ids = results.flat().map((g) => g.id);
      expect(ids).toHaveLength(items);
      expect(new Set(ids).size).toBe(items);
      expect([...ids].sort()).toEqual([...expected].sort());
      expect(new Set(results.flat().map((g) => g.lock_token)).size).toBe(items);
      // Each worker sees its own items in FIFO order.
      for (const mine of results) {
        const order = mine.map((g) => BigInt(g.id));
        expect(order).toEqual([...order].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    }
  });
});

describe('sp_ack_worker', () => {
  it('deletes the item and enqueues the completion for its instance, visible at now, in one call', async () => {
    await enqueueWorker(tenant, activityExecute('order-1', 2), BASE_MS);
    const got = await dequeue(BASE_MS);
    const completion = activityCompleted('order-1', 2);
    const result = await ackWorker(got!.lock_token, completion, BASE_MS + 20);
    expect(result.rows).toEqual([{ sp_ack_worker: '' }]);
    expect(await tableRows(tenant, 'worker_queue')).toEqual([]);
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([
      {
        id: expect.any(String),
        instance_id: 'order-1',
        work_item: completion,
        visible_at: String(BASE_MS + 20),
        lock_token: null,
        locked_until: null,
        created_at: new Date(BASE_MS + 20),
        attempt_count: 0,
      },
    ]);
    // A completion is only a message: it creates no instance.
    expect(await tableRows(tenant, 'instances')).toEqual([]);
  });

  it('accepts an ActivityFailed completion', async () => {
    await enqueueWorker(tenant, activityExecute('order-1', 2), BASE_MS);
    const got = await dequeue(BASE_MS);
    await ackWorker(got!.lock_token, activityFailed('order-1', 2));
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([
      expect.objectContaining({
        instance_id: 'order-1',
        work_item: activityFailed('order-1', 2),
      }),
    ]);
  });

  it('acks only the item of its token', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const otherId = await enqueueWorker(tenant, activityExecute('a', 2), BASE_MS);
    const first = await dequeue(BASE_MS);
    await dequeue(BASE_MS);
    await ackWorker(first!.lock_token, activityCompleted('a', 1));
    expect((await tableRows(tenant, 'worker_queue')).map((r) => r.id)).toEqual([otherId]);
  });

  it('accepts a token whose lock expired as long as no one dequeued the item again', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await dequeue(BASE_MS, 1_000);
    await ackWorker(got!.lock_token, activityCompleted('a', 1), BASE_MS + 60_000);
    expect(await tableRows(tenant, 'worker_queue')).toEqual([]);
    expect(await tableRows(tenant, 'orchestrator_queue')).toHaveLength(1);
  });

  it('fails the second ack of one token with DXW01 and enqueues nothing more', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await dequeue(BASE_MS);
    await ackWorker(got!.lock_token, activityCompleted('a', 1));
    await expectFailureChangesNothing(tenant, () => ackWorker(got!.lock_token, activityCompleted('a', 1)), {
      code: 'DXW01',
      message: 'Worker queue item not found or already processed',
    });
  });

  it.each([
    ['an unknown token', 'no-such-token'],
    ['a NULL token', null],
  ])('fails for %s with DXW01 and changes nothing', async (_label, token) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await dequeue(BASE_MS);
    await expectFailureChangesNothing(tenant, () => ackWorker(token, activityCompleted('a', 1)), {
      code: 'DXW01',
      message: 'Worker queue item not found or already processed',
    });
  });

  it.each([
    ['ActivityExecute', activityExecute('a', 1)],
    ['TimerFired', timerFired('a', 1, BASE_MS)],
    ['StartOrchestration', startOrchestration('a')],
  ])('rejects a %s completion with DXI01 and consumes nothing', async (kind, completion) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await dequeue(BASE_MS);
    await expectFailureChangesNothing(tenant, () => ackWorker(got!.lock_token, completion), {
      code: 'DXI01',
      message: `Invalid completion type: ${kind} (expected ActivityCompleted or ActivityFailed)`,
    });
    // The token is still good for the right completion.
    await ackWorker(got!.lock_token, activityCompleted('a', 1));
  });

  it.each([
    ['has no instance', { ActivityCompleted: { execution_id: 1, id: 1, result: '1' } }],
    [
      'names its instance with a number',
      {
        ActivityCompleted: { instance: 7, execution_id: 1, id: 1, result: '1' },
      },
    ],
  ])('rolls the delete back when the completion %s', async (_label, completion) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await dequeue(BASE_MS);
    await expectFailureChangesNothing(tenant, () => ackWorker(got!.lock_token, completion), {
      code: '22023',
      message: 'ActivityCompleted work item has no target instance',
    });
  });

  it.each([
    ['a NULL completion', null, 'p_completion must be a JSON object with exactly one key naming its kind'],
    [
      'a completion without a kind',
      { instance: 'a', id: 1 },
      'p_completion must be a JSON object with exactly one key naming its kind',
    ],
    [
      'a completion array',
      [activityCompleted('a', 1)],
      'p_completion must be a JSON object with exactly one key naming its kind',
    ],
  ])('rejects %s with 22023 and consumes nothing', async (_label, completion, message) => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await dequeue(BASE_MS);
    await expectFailureChangesNothing(tenant, () => ackWorker(got!.lock_token, completion), { code: '22023', message });
  });

  it('rejects a NULL now with 22023 and consumes nothing', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    const got = await dequeue(BASE_MS);
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_ack_worker', got!.lock_token, json(activityCompleted('a', 1)), null),
      { code: '22023', message: 'p_now_ms must not be NULL' },
    );
  });

  it('lets exactly one of several concurrent acks of one token succeed', async () => {
    for (let round = 0; round < 5; round++) {
      await emptyTables(tenant);
      await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
      const got = await dequeue(BASE_MS);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () => ackWorker(got!.lock_token, activityCompleted('a', 1))),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected')) {
        const error = await sqlError(Promise.reject(o.reason as Error));
        expect(error.code).toBe('DXW01');
      }
      expect(await tableRows(tenant, 'orchestrator_queue')).toHaveLength(1);
      expect(await tableRows(tenant, 'worker_queue')).toEqual([]);
    }
  });
});
