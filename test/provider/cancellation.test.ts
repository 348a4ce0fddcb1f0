/**
 * Contract v2 §4.12 — cancellation, the worker side (V2-cancel-01…09, 11, 12): worker fetch and renewal never look at
 * the orchestration; only the row's deletion ends an activity, and `ackWorkItem(token, null)` enqueues nothing.
 * V2-cancel-10 and 13…16 need the v2 orchestration ack (`cancelledActivities`) or instance deletion.
 */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import { activityExecute } from '../support/work-items.js';
import { LOCK_TIMEOUT_MS, PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { providerErrorOf } from './support/scenario-helpers.js';
import { fetchWork, orchestration } from './support/worker-scenarios.js';

const ACTIVITY = activityExecute('inst-1', 2);

/** An instance whose first turn scheduled ACTIVITY, optionally ended afterwards. */
async function scheduled(
  provider: PostgresProvider,
  ending?: 'Completed' | 'Failed' | 'ContinuedAsNew',
): Promise<void> {
  await orchestration.startWithActivities(provider, 'inst-1', [ACTIVITY], {
    orchestrationName: 'TestOrch',
    orchestrationVersion: '1.0.0',
  });
  if (ending) await orchestration.finish(provider, 'inst-1', ending);
}

describe.each(PROCEDURE_VARIANTS)('cancellation, worker side (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-cancel-01 the activity of a running orchestration is fetchable', async ({ provider }) => {
    await scheduled(provider);
    expect((await fetchWork(provider)).item).toEqual(ACTIVITY);
  });

  it.for([
    ['V2-cancel-02', 'Completed'],
    ['V2-cancel-03', 'Failed'],
    ['V2-cancel-04', 'ContinuedAsNew'],
  ] as const)(
    '%s the activity is still fetchable after its orchestration ended %s',
    async ([, ending], { provider }) => {
      await scheduled(provider, ending);
      expect((await fetchWork(provider)).item).toEqual(ACTIVITY);
    },
  );

  it('V2-cancel-05 the activity of an instance that never existed is fetchable', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('never-created', 1));
    expect((await fetchWork(provider)).item).toEqual(activityExecute('never-created', 1));
  });

  it('V2-cancel-06 renewal succeeds while the orchestration runs', async ({ provider, clock }) => {
    await scheduled(provider);
    const fetched = await fetchWork(provider, { lockMs: LOCK_TIMEOUT_MS });
    clock.advance(LOCK_TIMEOUT_MS / 2);
    await provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS);
  });

  it('V2-cancel-07 renewal still succeeds after the orchestration completed', async ({ provider }) => {
    await scheduled(provider);
    const fetched = await fetchWork(provider);
    await orchestration.finish(provider, 'inst-1', 'Completed');
    await provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS);
  });

  it('V2-cancel-08 renewal succeeds for an instance that never existed', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('never-created', 1));
    const fetched = await fetchWork(provider);
    await provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS);
  });

  it('V2-cancel-09 ackWorkItem(token, null) deletes the item and enqueues nothing', async ({ provider }) => {
    await scheduled(provider);
    const fetched = await fetchWork(provider);
    await provider.ackWorkItem(fetched.lockToken, null);
    expect(await provider.fetchWorkItem(LOCK_TIMEOUT_MS)).toBeNull();
    await orchestration.expectNoItem(provider);
    expect((await provider.getQueueDepths()).workerQueue).toBe(0);
  });

  it('V2-cancel-11 a second ack of the token fails, not retryably', async ({ provider }) => {
    await provider.enqueueWorkerWork(ACTIVITY);
    const fetched = await fetchWork(provider);
    await provider.ackWorkItem(fetched.lockToken, null);
    const error = await providerErrorOf(provider.ackWorkItem(fetched.lockToken, null));
    expect(error).toMatchObject({
      sqlstate: 'DXW01',
      retryable: false,
      reason: 'Worker queue item not found or already processed',
    });
  });

  it('V2-cancel-12 renewal fails once the row is deleted', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await provider.enqueueWorkerWork(ACTIVITY);
    const fetched = await fetchWork(provider);
    await provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS);
    // What an orchestration ack's cancelledActivities or an instance deletion does to the row.
    await tenant.pool.query(`DELETE FROM ${tenant.quoted}.worker_queue WHERE instance_id = 'inst-1'`);
    const error = await providerErrorOf(provider.renewWorkItemLock(fetched.lockToken, LOCK_TIMEOUT_MS));
    expect(error).toMatchObject({ sqlstate: 'DXW01', retryable: false });
  });
});
