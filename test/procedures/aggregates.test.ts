import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  appendHistory,
  call,
  enqueueOrchestrator,
  enqueueWorker,
  expectFailureChangesNothing,
  fetchItem,
  json,
  runTurn,
  FIRST_TURN,
  startInstance,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import {
  activityCompleted,
  activityExecute,
  activityScheduled,
  continueAsNew,
  externalRaised,
  orchestrationStarted,
  startOrchestration,
  timerFired,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema();

describe('sp_get_system_metrics', () => {
  it('returns one row of int8 zeros for an empty store', async () => {
    const result = await call(tenant, 'sp_get_system_metrics');
    expect(result.fields.map((f) => f.name)).toEqual([
      'total_instances',
      'total_executions',
      'running_instances',
      'completed_instances',
      'failed_instances',
      'total_events',
    ]);
    expect(result.rows).toEqual([
      {
        total_instances: '0',
        total_executions: '0',
        running_instances: '0',
        completed_instances: '0',
        failed_instances: '0',
        total_events: '0',
      },
    ]);
  });

  it('counts instances by the status of their current execution, and every execution and event', async () => {
    for (const id of ['running', 'completed', 'failed', 'continued']) {
      await enqueueOrchestrator(tenant, startOrchestration(id), BASE_MS);
    }
    await runTurn(tenant, 'running', BASE_MS + 1, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1), activityScheduled(2)],
    });
    await runTurn(tenant, 'completed', BASE_MS + 2, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1)],
      status: 'Completed',
    });
    await runTurn(tenant, 'failed', BASE_MS + 3, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1)],
      status: 'Failed',
      output: 'x',
    });
    await runTurn(tenant, 'continued', BASE_MS + 4, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1)],
      status: 'ContinuedAsNew',
      orchestratorItems: [continueAsNew('continued')],
    });
    await runTurn(tenant, 'continued', BASE_MS + 5, {
      executionId: 2,
      delta: [orchestrationStarted(1)],
    });
    // A first turn that recorded nothing: an instance without history.
    await startInstance(tenant, startOrchestration('not-yet-fetched'), BASE_MS + 6);
    // History without an instance row counts as events, not as an instance.
    await appendHistory(tenant, 'history-only', 1, [orchestrationStarted(1)]);

    const [metrics] = (await call(tenant, 'sp_get_system_metrics')).rows;
    expect(metrics).toEqual({
      total_instances: '5',
      total_executions: '6',
      running_instances: '3', // running, continued (execution 2), not-yet-fetched
      completed_instances: '1',
      failed_instances: '1',
      total_events: '7',
    });
  });

  it('rejects arguments it does not take', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_system_metrics', 1), { code: '42883' });
  });
});

describe('sp_get_queue_depths', () => {
  const depths = async (nowMs: number) => (await call(tenant, 'sp_get_queue_depths', nowMs)).rows[0];

  it('returns one row of int8 zeros for empty queues', async () => {
    const result = await call(tenant, 'sp_get_queue_depths', BASE_MS);
    expect(result.fields.map((f) => f.name)).toEqual(['orchestrator_queue', 'worker_queue']);
    expect(result.rows).toEqual([{ orchestrator_queue: '0', worker_queue: '0' }]);
  });

  it('counts a freshly enqueued message at the same now, and a delayed one only once visible', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('b'), BASE_MS, 1_000);
    await enqueueOrchestrator(tenant, timerFired('c', 1, BASE_MS + 5_000), BASE_MS);
    expect(await depths(BASE_MS)).toEqual({
      orchestrator_queue: '1',
      worker_queue: '0',
    });
    expect(await depths(BASE_MS + 1_000)).toEqual({
      orchestrator_queue: '2',
      worker_queue: '0',
    });
    expect(await depths(BASE_MS + 5_000)).toEqual({
      orchestrator_queue: '3',
      worker_queue: '0',
    });
  });

  it('leaves out orchestrator messages in a live batch and counts them again after the lock expires', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('a'), BASE_MS);
    await enqueueOrchestrator(tenant, startOrchestration('b'), BASE_MS + 1);
    const item = await fetchItem(tenant, BASE_MS + 10, 1_000);
    expect(item?.instance_id).toBe('a');
    expect(await depths(BASE_MS + 10)).toEqual({
      orchestrator_queue: '1',
      worker_queue: '0',
    });
    expect(await depths(BASE_MS + 1_010)).toEqual({
      orchestrator_queue: '3',
      worker_queue: '0',
    });
  });

  it('leaves out locked worker items, counts them after expiry, and forgets acked ones', async () => {
    await enqueueWorker(tenant, activityExecute('a', 1), BASE_MS);
    await enqueueWorker(tenant, activityExecute('a', 2), BASE_MS);
    expect(await depths(BASE_MS)).toEqual({
      orchestrator_queue: '0',
      worker_queue: '2',
    });

    const [first] = (await call(tenant, 'sp_fetch_work_item', BASE_MS, 1_000)).rows;
    expect(await depths(BASE_MS)).toEqual({
      orchestrator_queue: '0',
      worker_queue: '1',
    });
    expect(await depths(BASE_MS + 1_000)).toEqual({
      orchestrator_queue: '0',
      worker_queue: '2',
    });

    await call(tenant, 'sp_ack_work_item', first!.lock_token, json(activityCompleted('a', 1)), BASE_MS + 5);
    expect(await depths(BASE_MS + 5)).toEqual({
      orchestrator_queue: '1',
      worker_queue: '1',
    });
  });

  it('rejects a NULL now with 22023 and changes nothing', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_queue_depths', null), {
      code: '22023',
      message: 'p_now_ms must not be NULL',
    });
  });

  it('rejects a now that is not an integer', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_queue_depths', 'soon'), { code: '22P02' });
  });
});
