/**
 * The contract-v2 behaviour of the orchestrator-queue procedures (0008): capability filter, attempt counts, KV
 * snapshot, custom status, KV delta and merge, pinned versions, cancelled activities, ignore_attempt, lock renewal and
 * notifications. The v1 behaviour they keep is in orchestration.test.ts. The schema's name needs quoting everywhere.
 */
import { asListener } from '../support/notification-listening.js';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import {
  BASE_MS,
  FIRST_TURN,
  LOCK_MS,
  ackItem,
  call,
  enqueueOrchestrator,
  enqueueWorker,
  expectFailureChangesNothing,
  fetchItem,
  json,
  runTurn,
  tableRows,
  type Turn,
  useEmptyTenantSchema,
  type VersionRange,
} from '../support/procedure-calls.js';
import { randomSchemaName } from '../support/tenant-schema.js';
import {
  activityExecute,
  customStatusUpdated,
  externalRaised,
  keyValueCleared,
  keyValueSet,
  keyValuesCleared,
  orchestrationStarted,
  queueMessage,
  startOrchestration,
  timerFired,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema({ name: randomSchemaName('Orch "V2" $x') });

const attemptCounts = async () =>
  (await tableRows<{ attempt_count: number }>(tenant, 'orchestrator_queue', 'id')).map((r) => r.attempt_count);
const lockRows = () => tableRows(tenant, 'instance_locks');

/** Starts each instance with a first turn (pinned as given), then queues one message for each, in that order. */
async function pinnedInstances(pins: [string, [number, number, number] | null][], nowMs = BASE_MS) {
  for (const [instance, pinned] of pins) {
    await enqueueOrchestrator(tenant, startOrchestration(instance), nowMs);
    await runTurn(tenant, instance, nowMs, { ...FIRST_TURN, delta: [orchestrationStarted(1)], pinned });
  }
  for (const [instance] of pins) await enqueueOrchestrator(tenant, externalRaised(instance), nowMs);
}

const fetchIn = (versions: VersionRange | null, nowMs = BASE_MS) =>
  fetchItem(tenant, nowMs, LOCK_MS, { versions }).then((item) => item?.instance_id);

describe('sp_fetch_orchestration_item: capability filter', () => {
  it('returns only instances pinned inside the range (bounds inclusive), unpinned ones, and ones without a row', async () => {
    await pinnedInstances([
      ['low', [1, 0, 0]],
      ['high', [1, 9, 99]],
      ['above', [2, 0, 0]],
      ['unpinned', null],
    ]);
    await enqueueOrchestrator(tenant, startOrchestration('brand-new'), BASE_MS);

    const range: VersionRange = [
      [1, 0, 0],
      [1, 9, 99],
    ];
    const fetched = [];
    for (let i = 0; i < 5; i++) fetched.push(await fetchIn(range));
    expect(fetched).toEqual(['low', 'high', 'unpinned', 'brand-new', undefined]);
    // The excluded instance was neither locked nor counted, and an unfiltered fetch takes it.
    expect((await lockRows()).map((r) => r.instance_id)).not.toContain('above');
    expect(await fetchIn(null)).toBe('above');
  });

  it('compares versions part by part, never as one packed number', async () => {
    await pinnedInstances([['minor-1000', [1, 1000, 0]]]);
    expect(
      await fetchIn([
        [1, 999, 0],
        [1, 999, 999_999],
      ]),
    ).toBeUndefined();
    expect(
      await fetchIn([
        [1, 1000, 0],
        [1, 1000, 0],
      ]),
    ).toBe('minor-1000');
  });

  it("filters on the current execution's pin only: a new execution inherits nothing", async () => {
    await pinnedInstances([['chain', [1, 0, 0]]]);
    const item = await fetchItem(tenant, BASE_MS);
    await ackItem(tenant, item!.lock_token, BASE_MS, {
      executionId: 2,
      delta: [orchestrationStarted(1)],
      pinned: [2, 0, 0],
      orchestratorItems: [externalRaised('chain')],
    });
    const v1: VersionRange = [
      [1, 0, 0],
      [1, 9, 9],
    ];
    expect(await fetchIn(v1)).toBeUndefined();
    expect(
      await fetchIn([
        [2, 0, 0],
        [2, 9, 9],
      ]),
    ).toBe('chain');
  });

  it.each([
    ['a partial range', [BASE_MS, LOCK_MS, 1, 0, 0, null, null, null], /given whole or not at all/],
    ['a negative part', [BASE_MS, LOCK_MS, 1, 0, -1, 2, 0, 0], /must not be negative/],
    ['a negative orphan delay', [BASE_MS, LOCK_MS, null, null, null, null, null, null, -1], /p_orphan_retry_ms/],
    ['a NULL orphan delay', [BASE_MS, LOCK_MS, null, null, null, null, null, null, null], /p_orphan_retry_ms/],
    ['a lock that would end beyond 2^53 - 1', [2 ** 53 - 10, LOCK_MS], /p_now_ms \+ p_lock_timeout_ms/],
  ])('rejects %s with 22023 and changes nothing', async (_what, args, message) => {
    await enqueueOrchestrator(tenant, startOrchestration('x'), BASE_MS);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_fetch_orchestration_item', ...args), {
      code: '22023',
      message,
    });
  });
});

