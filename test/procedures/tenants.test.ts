import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  LOCK_MS,
  ackItem,
  appendHistory,
  call,
  enqueueOrchestrator,
  enqueueWorker,
  expectFailureChangesNothing,
  fetchItem,
  json,
  startInstance,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import { snapshotTables } from '../support/table-snapshot.js';
import { randomSchemaName } from '../support/tenant-schema.js';
import {
  activityCompleted,
  activityExecute,
  externalRaised,
  orchestrationStarted,
  startOrchestration,
} from '../support/work-items.js';

// Two tenants in one database; the second name needs quoting everywhere (quotes, spaces, mixed case), and its `$$`
// would end the `$$`-quoted bodies it is written into unless the migration runner spells it without a `$`.
const plain = useEmptyTenantSchema();
const hostile = useEmptyTenantSchema({ name: randomSchemaName(`Tenant "A" 'x' $$ b`) });

describe('two tenant schemas side by side', () => {
  it('really gives the hostile tenant its quoted name', async () => {
    expect(hostile.name).toMatch(/^Tenant "A" 'x' \$\$ b_/);
    // The server's own quoting is the oracle: the tests quote with the runtime's quoteIdentifier.
    const quoted = await hostile.pool.query<{ q: string }>('SELECT quote_ident($1) AS q', [hostile.name]);
    expect(hostile.quoted).toBe(quoted.rows[0]!.q);
  });

  it('keep instances with the same id apart', async () => {
    await startInstance(plain, startOrchestration('shared', { orchestration: 'PlainOrch' }), BASE_MS);
    await startInstance(hostile, startOrchestration('shared', { orchestration: 'HostileOrch' }), BASE_MS + 1);
    await startInstance(hostile, startOrchestration('only-hostile'), BASE_MS + 2);

    expect((await call(plain, 'sp_list_instances')).rows).toEqual([{ instance_id: 'shared' }]);
    expect((await call(hostile, 'sp_list_instances')).rows).toEqual([
      { instance_id: 'only-hostile' },
      { instance_id: 'shared' },
    ]);
    expect((await call(plain, 'sp_get_instance_info', 'shared')).rows[0]).toMatchObject({
      orchestration_name: 'PlainOrch',
      created_at: new Date(BASE_MS),
    });
    expect((await call(hostile, 'sp_get_instance_info', 'shared')).rows[0]).toMatchObject({
      orchestration_name: 'HostileOrch',
      created_at: new Date(BASE_MS + 1),
    });
    await expectFailureChangesNothing(plain, () => call(plain, 'sp_get_instance_info', 'only-hostile'), {
      code: 'P0002',
      message: 'Instance not found: only-hostile',
    });
  });

  it('keep histories apart', async () => {
    await appendHistory(plain, 'shared', 1, [orchestrationStarted(1, 'PlainOrch')]);
    await appendHistory(hostile, 'shared', 1, [orchestrationStarted(1, 'HostileOrch')]);
    const read = async (tenant: typeof plain) =>
      (await call(tenant, 'sp_read_history', 'shared', 1)).rows.map((r) => r.event_data);
    expect(await read(plain)).toEqual([orchestrationStarted(1, 'PlainOrch')]);
    expect(await read(hostile)).toEqual([orchestrationStarted(1, 'HostileOrch')]);
    // The same event id in the other tenant is no duplicate.
    expect((await call(plain, 'sp_get_system_metrics')).rows[0]).toMatchObject({
      total_events: '1',
    });
  });

  it('fetch only their own orchestration work, and a token of one tenant is unknown in the other', async () => {
    await enqueueOrchestrator(plain, startOrchestration('p'), BASE_MS);
    await enqueueOrchestrator(hostile, startOrchestration('h'), BASE_MS);

    const fromPlain = await fetchItem(plain, BASE_MS + 1);
    expect(fromPlain?.instance_id).toBe('p');
    expect(await fetchItem(plain, BASE_MS + 1)).toBeUndefined();

    await expectFailureChangesNothing(hostile, () => ackItem(hostile, fromPlain!.lock_token, BASE_MS + 2), {
      code: 'DXL01',
      message: 'Invalid lock token',
    });
    await expectFailureChangesNothing(
      hostile,
      () => call(hostile, 'sp_abandon_orchestration_item', fromPlain!.lock_token, BASE_MS + 2, null),
      { code: 'DXL01', message: 'Invalid lock token' },
    );

    const fromHostile = await fetchItem(hostile, BASE_MS + 1);
    expect(fromHostile?.instance_id).toBe('h');
    const plainBefore = await snapshotTables(plain);
    await ackItem(hostile, fromHostile!.lock_token, BASE_MS + 3, {
      delta: [orchestrationStarted(1)],
      workerItems: [activityExecute('h', 2)],
      status: 'Completed',
    });
    expect(await snapshotTables(plain)).toEqual(plainBefore);
    expect((await call(plain, 'sp_get_queue_depths', BASE_MS + 3)).rows[0]).toEqual({
      orchestrator_queue: '0',
      worker_queue: '0',
    });
    expect((await call(hostile, 'sp_get_queue_depths', BASE_MS + 3)).rows[0]).toEqual({
      orchestrator_queue: '0',
      worker_queue: '1',
    });
  });

  it('keep worker queues apart', async () => {
    await enqueueWorker(hostile, activityExecute('h', 1), BASE_MS);
    expect((await call(plain, 'sp_fetch_work_item', BASE_MS, LOCK_MS)).rows).toEqual([]);
    const [got] = (await call<{ lock_token: string }>(hostile, 'sp_fetch_work_item', BASE_MS, LOCK_MS)).rows;

    await expectFailureChangesNothing(
      plain,
      () => call(plain, 'sp_ack_work_item', got!.lock_token, json(activityCompleted('h', 1)), BASE_MS),
      {
        code: 'DXW01',
        message: 'Worker queue item not found or already processed',
      },
    );
    await call(hostile, 'sp_ack_work_item', got!.lock_token, json(activityCompleted('h', 1)), BASE_MS);
    expect((await call(hostile, 'sp_get_queue_depths', BASE_MS)).rows[0]).toEqual({
      orchestrator_queue: '1',
      worker_queue: '0',
    });
  });

  it('keep metrics apart', async () => {
    for (const id of ['a', 'b', 'c']) await startInstance(hostile, startOrchestration(id), BASE_MS);
    await enqueueOrchestrator(plain, externalRaised('x'), BASE_MS);
    expect((await call(plain, 'sp_get_system_metrics')).rows[0]).toMatchObject({
      total_instances: '0',
      total_executions: '0',
    });
    expect((await call(hostile, 'sp_get_system_metrics')).rows[0]).toMatchObject({
      total_instances: '3',
      running_instances: '3',
    });
    expect((await call(plain, 'sp_list_instances_by_status', 'Running')).rows).toEqual([]);
  });

  it("use their own tables whatever the caller's search_path", async () => {
    await startInstance(hostile, startOrchestration('mine'), BASE_MS);
    await enqueueOrchestrator(hostile, externalRaised('mine'), BASE_MS);
    const client = await plain.pool.connect();
    try {
      await client.query(`SET search_path TO ${plain.quoted}`);
      const result = await client.query(`SELECT * FROM ${hostile.quoted}.sp_list_instances()`);
      expect(result.rows).toEqual([{ instance_id: 'mine' }]);
      const fetched = await client.query(`SELECT * FROM ${hostile.quoted}.sp_fetch_orchestration_item($1, $2)`, [
        BASE_MS,
        LOCK_MS,
      ]);
      expect(fetched.rows[0]).toMatchObject({ instance_id: 'mine' });
    } finally {
      await client.query('RESET search_path');
      client.release();
    }
  });

  it('each hold the same procedure set', async () => {
    const procedures = async (tenant: typeof plain) =>
      (
        await tenant.pool.query<{ signature: string }>(
          `SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature
             FROM pg_proc p WHERE p.pronamespace = $1::regnamespace ORDER BY 1`,
          [tenant.quoted],
        )
      ).rows.map((row) => row.signature);
    const plainProcedures = await procedures(plain);
    expect(plainProcedures.length).toBeGreaterThan(20);
    expect(await procedures(hostile)).toEqual(plainProcedures);
  });
});
