import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  ackItem,
  BASE_MS,
  call,
  enqueueOrchestrator,
  enqueueWorker,
  expectFailureChangesNothing,
  fetchItem,
  FIRST_TURN,
  sqlError,
  tableRows,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import {
  plantExecution,
  plantInstance,
  plantInstanceWithExecutions,
  plantKv,
  plantLock,
  rowsOf,
} from '../support/planted-instances.js';
import { randomSchemaName, type TenantSchema } from '../support/tenant-schema.js';
import { activityExecute, externalRaised, startOrchestration } from '../support/work-items.js';

// A schema whose name needs quoting everywhere: the custom-schema case for every test of the file.
const tenant = useEmptyTenantSchema({ name: `Del "${randomSchemaName('x')}" $1` });

const INSTANCE_TABLES = [
  'instances',
  'executions',
  'history',
  'orchestrator_queue',
  'worker_queue',
  'instance_locks',
  'kv_store',
  'kv_delta',
];

/** Every instance-scoped row of `id`: history, executions, a message in each queue, a lock, KV in both tables. */
async function plantFullInstance(
  id: string,
  statuses: Parameters<typeof plantInstanceWithExecutions>[2] = ['Completed'],
  parent: string | null = null,
) {
  await plantInstanceWithExecutions(tenant, id, statuses, { parent });
  await enqueueOrchestrator(tenant, externalRaised(id), BASE_MS);
  await enqueueWorker(tenant, activityExecute(id, 2), BASE_MS);
  await plantLock(tenant, id, `token-${id}`, BASE_MS + 30_000);
  await plantKv(tenant, 'kv_store', id, 'k', 'v');
  await plantKv(tenant, 'kv_delta', id, 'd', null);
}

async function instanceRowCounts(id: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of INSTANCE_TABLES) counts[table] = await rowsOf(tenant, table, id);
  return counts;
}

/** The tenant seen through one checked-out connection, so a procedure call runs inside its open transaction. */
function onConnection(client: pg.PoolClient): TenantSchema {
  return { ...tenant, pool: client as unknown as pg.Pool };
}

