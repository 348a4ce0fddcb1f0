import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  ackItem,
  appendHistory,
  call,
  enqueueOrchestrator,
  expectFailureChangesNothing,
  fetchItem,
  FIRST_TURN,
  runTurn,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import {
  activityScheduled,
  continueAsNew,
  externalRaised,
  orchestrationStarted,
  startOrchestration,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema();

/** Starts an instance and runs turns so that it ends with executions 1..count (ContinueAsNew between them). */
async function instanceWithExecutions(instanceId: string, count: number, nowMs = BASE_MS): Promise<void> {
  await enqueueOrchestrator(tenant, startOrchestration(instanceId), nowMs);
  for (let executionId = 1; executionId <= count; executionId++) {
    const item = await fetchItem(tenant, nowMs + executionId);
    expect(item?.instance_id).toBe(instanceId);
    const last = executionId === count;
    await ackItem(tenant, item!.lock_token, nowMs + executionId, {
      executionId,
      delta: [orchestrationStarted(1), activityScheduled(2, `step-${executionId}`, executionId)],
      status: last ? null : 'ContinuedAsNew',
      output: last ? null : `{"page":${executionId + 1}}`,
      orchestratorItems: last ? [] : [continueAsNew(instanceId)],
      ...FIRST_TURN,
    });
  }
}

describe('sp_list_instances', () => {
  it('returns no rows for an empty store', async () => {
    const result = await call(tenant, 'sp_list_instances');
    expect(result.rows).toEqual([]);
    expect(result.fields.map((f) => f.name)).toEqual(['instance_id']);
  });

  it('lists every instance, newest first, ties by id', async () => {
    for (const [id, nowMs] of [
      ['b', BASE_MS],
      ['a', BASE_MS],
      ['c', BASE_MS + 10],
    ] as const) {
      await enqueueOrchestrator(tenant, startOrchestration(id), nowMs);
      await runTurn(tenant, id, nowMs, FIRST_TURN);
    }
    const result = await call(tenant, 'sp_list_instances');
    expect(result.rows).toEqual([{ instance_id: 'c' }, { instance_id: 'a' }, { instance_id: 'b' }]);
  });

  it('does not list instances that only have messages or history', async () => {
    await enqueueOrchestrator(tenant, externalRaised('ghost'), BASE_MS);
    await enqueueOrchestrator(tenant, startOrchestration('not-started'), BASE_MS);
    await appendHistory(tenant, 'history-only', 1, [orchestrationStarted(1)]);
    expect((await call(tenant, 'sp_list_instances')).rows).toEqual([]);
  });

  it('rejects arguments it does not take', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_list_instances', 'x'), { code: '42883' });
  });
});

describe('sp_list_executions', () => {
  it('returns the executions in ascending order as int8 strings', async () => {
    await instanceWithExecutions('many', 3);
    const result = await call(tenant, 'sp_list_executions', 'many');
    expect(result.fields.map((f) => f.name)).toEqual(['execution_id']);
    expect(result.rows).toEqual([{ execution_id: '1' }, { execution_id: '2' }, { execution_id: '3' }]);
  });

  it('returns only the executions of the asked instance', async () => {
    await instanceWithExecutions('one', 1);
    await instanceWithExecutions('two', 2, BASE_MS + 100);
    expect((await call(tenant, 'sp_list_executions', 'one')).rows).toEqual([{ execution_id: '1' }]);
  });

  it('returns no rows for an unknown instance', async () => {
    expect((await call(tenant, 'sp_list_executions', 'nobody')).rows).toEqual([]);
  });

  it('rejects a NULL instance id with 22023 and changes nothing', async () => {
    await instanceWithExecutions('x', 1);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_list_executions', null), {
      code: '22023',
      message: 'p_instance_id must not be NULL',
    });
  });
});

