import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  call,
  enqueueOrchestrator,
  expectFailureChangesNothing,
  FIRST_TURN,
  runTurn,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import {
  activityScheduled,
  continueAsNew,
  orchestrationCompleted,
  orchestrationStarted,
  startOrchestration,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema();

describe('sp_get_instance_info', () => {
  it('describes an instance created by its first ack, with timestamps from p_now_ms', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('fresh', { version: null }), BASE_MS);
    await runTurn(tenant, 'fresh', BASE_MS + 7, FIRST_TURN);
    const result = await call(tenant, 'sp_get_instance_info', 'fresh');
    expect(result.fields.map((f) => f.name)).toEqual([
      'instance_id',
      'orchestration_name',
      'orchestration_version',
      'current_execution_id',
      'created_at',
      'updated_at',
      'status',
      'output',
      'parent_instance_id',
    ]);
    expect(result.rows).toEqual([
      {
        instance_id: 'fresh',
        orchestration_name: 'TestOrch',
        orchestration_version: '1.0.0',
        current_execution_id: '1',
        created_at: new Date(BASE_MS + 7),
        updated_at: new Date(BASE_MS + 7),
        status: 'Running',
        output: null,
        parent_instance_id: null,
      },
    ]);
  });

  it('shows the name and version from ack metadata, and the status and output of the current execution', async () => {
    await enqueueOrchestrator(
      tenant,
      startOrchestration('info', {
        orchestration: 'TestOrch',
        version: '1.0.0',
      }),
      BASE_MS,
    );
    await runTurn(tenant, 'info', BASE_MS + 50, {
      delta: [orchestrationStarted(1, 'InfoOrch', '2.0.0')],
      name: 'InfoOrch',
      version: '2.0.0',
      status: 'Completed',
      output: '"result"',
    });
    const [row] = (await call(tenant, 'sp_get_instance_info', 'info')).rows;
    expect(row).toMatchObject({
      orchestration_name: 'InfoOrch',
      orchestration_version: '2.0.0',
      current_execution_id: '1',
      status: 'Completed',
      output: '"result"',
      created_at: new Date(BASE_MS + 50),
      updated_at: new Date(BASE_MS + 50),
    });
  });

  it('reports the current execution after ContinueAsNew, not the finished one', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('can'), BASE_MS);
    await runTurn(tenant, 'can', BASE_MS + 1, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1)],
      status: 'ContinuedAsNew',
      output: '{"page":2}',
      orchestratorItems: [continueAsNew('can')],
    });
    await runTurn(tenant, 'can', BASE_MS + 2, {
      executionId: 2,
      delta: [orchestrationStarted(1)],
    });
    const [row] = (await call(tenant, 'sp_get_instance_info', 'can')).rows;
    expect(row).toMatchObject({
      current_execution_id: '2',
      status: 'Running',
      output: null,
    });
  });

  it("reports 'Running' while the current execution has no row, and a NULL version as 'unknown'", async () => {
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.instances (instance_id, orchestration_name, orchestration_version,
                                               current_execution_id, created_at, updated_at)
       VALUES ('bare', 'Bare', NULL, 3, now(), now())`,
    );
    const [row] = (await call(tenant, 'sp_get_instance_info', 'bare')).rows;
    expect(row).toMatchObject({
      status: 'Running',
      output: null,
      current_execution_id: '3',
      orchestration_version: 'unknown',
    });
  });

  it('fails with P0002 Instance not found for an unknown instance and changes nothing', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('someone'), BASE_MS);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_instance_info', 'nobody'), {
      code: 'P0002',
      message: 'Instance not found: nobody',
    });
  });

  it('rejects a NULL instance id with 22023', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_instance_info', null), {
      code: '22023',
      message: 'p_instance_id must not be NULL',
    });
  });
});

describe('sp_get_execution_info', () => {
  it('describes a running execution with its event count, typed as node-postgres gives them', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('run'), BASE_MS);
    await runTurn(tenant, 'run', BASE_MS + 10, {
      delta: [orchestrationStarted(1), activityScheduled(2)],
    });
    const result = await call(tenant, 'sp_get_execution_info', 'run', 1);
    expect(result.fields.map((f) => f.name)).toEqual([
      'execution_id',
      'status',
      'output',
      'started_at',
      'completed_at',
      'event_count',
    ]);
    expect(result.rows).toEqual([
      {
        execution_id: '1',
        status: 'Running',
        output: null,
        started_at: new Date(BASE_MS + 10),
        completed_at: null,
        event_count: '2',
      },
    ]);
  });

  it('shows status, output and completion time written by the ack', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('done'), BASE_MS);
    await runTurn(tenant, 'done', BASE_MS + 20, {
      delta: [orchestrationStarted(1), orchestrationCompleted(2, '"result"')],
      status: 'Completed',
      output: '"result"',
    });
    const [row] = (await call(tenant, 'sp_get_execution_info', 'done', 1)).rows;
    expect(row).toEqual({
      execution_id: '1',
      status: 'Completed',
      output: '"result"',
      started_at: new Date(BASE_MS + 20),
      completed_at: new Date(BASE_MS + 20),
      event_count: '2',
    });
  });

  it('counts the events of that execution only', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('can'), BASE_MS);
    await runTurn(tenant, 'can', BASE_MS + 1, {
      delta: [orchestrationStarted(1), activityScheduled(2), activityScheduled(3)],
      status: 'ContinuedAsNew',
      output: '{"page":2}',
      orchestratorItems: [continueAsNew('can')],
    });
    await runTurn(tenant, 'can', BASE_MS + 2, {
      executionId: 2,
      delta: [orchestrationStarted(1)],
    });
    const first = (await call(tenant, 'sp_get_execution_info', 'can', 1)).rows[0];
    const second = (await call(tenant, 'sp_get_execution_info', 'can', 2)).rows[0];
    expect(first).toMatchObject({
      status: 'ContinuedAsNew',
      output: '{"page":2}',
      event_count: '3',
    });
    expect(second).toMatchObject({
      status: 'Running',
      event_count: '1',
      started_at: new Date(BASE_MS + 2),
    });
  });

  it('reports zero events for an execution without history', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('empty'), BASE_MS);
    await runTurn(tenant, 'empty', BASE_MS, FIRST_TURN);
    expect((await call(tenant, 'sp_get_execution_info', 'empty', 1)).rows[0]).toMatchObject({ event_count: '0' });
  });

  it.each([
    ['an unknown instance', 'nobody', 1, 'Execution not found: 1 of instance nobody'],
    ['an unknown execution', 'known', 2, 'Execution not found: 2 of instance known'],
  ])('fails with P0002 for %s and changes nothing', async (_label, instanceId, executionId, message) => {
    await enqueueOrchestrator(tenant, startOrchestration('known'), BASE_MS);
    await runTurn(tenant, 'known', BASE_MS, FIRST_TURN);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_execution_info', instanceId, executionId), {
      code: 'P0002',
      message,
    });
  });

  it.each([
    ['instance id', null, 1],
    ['execution id', 'known', null],
  ])('rejects a NULL %s with 22023', async (_label, instanceId, executionId) => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_execution_info', instanceId, executionId), {
      code: '22023',
      message: 'p_instance_id and p_execution_id must not be NULL',
    });
  });
});

describe('sp_list_instances_by_status', () => {
  /** running (oldest), completed, failed, and one that continued as new and then completed (newest). */
  async function mixedStore(): Promise<void> {
    for (const [offset, id] of [
      [0, 'running'],
      [1, 'completed'],
      [2, 'failed'],
      [3, 'continued'],
    ] as const) {
      await enqueueOrchestrator(tenant, startOrchestration(id), BASE_MS + offset);
    }
    await runTurn(tenant, 'running', BASE_MS + 10, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1)],
    });
    await runTurn(tenant, 'completed', BASE_MS + 11, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1)],
      status: 'Completed',
      output: '1',
    });
    await runTurn(tenant, 'failed', BASE_MS + 12, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1)],
      status: 'Failed',
      output: 'boom',
    });
    await runTurn(tenant, 'continued', BASE_MS + 13, {
      ...FIRST_TURN,
      delta: [orchestrationStarted(1)],
      status: 'ContinuedAsNew',
      output: '{}',
      orchestratorItems: [continueAsNew('continued')],
    });
    await runTurn(tenant, 'continued', BASE_MS + 14, {
      executionId: 2,
      delta: [orchestrationStarted(1)],
      status: 'Completed',
      output: '2',
    });
  }

  it('lists instances by the status of their current execution, newest first', async () => {
    await mixedStore();
    const ids = async (status: string) =>
      (await call<{ instance_id: string }>(tenant, 'sp_list_instances_by_status', status)).rows.map(
        (r) => r.instance_id,
      );
    expect(await ids('Completed')).toEqual(['continued', 'completed']);
    expect(await ids('Running')).toEqual(['running']);
    expect(await ids('Failed')).toEqual(['failed']);
    // Execution 1 of 'continued' is ContinuedAsNew, but it is no longer the current one.
    expect(await ids('ContinuedAsNew')).toEqual([]);
  });

  it('counts an instance without a current execution row as Running', async () => {
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.instances (instance_id, orchestration_name, orchestration_version,
                                               current_execution_id, created_at, updated_at)
       VALUES ('bare', 'Bare', '1.0.0', 1, now(), now())`,
    );
    const result = await call(tenant, 'sp_list_instances_by_status', 'Running');
    expect(result.fields.map((f) => f.name)).toEqual(['instance_id']);
    expect(result.rows).toEqual([{ instance_id: 'bare' }]);
  });

  it('matches status strings exactly and returns nothing for an unknown status', async () => {
    await mixedStore();
    expect((await call(tenant, 'sp_list_instances_by_status', 'completed')).rows).toEqual([]);
    expect((await call(tenant, 'sp_list_instances_by_status', 'Paused')).rows).toEqual([]);
  });

  it('rejects a NULL status with 22023 and changes nothing', async () => {
    await mixedStore();
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_list_instances_by_status', null), {
      code: '22023',
      message: 'p_status must not be NULL',
    });
  });
});
