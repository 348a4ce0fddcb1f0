import { describe, expect, it } from 'vitest';
import { call, expectFailureChangesNothing, useEmptyTenantSchema } from '../support/procedure-calls.js';
import {
  plantExecution,
  plantHistory,
  plantInstanceWithExecutions,
  plantKv,
  rowsOf,
} from '../support/planted-instances.js';

const tenant = useEmptyTenantSchema();

const executionsOf = async (id: string) =>
  (
    await tenant.pool.query<{ execution_id: string }>(
      `SELECT execution_id FROM ${tenant.quoted}.executions WHERE instance_id = $1 ORDER BY 1`,
      [id],
    )
  ).rows.map((row) => Number(row.execution_id));

const result = (processed: number, executions: number, events: number) => ({
  instances_processed: String(processed),
  executions_deleted: String(executions),
  events_deleted: String(events),
});

describe('sp_prune_executions', () => {
  it('keeps the keep_last highest executions, deleting the others with their history; KV stays', async () => {
    await plantInstanceWithExecutions(tenant, 'p', ['ContinuedAsNew', 'ContinuedAsNew', 'ContinuedAsNew', 'Running']);
    await plantKv(tenant, 'kv_store', 'p', 'k', 'from exec 1');
    expect((await call(tenant, 'sp_prune_executions', 'p', 2)).rows).toEqual([result(1, 2, 2)]);
    expect(await executionsOf('p')).toEqual([3, 4]);
    expect(await rowsOf(tenant, 'history', 'p')).toBe(2);
    expect(await rowsOf(tenant, 'kv_store', 'p')).toBe(1);
  });

  it('keep_last absent, 0 and 1 keep only the current execution', async () => {
    for (const keepLast of [null, 0, 1]) {
      await tenant.pool.query(`DELETE FROM ${tenant.quoted}.executions; DELETE FROM ${tenant.quoted}.history;
                               DELETE FROM ${tenant.quoted}.instances`);
      await plantInstanceWithExecutions(tenant, 'p', [
        'ContinuedAsNew',
        'ContinuedAsNew',
        'ContinuedAsNew',
        'Completed',
      ]);
      expect((await call(tenant, 'sp_prune_executions', 'p', keepLast)).rows, `keep_last ${keepLast}`).toEqual([
        result(1, 3, 3),
      ]);
      expect(await executionsOf('p')).toEqual([4]);
    }
  });

  it('never deletes a Running execution nor the current one', async () => {
    await plantInstanceWithExecutions(tenant, 'r', ['ContinuedAsNew', 'Running', 'ContinuedAsNew']);
    // The instance row says execution 3 is current; execution 2 is Running (a state the runtime does not produce).
    expect((await call(tenant, 'sp_prune_executions', 'r')).rows).toEqual([result(1, 1, 1)]);
    expect(await executionsOf('r')).toEqual([2, 3]);
  });

  it('deletes only executions completed strictly before completed_before (ContinuedAsNew has a completion time)', async () => {
    // completed at 1000, 1001, 1002; current 4 running.
    await plantInstanceWithExecutions(tenant, 't', ['ContinuedAsNew', 'ContinuedAsNew', 'ContinuedAsNew', 'Running']);
    expect((await call(tenant, 'sp_prune_executions', 't', null, 1001)).rows).toEqual([result(1, 1, 1)]);
    expect(await executionsOf('t')).toEqual([2, 3, 4]);
    expect((await call(tenant, 'sp_prune_executions', 't', 2, 5000)).rows).toEqual([result(1, 1, 1)]);
    expect(await executionsOf('t')).toEqual([3, 4]);
  });

  it('accepts an instance known only through its executions (the highest one is current)', async () => {
    await plantExecution(tenant, 'rowless', 1, 'ContinuedAsNew');
    await plantHistory(tenant, 'rowless', 1, [{ ExternalSubscribed: { event_id: 1, name: 'x' } }]);
    await plantExecution(tenant, 'rowless', 2, 'Completed');
    expect((await call(tenant, 'sp_prune_executions', 'rowless')).rows).toEqual([result(1, 1, 1)]);
    expect(await executionsOf('rowless')).toEqual([2]);
  });

  it('fails with P0002 for an unknown instance, 22023 for NULL or negative arguments', async () => {
    await plantInstanceWithExecutions(tenant, 'p', ['ContinuedAsNew', 'Completed']);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_prune_executions', 'nobody'), {
      code: 'P0002',
      message: 'Instance not found: nobody',
    });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_prune_executions', null), { code: '22023' });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_prune_executions', 'p', -1), {
      code: '22023',
      message: /p_keep_last/,
    });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_prune_executions', 'p', null, -1), {
      code: '22023',
    });
  });
});

describe('sp_prune_executions_bulk', () => {
  async function plantThree() {
    await plantInstanceWithExecutions(tenant, 'a', ['ContinuedAsNew', 'ContinuedAsNew', 'Completed'], {
      createdAtMs: 1,
    });
    await plantInstanceWithExecutions(tenant, 'b', ['ContinuedAsNew', 'ContinuedAsNew', 'Running'], { createdAtMs: 2 });
    await plantInstanceWithExecutions(tenant, 'c', ['ContinuedAsNew', 'Failed'], { createdAtMs: 3 });
  }

  it('prunes every selected instance, Running ones included, and sums the counts', async () => {
    await plantThree();
    expect((await call(tenant, 'sp_prune_executions_bulk', ['a', 'b'], null, 1000, 1)).rows).toEqual([result(2, 4, 4)]);
    expect(await executionsOf('a')).toEqual([3]);
    expect(await executionsOf('b')).toEqual([3]);
    expect(await executionsOf('c')).toEqual([1, 2]);
  });

  it('selects by the current execution completion time and by limit in creation order', async () => {
    await plantThree();
    // Current executions: a completed at 1002, b running (no completion), c completed at 1001.
    expect((await call(tenant, 'sp_prune_executions_bulk', null, 1002)).rows).toEqual([result(1, 1, 1)]);
    expect(await executionsOf('c')).toEqual([2]);
    expect((await call(tenant, 'sp_prune_executions_bulk', null, null, 1)).rows).toEqual([result(1, 2, 2)]);
    expect(await executionsOf('a')).toEqual([3]);
    expect((await call(tenant, 'sp_prune_executions_bulk', [], null)).rows).toEqual([result(0, 0, 0)]);
    expect((await call(tenant, 'sp_prune_executions_bulk')).rows).toEqual([result(3, 2, 2)]);
  });

  it('applies the prune time filter to each instance', async () => {
    await plantThree();
    expect((await call(tenant, 'sp_prune_executions_bulk', null, null, 1000, null, 1001)).rows).toEqual([
      result(3, 3, 3),
    ]);
  });

  it('rejects NULL limit and negative values with 22023', async () => {
    await plantThree();
    for (const args of [
      [null, null, null],
      [null, null, -1],
      [null, -1, 10],
      [null, null, 10, -1],
      [null, null, 10, null, -1],
      [[null], null, 10],
    ]) {
      await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_prune_executions_bulk', ...args), {
        code: '22023',
      });
    }
  });
});
