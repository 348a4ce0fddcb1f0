/**
 * The inline-SQL baseline (provider/inline/) called directly against a migrated schema: every method's main path and
 * every error it raises itself, with explicit now-ms values instead of sleeping.
 */
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InlineBackend } from '../../provider/inline/inline-backend.js';
import type { HistoryEvent } from '../../provider/types/history-event.js';
import type { StoredTurn } from '../../provider/backend.js';
import type { ActivityCompletion, WorkItem } from '../../provider/types/work-item.js';
import { BASE_MS, LOCK_MS, tableRows, useEmptyTenantSchema } from '../support/procedure-calls.js';
import { storeOrchestratorMessage } from '../support/stored-rows.js';
import { emptyTables, snapshotTables } from '../support/table-snapshot.js';
import { randomSchemaName } from '../support/tenant-schema.js';
import {
  activityCompleted,
  activityExecute,
  activityScheduled,
  continueAsNew,
  externalRaised,
  orchestrationStarted,
  subOrchCompleted,
  timerFired,
} from '../support/work-items.js';
import { type Failure, failureOf, start, turn } from './inline-test-helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// A name that only works when every statement quotes the schema.
const tenant = useEmptyTenantSchema({ name: randomSchemaName('Inline "Tenant"') });
let backend: InlineBackend;

beforeAll(() => {
  backend = new InlineBackend(tenant.pool, tenant.name);
});

// --- helpers --------------------------------------------------------------------------------------------------

async function fetchOne(nowMs: number, lockTimeoutMs = LOCK_MS): Promise<StoredTurn> {
  const item = await backend.fetchOrchestrationItem(nowMs, lockTimeoutMs);
  expect(item).not.toBeNull();
  return item!;
}

/** Enqueues a start for `instance` and runs one turn that records OrchestrationStarted; returns nothing locked. */
async function createInstance(instance: string, nowMs = BASE_MS): Promise<void> {
  await backend.enqueueOrchestratorWork(start(instance), nowMs, null);
  const item = await fetchOne(nowMs);
  expect(item.instance).toBe(instance);
  await backend.ackOrchestrationItem(
    turn(item.lockToken, nowMs, { historyDelta: [orchestrationStarted(1)] as HistoryEvent[] }),
  );
}

/** The call must fail with exactly this SQLSTATE and message, and leave every provider table as it was. */
async function expectFailsChangingNothing(run: () => Promise<unknown>, expected: Failure): Promise<void> {
  const before = await snapshotTables(tenant);
  expect(await failureOf(run())).toEqual(expected);
  expect(await snapshotTables(tenant)).toEqual(before);
}

// --- enqueue --------------------------------------------------------------------------------------------------

describe('enqueueOrchestratorWork', () => {
  it('creates a new instance and its first execution, version defaulting to 1.0.0, timestamps from now', async () => {
    await backend.enqueueOrchestratorWork(start('A', { version: null, executionId: 1 }), BASE_MS + 123, null);

    const [instance] = await tableRows(tenant, 'instances', 'instance_id');
    expect(instance).toMatchObject({
      instance_id: 'A',
      orchestration_name: 'TestOrch',
      orchestration_version: '1.0.0',
    });
    expect(instance!.current_execution_id).toBe('1');
    expect((instance!.created_at as Date).getTime()).toBe(BASE_MS + 123);
    expect((instance!.updated_at as Date).getTime()).toBe(BASE_MS + 123);
    const executions = await tableRows(tenant, 'executions', 'execution_id');
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ instance_id: 'A', execution_id: '1', status: 'Running', completed_at: null });
    expect((executions[0]!.started_at as Date).getTime()).toBe(BASE_MS + 123);
    const [message] = await tableRows(tenant, 'orchestrator_queue', 'id');
    expect(message).toMatchObject({
      instance_id: 'A',
      work_item: start('A', { version: null }),
      visible_at: String(BASE_MS + 123),
    });
    expect(message!.lock_token).toBeNull();
  });

  it('leaves an existing instance untouched by a second start, even one naming a later execution', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    await backend.enqueueOrchestratorWork(
      start('A', { orchestration: 'Other', version: '9.9.9', executionId: 2 }),
      BASE_MS + 5,
      null,
    );

    expect(await tableRows(tenant, 'instances', 'instance_id')).toMatchObject([
      { instance_id: 'A', orchestration_name: 'TestOrch', orchestration_version: '1.0.0', current_execution_id: '1' },
    ]);
    expect((await tableRows(tenant, 'executions', 'execution_id')).map((row) => row.execution_id)).toEqual(['1']);
    expect(await tableRows(tenant, 'orchestrator_queue', 'id')).toHaveLength(2);
  });

  it('creates nothing for kinds other than StartOrchestration and routes sub-orchestration completions to the parent', async () => {
    await backend.enqueueOrchestratorWork(externalRaised('ghost'), BASE_MS, null);
    await backend.enqueueOrchestratorWork(subOrchCompleted('parent', 4), BASE_MS, null);

    expect(await tableRows(tenant, 'instances', 'instance_id')).toEqual([]);
    expect((await tableRows(tenant, 'orchestrator_queue', 'id')).map((row) => row.instance_id)).toEqual([
      'ghost',
      'parent',
    ]);
  });

  it('makes a message visible at now + delay, and a TimerFired not before its fire_at_ms', async () => {
    await backend.enqueueOrchestratorWork(externalRaised('A'), BASE_MS, 250);
    await backend.enqueueOrchestratorWork(timerFired('A', 1, BASE_MS + 9_000), BASE_MS, 1_000);
    await backend.enqueueOrchestratorWork(timerFired('A', 2, 0), BASE_MS, 5_000);
    await backend.enqueueOrchestratorWork(timerFired('A', 3, BASE_MS - 9_000), BASE_MS, null);

    expect(
      (await tableRows(tenant, 'orchestrator_queue', 'id')).map((row) => Number(row.visible_at) - BASE_MS),
    ).toEqual([250, 9_000, 5_000, 0]);
  });

  it('refuses a StartOrchestration without an orchestration name or with a bad execution id (22023), writing nothing', async () => {
    await expectFailsChangingNothing(
      () => backend.enqueueOrchestratorWork(start('A', { orchestration: '' }), BASE_MS, null),
      { code: '22023', message: 'StartOrchestration needs an orchestration name' },
    );
    for (const executionId of [0, 1.5, -3, '2' as unknown as number]) {
      await expectFailsChangingNothing(
        () => backend.enqueueOrchestratorWork(start('A', { executionId }), BASE_MS, null),
        { code: '22023', message: 'StartOrchestration execution_id must be a positive integer' },
      );
    }
  });
});