/** Whether a call of `procedure` on this schema is waiting for a row or table lock right now. */
async function waitsForLock(procedure: string): Promise<boolean> {
  // Polled outside the holder's transaction: pg_stat_activity is a snapshot taken once per transaction.
  const result = await tenant.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0 AND strpos(query, $2) > 0`,
    [tenant.quoted, procedure],
  );
  return result.rows[0]!.n > 0;
}

const NOTHING_LEFT = Object.fromEntries(INSTANCE_TABLES.map((table) => [table, 0]));

interface Counts {
  instances_deleted: string;
  executions_deleted: string;
  events_deleted: string;
  queue_messages_deleted: string;
}

const counts = (instances: number, executions: number, events: number, messages: number) => ({
  instances_deleted: String(instances),
  executions_deleted: String(executions),
  events_deleted: String(events),
  queue_messages_deleted: String(messages),
});

describe('sp_delete_instances_atomic', () => {
  it('removes every instance-scoped row of the listed instances and counts them, leaving others alone', async () => {
    await plantFullInstance('a', ['ContinuedAsNew', 'Completed']);
    await plantFullInstance('b', ['Failed']);
    await plantFullInstance('other');
    const before = await instanceRowCounts('other');
    const result = await call<Counts>(tenant, 'sp_delete_instances_atomic', ['a', 'b', 'a'], false);
    expect(result.rows).toEqual([counts(2, 3, 3, 4)]);
    expect(await instanceRowCounts('a')).toEqual(NOTHING_LEFT);
    expect(await instanceRowCounts('b')).toEqual(NOTHING_LEFT);
    expect(await instanceRowCounts('other')).toEqual(before);
  });

  it('keeps sessions: they are not instance-scoped', async () => {
    await plantFullInstance('s');
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.sessions (session_id, owner_id, locked_until, last_activity_at)
       VALUES ('sess', 'w', 0, 0)`,
    );
    await call(tenant, 'sp_delete_instances_atomic', ['s'], true);
    expect((await tenant.pool.query(`SELECT * FROM ${tenant.quoted}.sessions`)).rowCount).toBe(1);
  });

  it('returns zeros for an empty list and for ids that do not exist', async () => {
    await plantFullInstance('kept');
    expect((await call(tenant, 'sp_delete_instances_atomic', [], false)).rows).toEqual([counts(0, 0, 0, 0)]);
    expect((await call(tenant, 'sp_delete_instances_atomic', ['ghost'], false)).rows).toEqual([counts(0, 0, 0, 0)]);
    expect(await rowsOf(tenant, 'instances', 'kept')).toBe(1);
  });

  it('purges the queue rows of an id without an instance row (orphan messages)', async () => {
    await enqueueOrchestrator(tenant, externalRaised('never-started'), BASE_MS);
    await enqueueWorker(tenant, activityExecute('never-started', 1), BASE_MS);
    const result = await call<Counts>(tenant, 'sp_delete_instances_atomic', ['never-started'], false);
    expect(result.rows).toEqual([counts(0, 0, 0, 2)]);
  });

  it('refuses a running instance without force (DXD01, lowercase "running") and changes nothing', async () => {
    await plantFullInstance('done');
    await plantFullInstance('busy', ['ContinuedAsNew', 'Running']);
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_delete_instances_atomic', ['done', 'busy'], false),
      {
        code: 'DXD01',
        message: 'Instance busy is still running; use force=true or cancel it first',
      },
    );
    const result = await call<Counts>(tenant, 'sp_delete_instances_atomic', ['done', 'busy'], true);
    expect(result.rows[0]!.instances_deleted).toBe('2');
  });

  it('treats an instance without an execution row as not running, and an id without an instance row by its latest execution', async () => {
    await plantInstance(tenant, 'no-exec');
    await plantExecution(tenant, 'rowless', 1, 'Running');
    expect(
      (await call<Counts>(tenant, 'sp_delete_instances_atomic', ['no-exec'], false)).rows[0]!.instances_deleted,
    ).toBe('1');
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instances_atomic', ['rowless'], false), {
      code: 'DXD01',
      message: /rowless is still running/,
    });
  });

  it('refuses to orphan a child (DXD02 naming child and orphan) and deletes nothing; with the child it succeeds', async () => {
    await plantFullInstance('parent');
    await plantFullInstance('child', ['Completed'], 'parent');
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instances_atomic', ['parent'], true), {
      code: 'DXD02',
      message: 'Cannot delete parent: child child is not included (orphan); re-read the tree and retry',
    });
    const result = await call<Counts>(tenant, 'sp_delete_instances_atomic', ['child', 'parent'], false);
    expect(result.rows[0]!.instances_deleted).toBe('2');
  });

  it('deletes a child alone (its parent keeps nothing dangling)', async () => {
    await plantFullInstance('p');
    await plantFullInstance('c', ['Completed'], 'p');
    expect((await call<Counts>(tenant, 'sp_delete_instances_atomic', ['c'], false)).rows[0]!.instances_deleted).toBe(
      '1',
    );
    expect(await rowsOf(tenant, 'instances', 'p')).toBe(1);
  });

  it('rejects NULL arguments and NULL ids with 22023', async () => {
    await plantFullInstance('x');
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instances_atomic', null, false), {
      code: '22023',
      message: 'p_instance_ids and p_force must not be NULL',
    });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instances_atomic', ['x'], null), {
      code: '22023',
    });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instances_atomic', ['x', null], true), {
      code: '22023',
      message: 'p_instance_ids must not contain NULL',
    });
  });

  it('two concurrent deletes of the same instances: both succeed, the rows are deleted once', async () => {
    for (const id of ['r1', 'r2', 'r3']) await plantFullInstance(id);
    const [first, second] = await Promise.all([
      call<Counts>(tenant, 'sp_delete_instances_atomic', ['r1', 'r2', 'r3'], false),
      call<Counts>(tenant, 'sp_delete_instances_atomic', ['r3', 'r2', 'r1'], false),
    ]);
    const deleted = Number(first.rows[0]!.instances_deleted) + Number(second.rows[0]!.instances_deleted);
    expect(deleted).toBe(3);
  });

  it("a child's first ack holds its parent against a concurrent delete: the orphan check sees the child (§3.25 race note)", async () => {
    await plantFullInstance('p');
    await enqueueOrchestrator(tenant, startOrchestration('c', { parentInstance: 'p' }), BASE_MS);
    const child = await fetchItem(tenant, BASE_MS);
    expect(child?.instance_id).toBe('c');
    const turn = await tenant.pool.connect();
    let deleting: Promise<unknown> | undefined;
    try {
      await turn.query('BEGIN');
      // The child's first turn, committed only after the delete has started: its row is invisible to the delete.
      await ackItem(onConnection(turn), child!.lock_token, BASE_MS, { ...FIRST_TURN, parentInstanceId: 'p' });
      let settled = false;
      deleting = call(tenant, 'sp_delete_instances_atomic', ['p'], true).finally(() => {
        settled = true;
      });
      deleting.catch(() => {});
      // Before the fix the delete did not wait: it passed its orphan check and deleted the parent under the child.
      let waiting = false;
      for (let polls = 0; !waiting && !settled; polls++) {
        if (polls > 2000) throw new Error('the delete neither finished nor waited');
        waiting = await waitsForLock('sp_delete_instances_atomic');
      }
      expect(settled, 'the delete must wait for the child turn, not finish first').toBe(false);
      await turn.query('COMMIT');
    } finally {
      await turn.query('ROLLBACK').catch(() => {});
      turn.release();
    }
    const error = await sqlError(deleting);
    expect(error.code).toBe('DXD02');
    expect(error.message).toBe('Cannot delete p: child c is not included (orphan); re-read the tree and retry');
    expect(await rowsOf(tenant, 'instances', 'p')).toBe(1);
    expect(await rowsOf(tenant, 'instances', 'c')).toBe(1);
  });

  it("a delete that commits before a child's first ack lets the child be created with a dangling parent (accepted)", async () => {
    await plantFullInstance('p');
    await enqueueOrchestrator(tenant, startOrchestration('c', { parentInstance: 'p' }), BASE_MS);
    const child = await fetchItem(tenant, BASE_MS);
    const deleter = await tenant.pool.connect();
    let acking: Promise<unknown> | undefined;
    try {
      await deleter.query('BEGIN');
      await call(onConnection(deleter), 'sp_delete_instances_atomic', ['p'], true);
      let settled = false;
      acking = ackItem(tenant, child!.lock_token, BASE_MS, { ...FIRST_TURN, parentInstanceId: 'p' }).finally(() => {
        settled = true;
      });
      acking.catch(() => {});
      let waiting = false;
      for (let polls = 0; !waiting && !settled; polls++) {
        if (polls > 2000) throw new Error('the ack neither finished nor waited');
        waiting = await waitsForLock('sp_ack_orchestration_item');
      }
      expect(settled, "the child's ack waits for the delete on the parent's row").toBe(false);
      await deleter.query('COMMIT');
    } finally {
      await deleter.query('ROLLBACK').catch(() => {});
      deleter.release();
    }
    await acking;
    expect(await rowsOf(tenant, 'instances', 'p')).toBe(0);
    const rows = await tableRows<{ instance_id: string; parent_instance_id: string }>(tenant, 'instances');
    expect(rows.map((row) => [row.instance_id, row.parent_instance_id])).toEqual([['c', 'p']]);
  });
});

