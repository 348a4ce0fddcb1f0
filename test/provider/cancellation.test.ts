/**
 * Contract v2 §4.12 (cancellation, `V2-cancel`) — worker fetch and renewal never look at the orchestration; only the
 * row's deletion ends an activity: an orchestration ack's `cancelledActivities` (after its own worker items, so
 * schedule-then-cancel in one turn leaves nothing) or the instance's deletion. `ackWorkItem(token, null)` enqueues
 * nothing. New in v2: procedures variants only.
 */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import type { ScheduledActivityIdentifier, WorkItem } from '../../provider/types/index.js';
import { activityExecute, externalRaised } from '../support/work-items.js';
import { LOCK_TIMEOUT_MS, LONG_LOCK_MS, PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { createInstance, providerErrorOf } from './support/scenario-helpers.js';
import { fetchFor } from './support/v2-turns.js';
import { activityId, fetchedId, fetchWork, orchestration } from './support/worker-scenarios.js';

const ACTIVITY = activityExecute('inst-1', 2);

/** An instance whose first turn scheduled ACTIVITY, optionally ended afterwards. */
async function scheduled(
  provider: PostgresProvider,
  ending?: 'Completed' | 'Failed' | 'ContinuedAsNew',
): Promise<void> {
  await orchestration.startWithActivities(provider, 'inst-1', [ACTIVITY]);
  if (ending) await orchestration.finish(provider, 'inst-1', ending);
}

/** Activity `id` of execution 1 of `instance`, as an ack's `cancelledActivities` names it. */
function activity(instance: string, id: number): ScheduledActivityIdentifier {
  return { instance, executionId: 1, activityId: id };
}

/** A later turn of a created instance (triggered by an ExternalRaised) that schedules and cancels activities. */
async function turn(
  provider: PostgresProvider,
  instance: string,
  workerItems: WorkItem[],
  cancelled: ScheduledActivityIdentifier[],
): Promise<void> {
  await provider.enqueueOrchestratorWork(externalRaised(instance));
  const { lockToken } = await fetchFor(provider, instance);
  await provider.ackOrchestrationItem(lockToken, 1, [], workerItems, [], {}, cancelled);
}

describe.each(PROCEDURE_VARIANTS)('cancellation (%s)', (variant) => {
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

  it('V2-cancel-10 cancelled activities are deleted from the worker queue, held or not', async ({ provider }) => {
    const scheduledIds = [1, 2, 3];
    await orchestration.startWithActivities(
      provider,
      'inst-1',
      scheduledIds.map((id) => activityExecute('inst-1', id)),
    );
    const first = await fetchWork(provider);
    expect(activityId(first.item)).toBe(1);
    await provider.abandonWorkItem(first.lockToken);

    await turn(provider, 'inst-1', [], [activity('inst-1', 1), activity('inst-1', 2)]);

    expect(await fetchedId(provider)).toBe(3);
    expect(await fetchedId(provider)).toBeNull();
  });

  it('V2-cancel-13 cancelling activities that do not exist succeeds', async ({ provider }) => {
    await createInstance(provider, 'inst-1');
    await turn(provider, 'inst-1', [], [activity('inst-1', 999), activity('inst-1', 1)]);
    expect(await provider.fetchWorkItem(LONG_LOCK_MS)).toBeNull();
  });

  it('V2-cancel-14 one ack cancels all five scheduled activities', async ({ provider }) => {
    const ids = [1, 2, 3, 4, 5];
    await orchestration.startWithActivities(
      provider,
      'inst-1',
      ids.map((id) => activityExecute('inst-1', id)),
    );
    await turn(
      provider,
      'inst-1',
      [],
      ids.map((id) => activity('inst-1', id)),
    );
    expect(await provider.fetchWorkItem(LONG_LOCK_MS)).toBeNull();
    expect((await provider.getQueueDepths()).workerQueue).toBe(0);
  });

  it('V2-cancel-15 an activity scheduled and cancelled in one ack is not queued; the other one is', async ({
    provider,
  }) => {
    await createInstance(provider, 'inst-1');
    await turn(
      provider,
      'inst-1',
      [activityExecute('inst-1', 1), activityExecute('inst-1', 2)],
      [activity('inst-1', 1)],
    );
    expect(await fetchedId(provider)).toBe(2);
    expect(await fetchedId(provider)).toBeNull();
  });

  it('V2-cancel-16 force-deleting an instance removes its queued activity', async ({ provider }) => {
    await orchestration.startWithActivities(provider, 'inst-1', [ACTIVITY]);
    await provider.deleteInstance('inst-1', true);
    await providerErrorOf(provider.getInstanceInfo('inst-1'), 'the info of a deleted instance');
    // The contract accepts a surviving row (then fetching and acking it must succeed); ours deletes it.
    expect(await provider.fetchWorkItem(LONG_LOCK_MS)).toBeNull();
    expect((await provider.getQueueDepths()).workerQueue).toBe(0);
    await orchestration.expectNoItem(provider);
  });
});
