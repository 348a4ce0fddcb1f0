import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  LOCK_MS,
  call,
  enqueueOrchestrator,
  enqueueWorker,
  expectFailureChangesNothing,
  fetchItem,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import { randomSchemaName, type TenantSchema } from '../support/tenant-schema.js';
import { activityExecute, startOrchestration } from '../support/work-items.js';

const tenant = useEmptyTenantSchema();
const hostile = useEmptyTenantSchema({ name: randomSchemaName(`Long "Poll" 'x' $$ é`) });

const HORIZON_MS = 60_000;

async function nextVisibleAt(on: TenantSchema, nowMs: unknown, horizonMs: unknown = HORIZON_MS) {
  const result = await call<{ queue: string; visible_at: string }>(on, 'sp_next_visible_at', nowMs, horizonMs);
  return result.rows.map((row) => ({ queue: row.queue, visibleAt: Number(row.visible_at) }));
}

const set = (sql: string, ...values: unknown[]) => tenant.pool.query(sql.replaceAll('{schema}', tenant.quoted), values);

describe('sp_next_visible_at', () => {
  it('returns no rows for empty queues, with the columns queue and visible_at', async () => {
    const result = await call(tenant, 'sp_next_visible_at', BASE_MS, HORIZON_MS);
    expect(result.rows).toEqual([]);
    expect(result.fields.map((f) => f.name)).toEqual(['queue', 'visible_at']);
  });

  it('ignores work that is visible already: only future moments count', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('now'), BASE_MS);
    await enqueueWorker(tenant, activityExecute('now', 1), BASE_MS);
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([]);
  });

  it('gives the earliest delayed orchestrator message within the horizon, the horizon end included', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('late'), BASE_MS, 5_000);
    await enqueueOrchestrator(tenant, startOrchestration('early'), BASE_MS, 2_000);
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([{ queue: 'orch', visibleAt: BASE_MS + 2_000 }]);
    expect(await nextVisibleAt(tenant, BASE_MS, 2_000)).toEqual([{ queue: 'orch', visibleAt: BASE_MS + 2_000 }]);
    expect(await nextVisibleAt(tenant, BASE_MS, 1_999)).toEqual([]);
    // Once the first is visible, the second is next.
    expect(await nextVisibleAt(tenant, BASE_MS + 2_000)).toEqual([{ queue: 'orch', visibleAt: BASE_MS + 5_000 }]);
  });

  it("counts an instance lock's expiry over queued messages, but not a lock over an empty queue", async () => {
    await enqueueOrchestrator(tenant, startOrchestration('locked'), BASE_MS);
    const fetched = await fetchItem(tenant, BASE_MS, 3_000);
    expect(fetched?.instance_id).toBe('locked');
    // The fetched message is tagged and its instance locked until BASE + 3000: a lapsed turn makes it fetchable.
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([{ queue: 'orch', visibleAt: BASE_MS + 3_000 }]);
    // A message arriving for the locked instance waits for the same moment.
    await enqueueOrchestrator(tenant, startOrchestration('locked'), BASE_MS + 1);
    await set('UPDATE {schema}.orchestrator_queue SET lock_token = NULL, locked_until = NULL');
    expect(await nextVisibleAt(tenant, BASE_MS + 1)).toEqual([{ queue: 'orch', visibleAt: BASE_MS + 3_000 }]);
    // Without queued messages the instance lock's expiry changes nothing fetchable.
    await set('DELETE FROM {schema}.orchestrator_queue');
    expect(await nextVisibleAt(tenant, BASE_MS + 1)).toEqual([]);
  });

  it("counts a worker row's delayed visibility and its lock's expiry, whichever is first", async () => {
    await enqueueWorker(tenant, activityExecute('w', 1), BASE_MS);
    const locked = await call(tenant, 'sp_fetch_work_item', BASE_MS, LOCK_MS);
    expect(locked.rows).toHaveLength(1);
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([{ queue: 'work', visibleAt: BASE_MS + LOCK_MS }]);
    // An abandoned-with-delay row (v2 §3.12) comes back at its visible_at.
    await enqueueWorker(tenant, activityExecute('w', 2), BASE_MS);
    await set('UPDATE {schema}.worker_queue SET visible_at = $1 WHERE activity_id = 2', BASE_MS + 700);
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([{ queue: 'work', visibleAt: BASE_MS + 700 }]);
    // Horizon shorter than both: nothing.
    expect(await nextVisibleAt(tenant, BASE_MS, 699)).toEqual([]);
  });

  it("counts a session lease's expiry over rows of that session, not over a session without rows", async () => {
    await set(
      `INSERT INTO {schema}.sessions (session_id, owner_id, locked_until, last_activity_at)
       VALUES ('busy', 'owner-a', $1, $2), ('idle', 'owner-a', $3, $2)`,
      BASE_MS + 4_000,
      BASE_MS,
      BASE_MS + 1_000,
    );
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([]);
    const onSession = { ActivityExecute: { ...activityExecute('s', 1).ActivityExecute, session_id: 'busy' } };
    await enqueueWorker(tenant, onSession, BASE_MS);
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([{ queue: 'work', visibleAt: BASE_MS + 4_000 }]);
  });

  it('answers for both queues at once, orch first', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('o'), BASE_MS, 9_000);
    await enqueueWorker(tenant, activityExecute('w', 1), BASE_MS);
    await call(tenant, 'sp_fetch_work_item', BASE_MS, 1_000);
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([
      { queue: 'orch', visibleAt: BASE_MS + 9_000 },
      { queue: 'work', visibleAt: BASE_MS + 1_000 },
    ]);
  });

  it.each([
    ['a NULL now', null, HORIZON_MS, 'p_now_ms and p_horizon_ms must not be NULL'],
    ['a NULL horizon', BASE_MS, null, 'p_now_ms and p_horizon_ms must not be NULL'],
    ['a negative now', -1, HORIZON_MS, 'p_now_ms must be between 0 and 9007199254740991, got -1'],
    ['a negative horizon', BASE_MS, -1, 'p_horizon_ms must be between 0 and 9007199254740991, got -1'],
    ['a now past 2^53 - 1', 2 ** 53, HORIZON_MS, /^p_now_ms must be between 0 and 9007199254740991/],
    ['a horizon past 2^53 - 1', BASE_MS, 2 ** 53, /^p_horizon_ms must be between 0 and 9007199254740991/],
  ])('refuses %s with 22023', async (_label, nowMs, horizonMs, message) => {
    await enqueueOrchestrator(tenant, startOrchestration('o'), BASE_MS, 1_000);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_next_visible_at', nowMs, horizonMs), {
      code: '22023',
      message,
    });
  });

  it('accepts a zero horizon and the extreme times', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('o'), BASE_MS, 1);
    expect(await nextVisibleAt(tenant, BASE_MS, 0)).toEqual([]);
    expect(await nextVisibleAt(tenant, 0, 2 ** 53 - 1)).toEqual([{ queue: 'orch', visibleAt: BASE_MS + 1 }]);
    expect(await nextVisibleAt(tenant, 2 ** 53 - 1, 2 ** 53 - 1)).toEqual([]);
  });

  it('is a SECURITY DEFINER function with a pinned search_path that reads nothing of other tenants', async () => {
    const proc = await tenant.pool.query<{ prosecdef: boolean; proconfig: string[] }>(
      `SELECT p.prosecdef, p.proconfig FROM pg_proc p
        WHERE p.oid = to_regprocedure($1)`,
      [`${tenant.quoted}.sp_next_visible_at(bigint, bigint)`],
    );
    expect(proc.rows).toEqual([{ prosecdef: true, proconfig: ['search_path=pg_catalog, pg_temp'] }]);
    await enqueueOrchestrator(hostile, startOrchestration('other'), BASE_MS, 1_000);
    expect(await nextVisibleAt(tenant, BASE_MS)).toEqual([]);
    expect(await nextVisibleAt(hostile, BASE_MS)).toEqual([{ queue: 'orch', visibleAt: BASE_MS + 1_000 }]);
  });
});