describe('sp_delete_instance', () => {
  it('deletes a root with its whole tree in one call', async () => {
    await plantFullInstance('root');
    await plantFullInstance('kid', ['Completed'], 'root');
    await plantFullInstance('grandkid', ['Failed'], 'kid');
    await plantFullInstance('kid2', ['Completed'], 'root');
    const result = await call<Counts>(tenant, 'sp_delete_instance', 'root', false);
    expect(result.rows).toEqual([counts(4, 4, 4, 8)]);
    for (const id of ['root', 'kid', 'grandkid', 'kid2']) expect(await instanceRowCounts(id)).toEqual(NOTHING_LEFT);
  });

  it('fails with P0002 "not found" for an unknown instance', async () => {
    await plantFullInstance('someone');
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instance', 'nobody', false), {
      code: 'P0002',
      message: 'Instance not found: nobody',
    });
  });

  it('refuses a sub-orchestration with DXD03, with force too', async () => {
    await plantFullInstance('root');
    await plantFullInstance('sub', ['Completed'], 'root');
    for (const force of [false, true]) {
      await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instance', 'sub', force), {
        code: 'DXD03',
        message: 'Cannot delete sub-orchestration sub directly; delete its root instead',
      });
    }
  });

  it('without force refuses when anything in the tree runs (DXD01); with force deletes it', async () => {
    await plantFullInstance('root');
    await plantFullInstance('running-kid', ['Running'], 'root');
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instance', 'root', false), {
      code: 'DXD01',
      message: /running-kid is still running/,
    });
    expect((await call<Counts>(tenant, 'sp_delete_instance', 'root', true)).rows[0]!.instances_deleted).toBe('2');
  });

  it('rejects NULL arguments with 22023', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instance', null, true), { code: '22023' });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instance', 'x', null), { code: '22023' });
  });
});

