/**
 * Worker batches (beyond contract v2): `fetchWorkItems` takes what that many session-less `fetchWorkItem` calls would,
 * in one transaction; `ackWorkItems` completes many items in one, answering an outcome per item.
 */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import type { FetchedWorkItem } from '../../provider/types/index.js';
import { routedActivity } from '../support/routed-activities.js';
import { snapshotTables } from '../support/table-snapshot.js';
import type { TenantSchema } from '../support/tenant-schema.js';
import { activityCompleted, activityExecute } from '../support/work-items.js';
import { LOCK_TIMEOUT_MS, LONG_LOCK_MS, PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { providerErrorOf } from './support/scenario-helpers.js';
import { activityId, fetchedId } from './support/worker-scenarios.js';

const ids = (batch: FetchedWorkItem[]) => batch.map((fetched) => activityId(fetched.item));

async function enqueueActivities(provider: PostgresProvider, count: number): Promise<void> {
  for (let id = 1; id <= count; id++) await provider.enqueueWorkerWork(activityExecute('inst-1', id));
}

async function orchestratorItems(tenant: TenantSchema): Promise<unknown[]> {
  const { rows } = await tenant.pool.query<{ work_item: unknown }>(
    `SELECT work_item FROM ${tenant.quoted}.orchestrator_queue ORDER BY id`,
  );
  return rows.map((row) => row.work_item);
}

describe.each(PROCEDURE_VARIANTS)('worker batches (%s)', (variant) => {
  const it = providerTest(variant);

  it('fetchWorkItems takes the oldest eligible items in order, each under its own token', async ({ provider }) => {
    await enqueueActivities(provider, 5);
    const first = await provider.fetchWorkItems(3, LONG_LOCK_MS);
    expect(ids(first)).toEqual([1, 2, 3]);
    expect(new Set(first.map((fetched) => fetched.lockToken)).size).toBe(3);
    expect(first.map((fetched) => fetched.attemptCount)).toEqual([1, 1, 1]);
    expect(ids(await provider.fetchWorkItems(10, LONG_LOCK_MS))).toEqual([4, 5]);
    expect(await provider.fetchWorkItems(10, LONG_LOCK_MS)).toEqual([]);
    // Each token is a single fetch's: acked on its own.
    await provider.ackWorkItem(first[1]!.lockToken, activityCompleted('inst-1', 2));
  });

  it('fetchWorkItems follows the tag filter and never takes a session-bound item', async ({ provider }) => {
    await provider.enqueueWorkerWork(routedActivity('inst-1', 1, { sessionId: 's-1' }));
    await provider.enqueueWorkerWork(routedActivity('inst-1', 2, { tag: 'gpu' }));
    await provider.enqueueWorkerWork(activityExecute('inst-1', 3));
    expect(ids(await provider.fetchWorkItems(10, LONG_LOCK_MS))).toEqual([3]);
    expect(ids(await provider.fetchWorkItems(10, LONG_LOCK_MS, { tags: ['gpu'] }))).toEqual([2]);
    expect(await provider.fetchWorkItems(10, LONG_LOCK_MS, 'any')).toEqual([]);
    expect(await provider.fetchWorkItems(10, LONG_LOCK_MS, 'none')).toEqual([]);
    expect(await fetchedId(provider, { session: { ownerId: 'A', lockTimeoutMs: LONG_LOCK_MS } })).toBe(1);
  });

  it('fetchWorkItems takes expired leases again in queue order, counting the attempt', async ({ provider, clock }) => {
    await enqueueActivities(provider, 2);
    const [expiring] = await provider.fetchWorkItems(1, LOCK_TIMEOUT_MS);
    clock.advance(LOCK_TIMEOUT_MS + 1);
    const again = await provider.fetchWorkItems(5, LONG_LOCK_MS);
    expect(ids(again)).toEqual([1, 2]);
    expect(again.map((fetched) => fetched.attemptCount)).toEqual([2, 1]);
    expect(await provider.ackWorkItems([{ lockToken: expiring!.lockToken, completion: null }])).toEqual(['notFound']);
  });

  it('ackWorkItems completes each item as ackWorkItem would and reports the ones it could not', async ({
    createProvider,
    clock,
  }) => {
    const { provider, tenant } = await createProvider();
    await enqueueActivities(provider, 4);
    const [expiring] = await provider.fetchWorkItems(1, LOCK_TIMEOUT_MS);
    const live = await provider.fetchWorkItems(3, LONG_LOCK_MS);
    clock.advance(LOCK_TIMEOUT_MS + 1);
    const outcomes = await provider.ackWorkItems([
      { lockToken: live[0]!.lockToken, completion: activityCompleted('inst-1', 2) },
      { lockToken: expiring!.lockToken, completion: activityCompleted('inst-1', 1) },
      { lockToken: 'no-such-token', completion: activityCompleted('inst-1', 9) },
      { lockToken: live[1]!.lockToken, completion: null },
      {
        lockToken: live[2]!.lockToken,
        completion: {
          ActivityFailed: {
            instance: 'inst-1',
            execution_id: 1,
            id: 4,
            details: { Application: { kind: 'ActivityFailed' as const, message: 'boom', retryable: false } },
          },
        },
      },
    ]);
    expect(outcomes).toEqual(['acked', 'expired', 'notFound', 'acked', 'acked']);
    expect(await orchestratorItems(tenant)).toEqual([
      activityCompleted('inst-1', 2),
      {
        ActivityFailed: {
          instance: 'inst-1',
          execution_id: 1,
          id: 4,
          details: { Application: { kind: 'ActivityFailed' as const, message: 'boom', retryable: false } },
        },
      },
    ]);
    // The expired item stays, fetchable again; the acked ones are gone.
    expect(ids(await provider.fetchWorkItems(10, LONG_LOCK_MS))).toEqual([1]);
  });

  it('ackWorkItems refuses malformed input as a whole, changing nothing', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await enqueueActivities(provider, 2);
    const [a, b] = await provider.fetchWorkItems(2, LONG_LOCK_MS);
    const before = await snapshotTables(tenant);
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [() => provider.ackWorkItems([]), '22023', /the number of acks must be a whole number from 1 to 1000/],
      [
        () =>
          provider.ackWorkItems([
            { lockToken: a!.lockToken, completion: null },
            { lockToken: a!.lockToken, completion: null },
          ]),
        '22023',
        /acked twice/,
      ],
      [
        () =>
          provider.ackWorkItems([
            { lockToken: a!.lockToken, completion: activityCompleted('inst-1', 1) },
            { lockToken: b!.lockToken, completion: activityExecute('inst-1', 2) as never },
          ]),
        'DXI01',
        /Invalid completion type: ActivityExecute/,
      ],
      [
        () =>
          provider.ackWorkItems([
            { lockToken: a!.lockToken, completion: { ActivityCompleted: { execution_id: 1, id: 1 } } as never },
          ]),
        '22023',
        /has no target instance/,
      ],
      [() => provider.ackWorkItems('x' as never), '22023', /acks must be an array/],
      [() => provider.ackWorkItems([null as never]), '22023', /each ack must be an object/],
      [() => provider.fetchWorkItems(0, LONG_LOCK_MS), '22023', /maxItems must be a whole number from 1 to 1000/],
      [() => provider.fetchWorkItems(1001, LONG_LOCK_MS), '22023', /maxItems/],
      [() => provider.fetchWorkItems(1, 0), '22023', /lockTimeoutMs/],
    ];
    for (const [call, sqlstate, message] of cases) {
      const error = await providerErrorOf(call());
      expect(error.sqlstate, error.message).toBe(sqlstate);
      expect(error.message).toMatch(message);
    }
    expect(await snapshotTables(tenant)).toEqual(before);
  });

  it('concurrent batches never share an item', async ({ provider }) => {
    await enqueueActivities(provider, 40);
    const batches = await Promise.all(Array.from({ length: 6 }, () => provider.fetchWorkItems(8, LONG_LOCK_MS)));
    const taken = batches.flatMap(ids);
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
  });
});