// --- fetch ----------------------------------------------------------------------------------------------------

describe('fetchOrchestrationItem', () => {
  it('returns null when nothing is visible', async () => {
    expect(await backend.fetchOrchestrationItem(BASE_MS, LOCK_MS)).toBeNull();
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, 1_000);
    expect(await backend.fetchOrchestrationItem(BASE_MS + 999, LOCK_MS)).toBeNull();
    expect((await fetchOne(BASE_MS + 1_000)).instance).toBe('A');
  });

  it('locks the oldest instance, tags its visible messages and returns them in id order with the current history', async () => {
    await createInstance('A');
    await backend.enqueueOrchestratorWork(activityCompleted('A', 2), BASE_MS + 1, null);
    await backend.enqueueOrchestratorWork(start('B'), BASE_MS + 2, null);
    await backend.enqueueOrchestratorWork(externalRaised('A'), BASE_MS + 3, null);
    await backend.enqueueOrchestratorWork(timerFired('A', 3, BASE_MS + 60_000), BASE_MS + 3, null);

    const item = await fetchOne(BASE_MS + 10, 1_000);
    expect(item).toEqual({
      instance: 'A',
      orchestrationName: 'TestOrch',
      executionId: 1,
      version: '1.0.0',
      history: [orchestrationStarted(1)],
      messages: [activityCompleted('A', 2), externalRaised('A')],
      kvSnapshot: {},
      lockToken: expect.stringMatching(UUID),
      attemptCount: 1,
    });
    expect(await tableRows(tenant, 'instance_locks', 'instance_id')).toEqual([
      {
        instance_id: 'A',
        lock_token: item.lockToken,
        locked_until: String(BASE_MS + 1_010),
        locked_at: String(BASE_MS + 10),
      },
    ]);
    const queue = await tableRows(tenant, 'orchestrator_queue', 'id');
    expect(queue.map((row) => [row.instance_id, row.lock_token, row.locked_until])).toEqual([
      ['A', item.lockToken, String(BASE_MS + 1_010)],
      ['B', null, null],
      ['A', item.lockToken, String(BASE_MS + 1_010)],
      ['A', null, null],
    ]);

    // A is locked: the next fetch moves on to B.
    expect((await fetchOne(BASE_MS + 20)).instance).toBe('B');
    expect(await backend.fetchOrchestrationItem(BASE_MS + 20, LOCK_MS)).toBeNull();
  });

  it('after the lock expires hands the instance out again with a new token, re-tagging old and new messages', async () => {
    await createInstance('A');
    await backend.enqueueOrchestratorWork(activityCompleted('A', 1), BASE_MS, null);
    const first = await fetchOne(BASE_MS, 1_000);
    await backend.enqueueOrchestratorWork(activityCompleted('A', 2), BASE_MS + 1, null);

    expect(await backend.fetchOrchestrationItem(BASE_MS + 999, 1_000)).toBeNull();
    const second = await fetchOne(BASE_MS + 1_000, 1_000);
    expect(second.lockToken).not.toBe(first.lockToken);
    expect(second.messages).toEqual([activityCompleted('A', 1), activityCompleted('A', 2)]);
    expect((await tableRows(tenant, 'orchestrator_queue', 'id')).map((row) => row.lock_token)).toEqual([
      second.lockToken,
      second.lockToken,
    ]);
  });

  it('reads the execution the instance points at, not the highest executions row', async () => {
    await createInstance('A');
    await backend.enqueueOrchestratorWork(start('A', { executionId: 3 }), BASE_MS, null);
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.executions (instance_id, execution_id, status, started_at) VALUES ('A', 3, 'Running', now())`,
    );
    const item = await fetchOne(BASE_MS);
    expect(item.executionId).toBe(1);
    expect(item.history).toEqual([orchestrationStarted(1)]);
  });

  it('returns orphan batches: Unknown, or described by a start, a ContinueAsNew or the history', async () => {
    await backend.enqueueOrchestratorWork(externalRaised('orphan'), BASE_MS, null);
    expect(await fetchOne(BASE_MS)).toMatchObject({
      instance: 'orphan',
      orchestrationName: 'Unknown',
      version: 'unknown',
      executionId: 1,
      history: [],
      messages: [externalRaised('orphan')],
    });

    await backend.enqueueOrchestratorWork(
      continueAsNew('next', { orchestration: 'Looping', version: null }),
      BASE_MS,
      null,
    );
    expect(await fetchOne(BASE_MS)).toMatchObject({
      instance: 'next',
      orchestrationName: 'Looping',
      version: '1.0.0',
      executionId: 1,
    });

    // A start whose instance row is gone (e.g. deleted by hand) still describes the batch.
    await backend.enqueueOrchestratorWork(start('restarted', { version: null, executionId: 2 }), BASE_MS, null);
    await tenant.pool.query(`DELETE FROM ${tenant.quoted}.instances WHERE instance_id = 'restarted'`);
    expect(await fetchOne(BASE_MS)).toMatchObject({
      orchestrationName: 'TestOrch',
      version: '1.0.0',
      executionId: 2,
      history: [],
    });

    // History written without an instance row: the latest execution's OrchestrationStarted names it.
    await backend.appendWithExecution(
      'appended',
      1,
      [orchestrationStarted(1, 'Old', '0.1.0')] as HistoryEvent[],
      BASE_MS,
    );
    await backend.appendWithExecution(
      'appended',
      2,
      [orchestrationStarted(1, 'New', '0.2.0'), activityScheduled(2)] as HistoryEvent[],
      BASE_MS,
    );
    await backend.enqueueOrchestratorWork(externalRaised('appended'), BASE_MS, null);
    expect(await fetchOne(BASE_MS)).toMatchObject({
      instance: 'appended',
      orchestrationName: 'New',
      version: '0.2.0',
      executionId: 2,
      history: [orchestrationStarted(1, 'New', '0.2.0'), activityScheduled(2)],
    });
  });

  it('returns stored rows that are not work items as an orphan batch instead of stalling the queue', async () => {
    for (const [instance, item] of [
      ['corrupt-string', 'not a work item'],
      ['corrupt-start', { StartOrchestration: null }],
    ] as const) {
      await storeOrchestratorMessage(tenant, instance, item, BASE_MS - 1);
    }
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);

    expect(await fetchOne(BASE_MS)).toMatchObject({
      instance: 'corrupt-string',
      orchestrationName: 'Unknown',
      version: 'unknown',
      messages: ['not a work item'],
    });
    expect(await fetchOne(BASE_MS)).toMatchObject({
      instance: 'corrupt-start',
      orchestrationName: 'Unknown',
      version: 'unknown',
    });
    expect((await fetchOne(BASE_MS)).instance).toBe('A');
  });

  describe('losing a candidate to a concurrent transaction moves on to the next instance', () => {
    let holders: pg.PoolClient[] = [];
    afterEach(async () => {
      for (const holder of holders) {
        await holder.query('ROLLBACK');
        holder.release();
      }
      holders = [];
    });

    /**
     * Holds the fetch advisory lock of `instance` in an open transaction, as a concurrent fetch (of either
     * implementation: the class comes from the schema's `_sp_fetch_lock_class()`) or ack would.
     */
    async function holdInstance(instance: string): Promise<pg.PoolClient> {
      const holder = await tenant.pool.connect();
      holders.push(holder);
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(${tenant.quoted}._sp_fetch_lock_class(), hashtext($1))`, [
        instance,
      ]);
      return holder;
    }

    /** Waits (without a deadline of its own: the test timeout bounds it) until some backend waits on that lock. */
    async function untilSomeoneWaitsFor(instance: string): Promise<void> {
      for (;;) {
        const waiting = await tenant.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND classid = ${tenant.quoted}._sp_fetch_lock_class()
              AND objid::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296`,
          [instance],
        );
        if (Number(waiting.rows[0]!.n) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    it('when the lock row was taken meanwhile', async () => {
      const a = `A-${randomSchemaName()}`;
      await backend.enqueueOrchestratorWork(start(a), BASE_MS, null);
      await backend.enqueueOrchestratorWork(start('B'), BASE_MS + 1, null);
      const other = await holdInstance(a);
      await other.query(
        `INSERT INTO ${tenant.quoted}.instance_locks (instance_id, lock_token, locked_until, locked_at) VALUES ($1, 'theirs', $2, $3)`,
        [a, BASE_MS + LOCK_MS, BASE_MS],
      );

      const fetching = backend.fetchOrchestrationItem(BASE_MS + 10, LOCK_MS);
      await untilSomeoneWaitsFor(a);
      await other.query('COMMIT');

      expect((await fetching)?.instance).toBe('B');
      expect(
        (await tableRows(tenant, 'instance_locks', 'instance_id')).map((row) => [row.instance_id, row.lock_token]),
      ).toEqual([
        [a, 'theirs'],
        ['B', expect.stringMatching(UUID)],
      ]);
    });

    it('as the procedure does, which takes the same advisory lock but skips a held candidate at once', async () => {
      const a = `A-${randomSchemaName()}`;
      await backend.enqueueOrchestratorWork(start(a), BASE_MS, null);
      await backend.enqueueOrchestratorWork(start('B'), BASE_MS + 1, null);
      const other = await holdInstance(a);
      await other.query(
        `INSERT INTO ${tenant.quoted}.instance_locks (instance_id, lock_token, locked_until, locked_at) VALUES ($1, 'theirs', $2, $3)`,
        [a, BASE_MS + LOCK_MS, BASE_MS],
      );

      const fetched = await tenant.pool.query<{ instance_id: string }>(
        `SELECT instance_id FROM ${tenant.quoted}.sp_fetch_orchestration_item($1, $2)`,
        [BASE_MS + 10, LOCK_MS],
      );
      await other.query('COMMIT');

      expect(fetched.rows.map((row) => row.instance_id)).toEqual(['B']);
    });

    it('when its messages were consumed meanwhile, undoing the lock row it had inserted', async () => {
      const a = `A-${randomSchemaName()}`;
      await backend.enqueueOrchestratorWork(start(a), BASE_MS, null);
      await backend.enqueueOrchestratorWork(start('B'), BASE_MS + 1, null);
      const other = await holdInstance(a);
      await other.query(`DELETE FROM ${tenant.quoted}.orchestrator_queue WHERE instance_id = $1`, [a]);

      const fetching = backend.fetchOrchestrationItem(BASE_MS + 10, LOCK_MS);
      await untilSomeoneWaitsFor(a);
      await other.query('COMMIT');

      expect((await fetching)?.instance).toBe('B');
      expect((await tableRows(tenant, 'instance_locks', 'instance_id')).map((row) => row.instance_id)).toEqual(['B']);
    });
    it('releasing the lost candidate before waiting for the next one', async () => {
      const a = `A-${randomSchemaName()}`;
      const b = `B-${randomSchemaName()}`;
      await backend.enqueueOrchestratorWork(start(a), BASE_MS, null);
      await backend.enqueueOrchestratorWork(start(b), BASE_MS + 1, null);
      const holdingA = await holdInstance(a);
      await holdingA.query(
        `INSERT INTO ${tenant.quoted}.instance_locks (instance_id, lock_token, locked_until, locked_at) VALUES ($1, 'theirs', $2, $3)`,
        [a, BASE_MS + LOCK_MS, BASE_MS],
      );
      const holdingB = await holdInstance(b);

      const fetching = backend.fetchOrchestrationItem(BASE_MS + 10, LOCK_MS);
      await untilSomeoneWaitsFor(a);
      await holdingA.query('COMMIT');
      await untilSomeoneWaitsFor(b);
      // The fetch now waits for B; it must not still hold A's advisory lock from the attempt it lost.
      const free = await tenant.pool.query<{ free: boolean }>(
        `SELECT pg_try_advisory_xact_lock(${tenant.quoted}._sp_fetch_lock_class(), hashtext($1)) AS free`,
        [a],
      );
      expect(free.rows[0]!.free).toBe(true);
      await holdingB.query('COMMIT');

      expect((await fetching)?.instance).toBe(b);
    });
  });

  it('gives every parallel fetcher its own instance while eligible instances remain (20 rounds)', async () => {
    for (let round = 0; round < 20; round++) {
      // Earlier rounds' instances stay locked, so each round competes for its own ten only.
      const instances = Array.from({ length: 10 }, (_, i) => `round-${String(round).padStart(2, '0')}-${i}`);
      for (const instance of instances) await backend.enqueueOrchestratorWork(start(instance), BASE_MS, null);
      const fetched = await Promise.all(instances.map(() => backend.fetchOrchestrationItem(BASE_MS, LOCK_MS)));
      expect(fetched.map((item) => item?.instance).sort()).toEqual(instances);
      expect(new Set(fetched.map((item) => item?.lockToken)).size).toBe(10);
    }
  });

  it('hands one instance to exactly one of many parallel fetchers', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    await backend.enqueueOrchestratorWork(externalRaised('A'), BASE_MS, null);
    const fetched = await Promise.all(
      Array.from({ length: 10 }, () => backend.fetchOrchestrationItem(BASE_MS, LOCK_MS)),
    );
    const winners = fetched.filter((item) => item !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.messages).toHaveLength(2);
  });
});

// --- ack ------------------------------------------------------------------------------------------------------

describe('ackOrchestrationItem', () => {
  it('commits a whole turn: metadata, execution, history, status, worker and orchestrator items, batch, lock', async () => {
    await backend.enqueueOrchestratorWork(start('A', { version: null }), BASE_MS, null);
    await backend.enqueueOrchestratorWork(subOrchCompleted('A', 7), BASE_MS, null);
    const item = await fetchOne(BASE_MS);
    await backend.enqueueOrchestratorWork(externalRaised('A'), BASE_MS + 1, null); // arrives during the turn

    const now = BASE_MS + 50;
    await backend.ackOrchestrationItem(
      turn(item.lockToken, now, {
        historyDelta: [orchestrationStarted(1, 'Renamed', '2.0.0'), activityScheduled(2)] as HistoryEvent[],
        workerItems: [activityExecute('A', 2), activityExecute('A', 3)] as WorkItem[],
        orchestratorItems: [
          timerFired('A', 4, now + 5_000),
          timerFired('A', 5, 123), // already due
          start('A::child', { version: null, parentInstance: 'A' }),
          subOrchCompleted('grandparent', 2),
        ] as WorkItem[],
        metadata: { status: 'Completed', output: 'done', orchestrationName: 'Renamed', orchestrationVersion: '2.0.0' },
      }),
    );

    const instances = await tableRows(tenant, 'instances', 'instance_id');
    expect(
      instances.map((row) => [
        row.instance_id,
        row.orchestration_name,
        row.orchestration_version,
        row.current_execution_id,
      ]),
    ).toEqual([
      ['A', 'Renamed', '2.0.0', '1'],
      ['A::child', 'TestOrch', '1.0.0', '1'],
    ]);
    expect((instances[0]!.created_at as Date).getTime()).toBe(BASE_MS);
    expect((instances[0]!.updated_at as Date).getTime()).toBe(now);
    const executions = await tableRows(tenant, 'executions', 'instance_id, execution_id');
    expect(executions.map((row) => [row.instance_id, row.execution_id, row.status, row.output])).toEqual([
      ['A', '1', 'Completed', 'done'],
      ['A::child', '1', 'Running', null],
    ]);
    expect((executions[0]!.completed_at as Date).getTime()).toBe(now);
    const history = await tableRows(tenant, 'history', 'event_id');
    expect(
      history.map((row) => [row.instance_id, row.execution_id, row.event_id, row.event_type, row.event_data]),
    ).toEqual([
      ['A', '1', '1', 'OrchestrationStarted', orchestrationStarted(1, 'Renamed', '2.0.0')],
      ['A', '1', '2', 'ActivityScheduled', activityScheduled(2)],
    ]);
    expect((history[0]!.created_at as Date).getTime()).toBe(now);
    expect((await tableRows(tenant, 'worker_queue', 'id')).map((row) => [row.work_item, row.lock_token])).toEqual([
      [activityExecute('A', 2), null],
      [activityExecute('A', 3), null],
    ]);
    const queue = await tableRows<{ instance_id: string; work_item: object; visible_at: string; lock_token: string }>(
      tenant,
      'orchestrator_queue',
      'id',
    );
    expect(
      queue.map((row) => [
        row.instance_id,
        Object.keys(row.work_item)[0],
        Number(row.visible_at) - now,
        row.lock_token,
      ]),
    ).toEqual([
      ['A', 'ExternalRaised', 1 - 50, null],
      ['A', 'TimerFired', 5_000, null],
      ['A', 'TimerFired', 0, null],
      ['A::child', 'StartOrchestration', 0, null],
      ['grandparent', 'SubOrchCompleted', 0, null],
    ]);
    expect(await tableRows(tenant, 'instance_locks', 'instance_id')).toEqual([]);
  });

  it('creates the next execution and moves the pointer forward only (ContinueAsNew)', async () => {
    await createInstance('A');
    await backend.enqueueOrchestratorWork(continueAsNew('A', { input: '{"page":2}' }), BASE_MS, null);
    const item = await fetchOne(BASE_MS + 1);
    await backend.ackOrchestrationItem(
      turn(item.lockToken, BASE_MS + 1, { executionId: 2, historyDelta: [orchestrationStarted(1)] as HistoryEvent[] }),
    );
    expect(
      (await tableRows(tenant, 'executions', 'execution_id')).map((row) => [row.execution_id, row.status]),
    ).toEqual([
      ['1', 'Running'],
      ['2', 'Running'],
    ]);
    expect((await tableRows(tenant, 'instances', 'instance_id'))[0]!.current_execution_id).toBe('2');

    // A late turn for execution 1 records its status but never moves the pointer back; no name without a version.
    await backend.enqueueOrchestratorWork(externalRaised('A'), BASE_MS + 2, null);
    const late = await fetchOne(BASE_MS + 2);
    await backend.ackOrchestrationItem(
      turn(late.lockToken, BASE_MS + 2, {
        metadata: { status: 'ContinuedAsNew', output: '{"page":2}', orchestrationName: 'Ignored' },
      }),
    );
    const [instance] = await tableRows(tenant, 'instances', 'instance_id');
    expect([instance!.current_execution_id, instance!.orchestration_name]).toEqual(['2', 'TestOrch']);
    expect((instance!.updated_at as Date).getTime()).toBe(BASE_MS + 2);
    const [first] = await tableRows(tenant, 'executions', 'execution_id');
    expect([first!.status, first!.output, (first!.completed_at as Date).getTime()]).toEqual([
      'ContinuedAsNew',
      '{"page":2}',
      BASE_MS + 2,
    ]);
  });

  it('fails with DXL01 for an unknown token and changes nothing', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    await fetchOne(BASE_MS);
    await expectFailsChangingNothing(
      () =>
        backend.ackOrchestrationItem(
          turn('invalid-token', BASE_MS, { historyDelta: [orchestrationStarted(1)] as HistoryEvent[] }),
        ),
      { code: 'DXL01', message: 'Invalid lock token' },
    );
  });

  it('fails with DXL02 once the lock expired, keeping the lock row and the tags', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    const item = await fetchOne(BASE_MS, 1_000);
    await expectFailsChangingNothing(() => backend.ackOrchestrationItem(turn(item.lockToken, BASE_MS + 1_000)), {
      code: 'DXL02',
      message: 'Invalid lock token: the lock expired',
    });
    // One millisecond earlier it is still live.
    await backend.ackOrchestrationItem(turn(item.lockToken, BASE_MS + 999));
    expect(await tableRows(tenant, 'orchestrator_queue', 'id')).toEqual([]);
  });

  it('rejects a duplicate event id (stored already, or twice in the delta) with 23505 and changes nothing', async () => {
    await createInstance('A');
    await backend.enqueueOrchestratorWork(activityCompleted('A', 2), BASE_MS, null);
    const item = await fetchOne(BASE_MS + 1);
    const withWork = (delta: unknown[]) =>
      turn(item.lockToken, BASE_MS + 1, {
        historyDelta: delta as HistoryEvent[],
        workerItems: [activityExecute('A', 5)] as WorkItem[],
        orchestratorItems: [start('A::c')],
        metadata: { status: 'Completed', output: 'x', orchestrationName: 'N', orchestrationVersion: 'V' },
      });

    await expectFailsChangingNothing(
      () => backend.ackOrchestrationItem(withWork([activityScheduled(3), activityScheduled(1)])),
      {
        code: '23505',
        message: 'Duplicate event_id 1 in execution 1 of instance A',
      },
    );
    await expectFailsChangingNothing(
      () => backend.ackOrchestrationItem(withWork([activityScheduled(4), activityScheduled(3), activityScheduled(3)])),
      {
        code: '23505',
        message: 'Duplicate event_id 3 in execution 1 of instance A',
      },
    );
    // The lock survived both failures.
    await backend.ackOrchestrationItem(withWork([activityScheduled(2)]));
    expect(await tableRows(tenant, 'history', 'event_id')).toHaveLength(2);
  });

  it('rejects an unknown status and a nameless child start with 22023, changing nothing', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    const item = await fetchOne(BASE_MS);
    await expectFailsChangingNothing(
      () =>
        backend.ackOrchestrationItem(turn(item.lockToken, BASE_MS, { metadata: { status: 'Bogus' as 'Completed' } })),
      { code: '22023', message: 'Unknown status Bogus: expected Running, Completed, Failed or ContinuedAsNew' },
    );
    await expectFailsChangingNothing(
      () =>
        backend.ackOrchestrationItem(
          turn(item.lockToken, BASE_MS, {
            historyDelta: [orchestrationStarted(1)] as HistoryEvent[],
            orchestratorItems: [start('A::c', { orchestration: '' })],
          }),
        ),
      { code: '22023', message: 'StartOrchestration needs an orchestration name' },
    );
  });

  it('lets exactly one of two concurrent acks with the same token succeed, even with empty turns', async () => {
    for (let round = 0; round < 10; round++) {
      await emptyTables(tenant);
      await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
      const item = await fetchOne(BASE_MS);
      const outcomes = await Promise.allSettled([
        backend.ackOrchestrationItem(turn(item.lockToken, BASE_MS)),
        backend.ackOrchestrationItem(turn(item.lockToken, BASE_MS)),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ code: 'DXL01', message: 'Invalid lock token' });
    }
  });
});

// --- abandon --------------------------------------------------------------------------------------------------

describe('abandonOrchestrationItem', () => {
  it('without a delay releases the lock and untags the batch, leaving visibility alone', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    const item = await fetchOne(BASE_MS + 10);
    await backend.abandonOrchestrationItem(item.lockToken, BASE_MS + 20, null);

    expect(await tableRows(tenant, 'instance_locks', 'instance_id')).toEqual([]);
    expect(
      (await tableRows(tenant, 'orchestrator_queue', 'id')).map((row) => [
        row.lock_token,
        row.locked_until,
        row.visible_at,
      ]),
    ).toEqual([[null, null, String(BASE_MS)]]);
    expect((await fetchOne(BASE_MS + 20)).messages).toEqual([start('A')]);
  });

  it('with a delay hides every visible message of the instance, including ones that arrived during the turn', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    const item = await fetchOne(BASE_MS);
    await backend.enqueueOrchestratorWork(externalRaised('A'), BASE_MS + 1, null);
    await backend.enqueueOrchestratorWork(timerFired('A', 2, BASE_MS + 90_000), BASE_MS + 1, null);
    await backend.enqueueOrchestratorWork(start('B'), BASE_MS + 1, null);

    await backend.abandonOrchestrationItem(item.lockToken, BASE_MS + 10, 500);
    expect(
      (await tableRows(tenant, 'orchestrator_queue', 'id')).map((row) => [
        row.instance_id,
        Number(row.visible_at) - BASE_MS,
        row.lock_token,
      ]),
    ).toEqual([
      ['A', 510, null],
      ['A', 510, null],
      ['A', 90_000, null],
      ['B', 1, null],
    ]);
    expect((await fetchOne(BASE_MS + 509)).instance).toBe('B');
    expect(await fetchOne(BASE_MS + 510)).toMatchObject({ instance: 'A', messages: [start('A'), externalRaised('A')] });
  });

  it('succeeds on an expired lock nobody took, and fails with DXL01 for an unknown or used token', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    const item = await fetchOne(BASE_MS, 1_000);
    await backend.abandonOrchestrationItem(item.lockToken, BASE_MS + 5_000, null);
    await expectFailsChangingNothing(() => backend.abandonOrchestrationItem(item.lockToken, BASE_MS + 5_000, null), {
      code: 'DXL01',
      message: 'Invalid lock token',
    });
    await fetchOne(BASE_MS + 5_000);
    await expectFailsChangingNothing(() => backend.abandonOrchestrationItem('invalid-token', BASE_MS + 5_000, 100), {
      code: 'DXL01',
      message: 'Invalid lock token',
    });
  });
});

// --- worker queue ---------------------------------------------------------------------------------------------

describe('worker queue', () => {
  it('dequeues in FIFO order with fresh uuid tokens and peek-locks until expiry', async () => {
    for (let id = 0; id < 3; id++) await backend.enqueueWorkerWork(activityExecute('A', id), BASE_MS);
    const [created] = await tableRows(tenant, 'worker_queue', 'id');
    expect((created!.created_at as Date).getTime()).toBe(BASE_MS);

    const leases = [];
    for (let i = 0; i < 3; i++) leases.push(await backend.dequeueWorkerPeekLock(BASE_MS, 1_000));
    expect(leases.map((lease) => lease?.item)).toEqual([0, 1, 2].map((id) => activityExecute('A', id)));
    expect(leases.every((lease) => UUID.test(lease!.lockToken))).toBe(true);
    expect(new Set(leases.map((lease) => lease!.lockToken)).size).toBe(3);
    expect(await backend.dequeueWorkerPeekLock(BASE_MS + 999, 1_000)).toBeNull();
    expect((await tableRows(tenant, 'worker_queue', 'id')).map((row) => row.locked_until)).toEqual(
      Array(3).fill(String(BASE_MS + 1_000)),
    );

    const redelivered = await backend.dequeueWorkerPeekLock(BASE_MS + 1_000, 1_000);
    expect(redelivered?.item).toEqual(activityExecute('A', 0));
    expect(redelivered?.lockToken).not.toBe(leases[0]!.lockToken);
  });

  it('hands each of many parallel dequeuers a different item', async () => {
    for (let id = 0; id < 10; id++) await backend.enqueueWorkerWork(activityExecute('A', id), BASE_MS);
    const leases = await Promise.all(Array.from({ length: 12 }, () => backend.dequeueWorkerPeekLock(BASE_MS, LOCK_MS)));
    const items = leases
      .filter((lease) => lease !== null)
      .map((lease) => (lease.item as { ActivityExecute: { id: number } }).ActivityExecute.id);
    expect(items.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('acks by deleting the row and enqueueing the completion for its instance, visible now', async () => {
    await backend.enqueueWorkerWork(activityExecute('A', 2), BASE_MS);
    const lease = await backend.dequeueWorkerPeekLock(BASE_MS, LOCK_MS);
    await backend.ackWorker(lease!.lockToken, activityCompleted('A', 2), BASE_MS + 7);

    expect(await tableRows(tenant, 'worker_queue', 'id')).toEqual([]);
    expect(
      (await tableRows(tenant, 'orchestrator_queue', 'id')).map((row) => [
        row.instance_id,
        row.work_item,
        row.visible_at,
      ]),
    ).toEqual([['A', activityCompleted('A', 2), String(BASE_MS + 7)]]);
    expect(await tableRows(tenant, 'instances', 'instance_id')).toEqual([]);
  });

  it('refuses a completion that routes nowhere (22023), keeping the lease', async () => {
    await backend.enqueueWorkerWork(activityExecute('A', 2), BASE_MS);
    const lease = await backend.dequeueWorkerPeekLock(BASE_MS, LOCK_MS);
    await expectFailsChangingNothing(() => backend.ackWorker(lease!.lockToken, activityCompleted('', 2), BASE_MS), {
      code: '22023',
      message: 'ActivityCompleted work item has no target instance',
    });
    await backend.ackWorker(lease!.lockToken, activityCompleted('A', 2), BASE_MS);
  });

  it('fails with DXW01 for a token that matches nothing (unknown, acked, or superseded) and changes nothing', async () => {
    await backend.enqueueWorkerWork(activityExecute('A', 2), BASE_MS);
    const stale = await backend.dequeueWorkerPeekLock(BASE_MS, 1_000);
    const current = await backend.dequeueWorkerPeekLock(BASE_MS + 1_000, 1_000);
    const failure = { code: 'DXW01', message: 'Worker queue item not found or already processed' };
    const completion = activityCompleted('A', 2) as ActivityCompletion;

    await expectFailsChangingNothing(() => backend.ackWorker('unknown', completion, BASE_MS + 1_001), failure);
    await expectFailsChangingNothing(() => backend.ackWorker(stale!.lockToken, completion, BASE_MS + 1_001), failure);
    await backend.ackWorker(current!.lockToken, completion, BASE_MS + 1_001);
    await expectFailsChangingNothing(() => backend.ackWorker(current!.lockToken, completion, BASE_MS + 1_002), failure);
    expect(await tableRows(tenant, 'orchestrator_queue', 'id')).toHaveLength(1);
  });
});

// --- history and reads ----------------------------------------------------------------------------------------

describe('history and reads', () => {
  it('appends events all or nothing, rejecting duplicates with 23505; an empty append does nothing', async () => {
    await backend.appendWithExecution(
      'A',
      1,
      [orchestrationStarted(1), activityScheduled(2)] as HistoryEvent[],
      BASE_MS + 3,
    );
    await backend.appendWithExecution('A', 1, [], BASE_MS);
    const history = await tableRows(tenant, 'history', 'event_id');
    expect(history.map((row) => [row.event_id, row.event_type])).toEqual([
      ['1', 'OrchestrationStarted'],
      ['2', 'ActivityScheduled'],
    ]);
    expect((history[1]!.created_at as Date).getTime()).toBe(BASE_MS + 3);

    await expectFailsChangingNothing(
      () =>
        backend.appendWithExecution('A', 1, [activityScheduled(3), activityScheduled(2)] as HistoryEvent[], BASE_MS),
      { code: '23505', message: 'Duplicate event_id 2 in execution 1 of instance A' },
    );
    // The same id in another execution is a different event.
    await backend.appendWithExecution('A', 2, [activityScheduled(2)] as HistoryEvent[], BASE_MS);
  });

  it('reads only the current execution, exact executions on request, and nothing for an unknown instance', async () => {
    await createInstance('A');
    await backend.enqueueOrchestratorWork(start('A', { executionId: 2 }), BASE_MS, null);
    const item = await fetchOne(BASE_MS + 1);
    await backend.ackOrchestrationItem(
      turn(item.lockToken, BASE_MS + 1, {
        executionId: 2,
        historyDelta: [activityScheduled(1, 'B', 2)] as HistoryEvent[],
      }),
    );

    expect(await backend.read('A')).toEqual([activityScheduled(1, 'B', 2)]);
    expect(await backend.readWithExecution('A', 1)).toEqual([orchestrationStarted(1)]);
    expect(await backend.readWithExecution('A', 3)).toEqual([]);
    expect(await backend.read('nobody')).toEqual([]);
    expect(await backend.latestExecutionId('A')).toBe(2);
    expect(await backend.latestExecutionId('nobody')).toBeNull();
    expect(await backend.listExecutions('A')).toEqual([1, 2]);
    expect(await backend.listExecutions('nobody')).toEqual([]);
  });

  it('falls back to the highest executions row, then the highest history row, without an instance row', async () => {
    await backend.appendWithExecution('H', 3, [activityScheduled(1, 'three', 3)] as HistoryEvent[], BASE_MS);
    await backend.appendWithExecution('H', 1, [activityScheduled(1, 'one')] as HistoryEvent[], BASE_MS);
    expect(await backend.latestExecutionId('H')).toBe(3);
    expect(await backend.read('H')).toEqual([activityScheduled(1, 'three', 3)]);

    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.executions (instance_id, execution_id, status, started_at) VALUES ('H', 1, 'Running', now())`,
    );
    expect(await backend.latestExecutionId('H')).toBe(1);
    expect(await backend.read('H')).toEqual([activityScheduled(1, 'one')]);
  });

  it('lists instances newest first, ties by id', async () => {
    await backend.enqueueOrchestratorWork(start('b'), BASE_MS, null);
    await backend.enqueueOrchestratorWork(start('a'), BASE_MS, null);
    await backend.enqueueOrchestratorWork(start('c'), BASE_MS + 1, null);
    await backend.enqueueOrchestratorWork(start('old'), BASE_MS - 1, null);
    expect(await backend.listInstances()).toEqual(['c', 'a', 'b', 'old']);
  });
});