describe('sp_get_latest_execution_id', () => {
  it('returns the current execution as an int8 string', async () => {
    await instanceWithExecutions('many', 3);
    const result = await call(tenant, 'sp_get_latest_execution_id', 'many');
    expect(result.fields.map((f) => f.name)).toEqual(['sp_get_latest_execution_id']);
    expect(result.rows).toEqual([{ sp_get_latest_execution_id: '3' }]);
  });

  it('returns NULL for an unknown instance', async () => {
    expect((await call(tenant, 'sp_get_latest_execution_id', 'nobody')).rows).toEqual([
      { sp_get_latest_execution_id: null },
    ]);
  });

  it('follows the instance pointer even when a higher execution row exists', async () => {
    // Contract §3.15 caveat: an execution row may run ahead of current_execution_id until the ack moves it.
    await enqueueOrchestrator(tenant, startOrchestration('ahead'), BASE_MS);
    await runTurn(tenant, 'ahead', BASE_MS, FIRST_TURN);
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.executions (instance_id, execution_id, status, started_at) VALUES ('ahead', 2, 'Running', now())`,
    );
    expect((await call(tenant, 'sp_get_latest_execution_id', 'ahead')).rows[0]).toEqual({
      sp_get_latest_execution_id: '1',
    });
  });

  it('falls back to the highest history execution for an instance written only through append_history', async () => {
    await appendHistory(tenant, 'history-only', 1, [orchestrationStarted(1)]);
    await appendHistory(tenant, 'history-only', 4, [orchestrationStarted(1)]);
    expect((await call(tenant, 'sp_get_latest_execution_id', 'history-only')).rows[0]).toEqual({
      sp_get_latest_execution_id: '4',
    });
  });

  it('rejects a NULL instance id with 22023 and changes nothing', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_latest_execution_id', null), {
      code: '22023',
      message: 'p_instance_id must not be NULL',
    });
  });
});

describe('sp_read_history', () => {
  it('returns the events of exactly one execution, in event_id order, as parsed JSON', async () => {
    const started = orchestrationStarted(1);
    const scheduled = activityScheduled(2);
    const completed = {
      ActivityCompleted: {
        event_id: 3,
        source_event_id: 2,
        result: '"{\\"nested\\":true}"',
      },
    };
    // Appended out of order: the result order comes from event_id, not insertion.
    await appendHistory(tenant, 'inst', 1, [completed]);
    await appendHistory(tenant, 'inst', 1, [scheduled, started]);
    await appendHistory(tenant, 'inst', 2, [orchestrationStarted(1, 'Other')]);
    await appendHistory(tenant, 'other', 1, [orchestrationStarted(1, 'Elsewhere')]);

    const result = await call(tenant, 'sp_read_history', 'inst', 1);
    expect(result.fields.map((f) => f.name)).toEqual(['event_data']);
    expect(result.rows.map((r) => r.event_data)).toEqual([started, scheduled, completed]);
  });

  it('returns no rows for an unknown instance or an execution without history', async () => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1)]);
    expect((await call(tenant, 'sp_read_history', 'nobody', 1)).rows).toEqual([]);
    expect((await call(tenant, 'sp_read_history', 'inst', 2)).rows).toEqual([]);
  });

  it.each([
    ['instance id', null, 1],
    ['execution id', 'inst', null],
  ])('rejects a NULL %s with 22023 and changes nothing', async (_label, instanceId, executionId) => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1)]);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_read_history', instanceId, executionId), {
      code: '22023',
      message: 'p_instance_id and p_execution_id must not be NULL',
    });
  });

  it('rejects an execution id that is not an integer', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_read_history', 'inst', 'first'), {
      code: '22P02',
    });
  });
});

describe('sp_read_current_history', () => {
  it('returns only the current execution, never several concatenated', async () => {
    await instanceWithExecutions('many', 3);
    const result = await call(tenant, 'sp_read_current_history', 'many');
    expect(result.fields.map((f) => f.name)).toEqual(['event_data']);
    expect(result.rows.map((r) => r.event_data)).toEqual([orchestrationStarted(1), activityScheduled(2, 'step-3', 3)]);
  });

  it('returns events in event_id order whatever the insertion order', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('inst'), BASE_MS);
    await appendHistory(tenant, 'inst', 1, [activityScheduled(3), activityScheduled(2)]);
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1)]);
    const events = (await call(tenant, 'sp_read_current_history', 'inst')).rows.map((r) => r.event_data);
    expect(events).toEqual([orchestrationStarted(1), activityScheduled(2), activityScheduled(3)]);
  });

  it('reads the latest history execution of an instance that has no instance row', async () => {
    await appendHistory(tenant, 'history-only', 1, [orchestrationStarted(1, 'Old')]);
    await appendHistory(tenant, 'history-only', 2, [orchestrationStarted(1, 'New')]);
    const events = (await call(tenant, 'sp_read_current_history', 'history-only')).rows.map((r) => r.event_data);
    expect(events).toEqual([orchestrationStarted(1, 'New')]);
  });

  it('returns no rows for an unknown instance and for a started instance without history', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('fresh'), BASE_MS);
    expect((await call(tenant, 'sp_read_current_history', 'nobody')).rows).toEqual([]);
    expect((await call(tenant, 'sp_read_current_history', 'fresh')).rows).toEqual([]);
  });

  it('rejects a NULL instance id with 22023 and changes nothing', async () => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1)]);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_read_current_history', null), {
      code: '22023',
      message: 'p_instance_id must not be NULL',
    });
  });

  it('treats an instance id as a value, not as SQL', async () => {
    const hostile = `x'); DROP TABLE history; --`;
    await appendHistory(tenant, hostile, 1, [orchestrationStarted(1)]);
    const events = (await call(tenant, 'sp_read_current_history', hostile)).rows.map((r) => r.event_data);
    expect(events).toEqual([orchestrationStarted(1)]);
  });
});