describe('sp_delete_instance_bulk', () => {
  /** Roots completed at 1000 + i, a running root, a ContinuedAsNew root, and a child under root 0. */
  async function plantBulkState() {
    for (let i = 0; i < 3; i++)
      await plantInstanceWithExecutions(tenant, `done-${i}`, ['Completed'], { completedAtMs: 1000 + i });
    await plantInstanceWithExecutions(tenant, 'failed', ['Failed'], { completedAtMs: 2000 });
    await plantInstanceWithExecutions(tenant, 'running', ['Running']);
    await plantInstanceWithExecutions(tenant, 'chained', ['ContinuedAsNew']);
    await plantInstanceWithExecutions(tenant, 'child', ['Completed'], { parent: 'done-0', completedAtMs: 500 });
  }

  const remaining = async () =>
    (
      await tenant.pool.query<{ instance_id: string }>(`SELECT instance_id FROM ${tenant.quoted}.instances ORDER BY 1`)
    ).rows.map((row) => row.instance_id);

  it('deletes every Completed or Failed root with its tree; never Running, ContinuedAsNew or a child on its own', async () => {
    await plantBulkState();
    const result = await call<Counts>(tenant, 'sp_delete_instance_bulk');
    expect(result.rows).toEqual([counts(5, 5, 5, 0)]);
    expect(await remaining()).toEqual(['chained', 'running']);
  });

  it('filters by ids (an empty list selects nothing; sub-orchestrations and running ids are skipped)', async () => {
    await plantBulkState();
    expect((await call<Counts>(tenant, 'sp_delete_instance_bulk', [])).rows).toEqual([counts(0, 0, 0, 0)]);
    const result = await call<Counts>(tenant, 'sp_delete_instance_bulk', ['done-1', 'running', 'child', 'ghost']);
    expect(result.rows).toEqual([counts(1, 1, 1, 0)]);
  });

  it('filters by completion time (strictly before) and applies the limit oldest first', async () => {
    await plantBulkState();
    expect((await call<Counts>(tenant, 'sp_delete_instance_bulk', null, 1000)).rows[0]!.instances_deleted).toBe('0');
    expect((await call<Counts>(tenant, 'sp_delete_instance_bulk', null, 1002)).rows[0]!.instances_deleted).toBe('3');
    expect(await remaining()).toEqual(['chained', 'done-2', 'failed', 'running']);
    expect((await call<Counts>(tenant, 'sp_delete_instance_bulk', null, null, 1)).rows[0]!.instances_deleted).toBe('1');
    expect(await remaining()).toEqual(['chained', 'failed', 'running']);
    expect((await call<Counts>(tenant, 'sp_delete_instance_bulk', null, null, 0)).rows[0]!.instances_deleted).toBe('0');
  });

  it('rejects a NULL or negative limit, a negative time and NULL ids with 22023', async () => {
    await plantBulkState();
    for (const args of [
      [null, null, null],
      [null, null, -1],
      [null, -5, 10],
      [['a', null], null, 10],
    ]) {
      await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_delete_instance_bulk', ...args), {
        code: '22023',
      });
    }
  });
});