// --- management -----------------------------------------------------------------------------------------------

describe('management', () => {
  it('describes an instance by its current execution, with epoch-ms timestamps', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    const item = await fetchOne(BASE_MS + 5);
    await backend.ackOrchestrationItem(
      turn(item.lockToken, BASE_MS + 5, {
        historyDelta: [orchestrationStarted(1, 'InfoOrch', '2.0.0')] as HistoryEvent[],
        metadata: {
          status: 'Completed',
          output: 'result',
          orchestrationName: 'InfoOrch',
          orchestrationVersion: '2.0.0',
        },
      }),
    );

    expect(await backend.getInstanceInfo('A')).toEqual({
      instanceId: 'A',
      orchestrationName: 'InfoOrch',
      orchestrationVersion: '2.0.0',
      currentExecutionId: 1,
      status: 'Completed',
      output: 'result',
      createdAt: BASE_MS,
      updatedAt: BASE_MS + 5,
      parentInstanceId: null,
    });
    expect(await backend.getExecutionInfo('A', 1)).toEqual({
      executionId: 1,
      status: 'Completed',
      output: 'result',
      startedAt: BASE_MS + 0,
      completedAt: BASE_MS + 5,
      eventCount: 1,
    });
  });

  it('reports a current execution without a row as Running', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    await tenant.pool.query(`DELETE FROM ${tenant.quoted}.executions`);
    expect(await backend.getInstanceInfo('A')).toMatchObject({ status: 'Running', output: null });
    expect(await backend.listInstancesByStatus('Running')).toEqual(['A']);
  });

  it('fails with P0002 for an unknown instance or execution', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    expect(await failureOf(backend.getInstanceInfo('nobody'))).toEqual({
      code: 'P0002',
      message: 'Instance not found: nobody',
    });
    expect(await failureOf(backend.getExecutionInfo('A', 2))).toEqual({
      code: 'P0002',
      message: 'Execution not found: 2 of instance A',
    });
  });

  it('lists instances by the status of their current execution and counts the store', async () => {
    for (const [instance, status] of [
      ['done', 'Completed'],
      ['broken', 'Failed'],
      ['looped', 'ContinuedAsNew'],
    ] as const) {
      await backend.enqueueOrchestratorWork(start(instance), BASE_MS, null);
      const item = await fetchOne(BASE_MS);
      await backend.ackOrchestrationItem(
        turn(item.lockToken, BASE_MS, {
          historyDelta: [orchestrationStarted(1)] as HistoryEvent[],
          metadata: { status },
        }),
      );
    }
    await backend.enqueueOrchestratorWork(start('running'), BASE_MS + 1, null);

    expect(await backend.listInstancesByStatus('Completed')).toEqual(['done']);
    expect(await backend.listInstancesByStatus('Running')).toEqual(['running']);
    expect(await backend.listInstancesByStatus('ContinuedAsNew')).toEqual(['looped']);
    expect(await backend.listInstancesByStatus('completed')).toEqual([]);
    expect(await backend.getSystemMetrics()).toEqual({
      totalInstances: 4,
      totalExecutions: 4,
      runningInstances: 1,
      completedInstances: 1,
      failedInstances: 1,
      totalEvents: 3,
    });
  });

  it('counts queue messages that are visible and not under a live lock', async () => {
    await backend.enqueueOrchestratorWork(start('A'), BASE_MS, null);
    await backend.enqueueOrchestratorWork(start('B'), BASE_MS, null);
    await backend.enqueueOrchestratorWork(externalRaised('C'), BASE_MS, 100);
    await backend.enqueueWorkerWork(activityExecute('A', 1), BASE_MS);
    await backend.enqueueWorkerWork(activityExecute('A', 2), BASE_MS);
    await fetchOne(BASE_MS, 1_000);
    await backend.dequeueWorkerPeekLock(BASE_MS, 1_000);

    expect(await backend.getQueueDepths(BASE_MS)).toEqual({ orchestratorQueue: 1, workerQueue: 1, timerQueue: 0 });
    expect(await backend.getQueueDepths(BASE_MS + 100)).toEqual({
      orchestratorQueue: 2,
      workerQueue: 1,
      timerQueue: 0,
    });
    expect(await backend.getQueueDepths(BASE_MS + 1_000)).toEqual({
      orchestratorQueue: 3,
      workerQueue: 2,
      timerQueue: 0,
    });
  });
});