describe('sp_fetch_orchestration_item: what a fetched item carries', () => {
  it('counts an attempt on every message of each batch and returns the highest', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('p'), BASE_MS);
    const first = await fetchItem(tenant, BASE_MS, 1_000);
    expect(first!.attempt_count).toBe(1);
    await enqueueOrchestrator(tenant, externalRaised('p'), BASE_MS + 1); // arrives during the lock: not counted
    expect(await attemptCounts()).toEqual([1, 0]);

    // The lock expires: the next fetch counts again (expiry itself changes nothing).
    const second = await fetchItem(tenant, BASE_MS + 1_000, 1_000);
    expect(second).toMatchObject({ instance_id: 'p', attempt_count: 2 });
    expect(await attemptCounts()).toEqual([2, 1]);
  });

  it('returns the history as json and the kv_store snapshot, never kv_delta', async () => {
    await pinnedInstances([['kv', null]]);
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.kv_store (instance_id, key, value, last_updated_at_ms)
       VALUES ('kv', 'a', '1', 10), ('kv', 'emoji 🎉', '', 0), ('other', 'a', 'x', 1)`,
    );
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.kv_delta (instance_id, key, value, last_updated_at_ms)
       VALUES ('kv', 'a', '2', 20), ('kv', 'b', '3', 30)`,
    );
    const result = await call(tenant, 'sp_fetch_orchestration_item', BASE_MS, LOCK_MS);
    const types = Object.fromEntries(result.fields.map((f) => [f.name, f.dataTypeID]));
    expect(types).toMatchObject({ history: 114, messages: 3802, kv_snapshot: 3802, attempt_count: 23 });
    expect(result.rows[0]).toMatchObject({
      instance_id: 'kv',
      history: [orchestrationStarted(1)],
      kv_snapshot: {
        a: { value: '1', last_updated_at_ms: 10 },
        'emoji 🎉': { value: '', last_updated_at_ms: 0 },
      },
    });
  });

  it("keys the fetch's advisory lock by the schema, so tenants sharing a database never block each other", async () => {
    const result = await tenant.pool.query<{ lock_class: number; expected: number }>(
      `SELECT ${tenant.quoted}._sp_fetch_lock_class() AS lock_class, hashtext($1) AS expected`,
      [tenant.name],
    );
    expect(result.rows[0]!.lock_class).toBe(result.rows[0]!.expected);
  });
});

describe('sp_ack_orchestration_item: v2 metadata', () => {
  async function turn(instance: string, nowMs: number, parts: Turn) {
    return runTurn(tenant, instance, nowMs, parts);
  }

  it('creates an execution row without an instance row when the metadata names no version', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('nameless'), BASE_MS);
    await turn('nameless', BASE_MS + 1, { name: 'OnlyName', delta: [orchestrationStarted(1)] });
    expect(await tableRows(tenant, 'instances')).toEqual([]);
    expect(await tableRows(tenant, 'executions')).toEqual([
      expect.objectContaining({ instance_id: 'nameless', execution_id: '1', started_at: new Date(BASE_MS + 1) }),
    ]);
  });

  it('stores the pinned version whenever given, overwriting, and leaves it when not given', async () => {
    await pinnedInstances([['pin', [1, 2, 3]]]);
    const pins = async () =>
      (await tableRows(tenant, 'executions')).map((r) => [
        r.pinned_version_major,
        r.pinned_version_minor,
        r.pinned_version_patch,
      ]);
    expect(await pins()).toEqual([[1, 2, 3]]);
    await turn('pin', BASE_MS + 1, { orchestratorItems: [externalRaised('pin')] });
    expect(await pins()).toEqual([[1, 2, 3]]);
    await turn('pin', BASE_MS + 2, { pinned: [2, 0, 0] });
    expect(await pins()).toEqual([[2, 0, 0]]);
  });

  it.each([
    ['a pinned version with a part missing', { pinned: [1, null, 3] as unknown as [number, number, number] }],
    ['a negative pinned part', { pinned: [1, -1, 3] as [number, number, number] }],
    ['an empty parent instance id', { parentInstanceId: '' }],
    ['cancelled activities that are not an array', { cancelled: { instance: 'c' } }],
    ['a cancelled activity without an execution id', { cancelled: [{ instance: 'c', activity_id: 2 }] }],
    ['a cancelled activity with a string id', { cancelled: [{ instance: 'c', execution_id: 1, activity_id: '2' }] }],
    ['a KeyValueSet without a string value', { delta: [{ KeyValueSet: { event_id: 1, key: 'k', value: 1 } }] }],
    ['a KeyValueCleared without a key', { delta: [{ KeyValueCleared: { event_id: 1 } }] }],
  ])('rejects %s with 22023 and changes nothing', async (_what, parts: Turn) => {
    await enqueueOrchestrator(tenant, startOrchestration('c'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await expectFailureChangesNothing(tenant, () => ackItem(tenant, item!.lock_token, BASE_MS, parts), {
      code: '22023',
    });
  });

  it('accepts a NULL cancelled-activity list as none', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('n'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await ackItem(tenant, item!.lock_token, BASE_MS, { ...FIRST_TURN, cancelled: null });
    expect(await lockRows()).toEqual([]);
  });

  it('applies the last CustomStatusUpdated of a turn, counting one version per turn; no event, no change', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('cs'), BASE_MS);
    const status = async () => {
      const [row] = await tableRows(tenant, 'instances');
      return [row!.custom_status, row!.custom_status_version];
    };
    await turn('cs', BASE_MS, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1), customStatusUpdated(2, 'first'), customStatusUpdated(3, '{"pct":50}')],
      orchestratorItems: [externalRaised('cs')],
    });
    expect(await status()).toEqual(['{"pct":50}', '1']);
    await turn('cs', BASE_MS + 1, { orchestratorItems: [externalRaised('cs')] });
    expect(await status()).toEqual(['{"pct":50}', '1']);
    await turn('cs', BASE_MS + 2, { delta: [customStatusUpdated(4, null)], status: 'ContinuedAsNew' });
    expect(await status()).toEqual([null, '2']);
  });

  it('applies KV events in delta order to kv_delta and merges them into kv_store when the execution ends', async () => {
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.kv_store (instance_id, key, value, last_updated_at_ms)
       VALUES ('kv', 'old', 'o', 1), ('kv', 'kept', 'k', 2)`,
    );
    const rows = async (table: string) =>
      (await tableRows(tenant, table, 'key')).map((r) => [r.key, r.value, Number(r.last_updated_at_ms)]);
    await enqueueOrchestrator(tenant, startOrchestration('kv'), BASE_MS);
    await turn('kv', BASE_MS + 5, {
      ...FIRST_TURN,
      delta: [
        orchestrationStarted(1),
        keyValueSet(2, 'a', '1', 100),
        keyValueSet(3, 'b', '2', 101),
        keyValuesCleared(4),
        keyValueSet(5, 'a', '3', 102),
        keyValueCleared(6, 'zzz'),
      ],
      status: 'Running',
      orchestratorItems: [externalRaised('kv')],
    });
    // Clear-all tombstoned b and every stored key; the later set of a survives it. Running merges nothing.
    expect(await rows('kv_delta')).toEqual([
      ['a', '3', 102],
      ['b', null, BASE_MS + 5],
      ['kept', null, BASE_MS + 5],
      ['old', null, BASE_MS + 5],
      ['zzz', null, BASE_MS + 5],
    ]);
    expect(await rows('kv_store')).toEqual([
      ['kept', 'k', 2],
      ['old', 'o', 1],
    ]);

    await turn('kv', BASE_MS + 6, { delta: [keyValueSet(7, 'kept', 'again', 103)], status: 'Completed' });
    expect(await rows('kv_delta')).toEqual([]);
    expect(await rows('kv_store')).toEqual([
      ['a', '3', 102],
      ['kept', 'again', 103],
    ]);
  });

  it('inserts worker items before deleting cancelled activities, locked or not; unknown ones are ignored', async () => {
    await enqueueWorker(tenant, activityExecute('w', 2), BASE_MS);
    await enqueueWorker(tenant, activityExecute('w', 3), BASE_MS);
    await enqueueWorker(tenant, activityExecute('other', 2), BASE_MS);
    await call(tenant, 'sp_fetch_work_item', BASE_MS, LOCK_MS); // w#2 is held by a worker
    await enqueueOrchestrator(tenant, startOrchestration('w'), BASE_MS);
    await turn('w', BASE_MS, {
      ...FIRST_TURN,
      workerItems: [activityExecute('w', 4), activityExecute('w', 5)],
      cancelled: [
        { instance: 'w', execution_id: 1, activity_id: 2 },
        { instance: 'w', execution_id: 1, activity_id: 4 },
        { instance: 'w', execution_id: 9, activity_id: 3 },
        { instance: 'nobody', execution_id: 1, activity_id: 1 },
      ],
    });
    expect((await tableRows(tenant, 'worker_queue', 'id')).map((r) => [r.instance_id, Number(r.activity_id)])).toEqual([
      ['w', 3],
      ['other', 2],
      ['w', 5],
    ]);
  });

  it('queues QueueMessage items for their instance', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('q'), BASE_MS);
    await turn('q', BASE_MS, { ...FIRST_TURN, orchestratorItems: [queueMessage('q'), queueMessage('elsewhere')] });
    expect((await tableRows(tenant, 'orchestrator_queue', 'id')).map((r) => r.instance_id)).toEqual(['q', 'elsewhere']);
  });
});

/** Collects the payloads of this schema's notifications on one queue's channel while `run` runs. */
async function notificationsDuring(queue: 'orch' | 'work', run: () => Promise<unknown>): Promise<string[]> {
  const [{ channel }] = (await tenant.pool.query(`SELECT ${tenant.quoted}._sp_notify_channel($1) AS channel`, [queue]))
    .rows as [{ channel: string }];
  const listener: pg.PoolClient = await tenant.pool.connect();
  const payloads: string[] = [];
  try {
    listener.on('notification', (message) => {
      if (message.channel === channel) payloads.push(message.payload ?? '');
    });
    await asListener(listener, tenant, async () => {
      await listener.query(`LISTEN ${quoteIdentifier(channel)}`);
      await run();
      await listener.query('SELECT 1');
      await listener.query(`UNLISTEN ${quoteIdentifier(channel)}`);
    });
  } finally {
    listener.removeAllListeners('notification');
    listener.release();
  }
  return payloads;
}

describe('notifications', () => {
  it('ack: the earliest visible time of its orchestrator items, and now for messages that arrived meanwhile', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('n'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('n'), BASE_MS + 1);
    const orch = await notificationsDuring('orch', () =>
      ackItem(tenant, item!.lock_token, BASE_MS + 2, {
        ...FIRST_TURN,
        orchestratorItems: [timerFired('n', 2, BASE_MS + 9_000), timerFired('n', 3, BASE_MS + 5_000)],
      }),
    );
    expect(orch).toEqual([String(BASE_MS + 5_000), String(BASE_MS + 2)]);
  });

  it('ack: the worker channel when it queued activities', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('n'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    const work = await notificationsDuring('work', () =>
      ackItem(tenant, item!.lock_token, BASE_MS + 2, { ...FIRST_TURN, workerItems: [activityExecute('n', 2)] }),
    );
    expect(work).toEqual([String(BASE_MS + 2)]);
  });

  it('abandon: when the instance becomes fetchable again', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('n'), BASE_MS);
    const first = await fetchItem(tenant, BASE_MS);
    const payloads = await notificationsDuring('orch', async () => {
      await call(tenant, 'sp_abandon_orchestration_item', first!.lock_token, BASE_MS + 1, 500);
      const second = await fetchItem(tenant, BASE_MS + 501);
      await call(tenant, 'sp_abandon_orchestration_item', second!.lock_token, BASE_MS + 502);
    });
    expect(payloads).toEqual([String(BASE_MS + 501), String(BASE_MS + 502)]);
  });
});

describe('sp_abandon_orchestration_item: ignore_attempt', () => {
  const abandon = (token: string, nowMs: number, ignoreAttempt: boolean | null) =>
    call(tenant, 'sp_abandon_orchestration_item', token, nowMs, null, ignoreAttempt);

  it('takes the attempt of the batch back (not below 0) only when asked, and returns the instance id', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS);
    const first = await fetchItem(tenant, BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('a'), BASE_MS); // not in the batch
    expect((await abandon(first!.lock_token, BASE_MS, true)).rows).toEqual([{ sp_abandon_orchestration_item: 'a' }]);
    expect(await attemptCounts()).toEqual([0, 0]);

    const second = await fetchItem(tenant, BASE_MS);
    await abandon(second!.lock_token, BASE_MS, false);
    expect(await attemptCounts()).toEqual([1, 1]);
    const third = await fetchItem(tenant, BASE_MS);
    await abandon(third!.lock_token, BASE_MS, null);
    expect(await attemptCounts()).toEqual([2, 2]);
    await tenant.pool.query(`UPDATE ${tenant.quoted}.orchestrator_queue SET attempt_count = 0`);
    const fourth = await fetchItem(tenant, BASE_MS);
    await tenant.pool.query(`UPDATE ${tenant.quoted}.orchestrator_queue SET attempt_count = 0`);
    await abandon(fourth!.lock_token, BASE_MS, true);
    expect(await attemptCounts()).toEqual([0, 0]);
  });
});

describe('sp_renew_orchestration_item_lock', () => {
  const renew = (token: unknown, nowMs: unknown, extendMs: unknown) =>
    call(tenant, 'sp_renew_orchestration_item_lock', token, nowMs, extendMs);
  const lockedUntil = async () => [
    ...(await lockRows()).map((r) => r.locked_until),
    ...(await tableRows(tenant, 'orchestrator_queue', 'id')).map((r) => r.locked_until),
  ];

  it('moves the live lock and its tags to now + extension, earlier or later, as often as asked', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('r'), BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('r'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS, 1_000);
    expect((await renew(item!.lock_token, BASE_MS + 900, 5_000)).rows).toEqual([
      { sp_renew_orchestration_item_lock: '' },
    ]);
    expect(await lockedUntil()).toEqual(Array(3).fill(String(BASE_MS + 5_900)));
    await renew(item!.lock_token, BASE_MS + 901, 500);
    await renew(item!.lock_token, BASE_MS + 901, 500);
    expect(await lockedUntil()).toEqual(Array(3).fill(String(BASE_MS + 1_401)));
    // Still the holder's: nobody else can fetch it, and its ack works after the original expiry.
    expect(await fetchItem(tenant, BASE_MS + 1_200)).toBeUndefined();
    await ackItem(tenant, item!.lock_token, BASE_MS + 1_300, FIRST_TURN);
  });

  it('fails with DXL03 for a token that is unknown, NULL, expired, acked or abandoned, and changes nothing', async () => {
    const expectDxl03 = (token: unknown, nowMs: number) =>
      expectFailureChangesNothing(tenant, () => renew(token, nowMs, 1_000), {
        code: 'DXL03',
        message: 'Lock token invalid, expired, or already released',
      });
    await expectDxl03('nope', BASE_MS);
    await expectDxl03(null, BASE_MS);
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS);
    await enqueueOrchestrator(tenant, startOrchestration('b'), BASE_MS);
    const a = await fetchItem(tenant, BASE_MS, 1_000);
    const b = await fetchItem(tenant, BASE_MS, 1_000);
    await expectDxl03(a!.lock_token, BASE_MS + 1_000);
    await ackItem(tenant, b!.lock_token, BASE_MS, FIRST_TURN);
    await expectDxl03(b!.lock_token, BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('b'), BASE_MS);
    const again = await fetchItem(tenant, BASE_MS, 1_000);
    await call(tenant, 'sp_abandon_orchestration_item', again!.lock_token, BASE_MS);
    await expectDxl03(again!.lock_token, BASE_MS);
  });

  it.each([
    ['a NULL now', BASE_MS, null, 1_000],
    ['a NULL extension', BASE_MS, BASE_MS, null],
    ['a zero extension', BASE_MS, BASE_MS, 0],
    ['a negative extension', BASE_MS, BASE_MS, -5],
    ['an expiry beyond 2^53 - 1', BASE_MS, 2 ** 53 - 10, 1_000],
  ])('rejects %s with 22023 and changes nothing', async (_what, fetchAt, nowMs, extendMs) => {
    await enqueueOrchestrator(tenant, startOrchestration('x'), BASE_MS);
    const item = await fetchItem(tenant, fetchAt);
    await expectFailureChangesNothing(tenant, () => renew(item!.lock_token, nowMs, extendMs), { code: '22023' });
  });
});

describe('sp_enqueue_orchestrator_work', () => {
  it('rejects the test-only kinds with DXI01', async () => {
    for (const item of [{ ExternalRaised2: { instance: 'x', name: 'n', data: '1' } }]) {
      await expectFailureChangesNothing(
        tenant,
        () => call(tenant, 'sp_enqueue_orchestrator_work', json(item), BASE_MS),
        {
          code: 'DXI01',
        },
      );
    }
  });
});
