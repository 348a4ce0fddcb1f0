import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
/**
 * Parity of the inline-SQL baseline with the stored procedures: one script over every operation, failing paths
 * included, runs through each in its own schema; the results, the errors (SQLSTATE and message) and every table row
 * must be identical.
 */
import { describe, expect, it } from 'vitest';
import { InlineBackend } from '../../provider/inline/inline-backend.js';
import type { HistoryEvent } from '../../provider/types/history-event.js';
import type { ProviderBackend, StoredTurn } from '../../provider/backend.js';
import type { ActivityCompletion, WorkItem } from '../../provider/types/work-item.js';
import { BASE_MS, call, json, LOCK_MS } from '../support/procedure-calls.js';
import { storeOrchestratorMessage, storeWorkerItem } from '../support/stored-rows.js';
import { randomSchemaName, type TenantSchema, useTenantSchema } from '../support/tenant-schema.js';
import {
  activityCompleted,
  activityExecute,
  activityFailed,
  activityScheduled,
  continueAsNew,
  externalRaised,
  orchestrationStarted,
  subOrchCompleted,
  timerFired,
} from '../support/work-items.js';
import { type Failure, start, turn } from './inline-test-helpers.js';

const inlineTenant = useTenantSchema({ name: randomSchemaName('Inline "Tenant"') });
// The inline SQL is the contract-v1 baseline on the v2 data model: its reference is the procedures without 0008, whose
// contract-v2 orchestrator queue changed v1's semantics (instances created by the first ack, not by the enqueue). The
// v2 worker queue (0009) stays: the v1 worker calls (dequeue, ack) are its default-argument calls. 0012 and 0013
// redefine 0008's functions (v2 signatures; on v1's they would add ambiguous overloads), so they go with it; 0012's
// history append and worker fetch answer as 0002's and 0009's, which the procedure and provider tests check on the
// full migration set.
const procedureTenant = useTenantSchema({ name: randomSchemaName('Procedures "Tenant"'), except: [8, 12, 13] });

/** A JSON argument as the generated client binds it: null is SQL NULL, anything else JSON text. */
const jsonOrNull = (value: unknown) => (value === null ? null : json(value));

/** The (v1) procedures behind the same interface, called directly (test-only; the provider has its own client). */
function proceduresBackend(schema: TenantSchema): ProviderBackend {
  const rowsOf = async (procedure: string, ...args: unknown[]) => (await call(schema, procedure, ...args)).rows;
  const events = async (procedure: string, ...args: unknown[]) =>
    (await rowsOf(procedure, ...args)).map((row) => row.event_data as HistoryEvent);
  return {
    async fetchOrchestrationItem(nowMs, lockTimeoutMs) {
      const [row] = await rowsOf('sp_fetch_orchestration_item', nowMs, lockTimeoutMs);
      if (row === undefined) return null;
      return {
        instance: row.instance_id as string,
        orchestrationName: row.orchestration_name as string,
        executionId: Number(row.execution_id),
        version: row.orchestration_version as string,
        history: row.history as HistoryEvent[],
        messages: row.messages as WorkItem[],
        kvSnapshot: {},
        lockToken: row.lock_token as string,
        attemptCount: 1,
      };
    },
    async ackOrchestrationItem(ack) {
      const { metadata } = ack;
      await call(
        schema,
        'sp_ack_orchestration_item',
        ack.lockToken,
        ack.nowMs,
        ack.executionId,
        json(ack.historyDelta),
        json(ack.workerItems),
        json(ack.orchestratorItems),
        metadata.status ?? null,
        metadata.output ?? null,
        metadata.orchestrationName ?? null,
        metadata.orchestrationVersion ?? null,
      );
    },
    async abandonOrchestrationItem(lockToken, nowMs, delayMs) {
      await call(schema, 'sp_abandon_orchestration_item', lockToken, nowMs, delayMs);
    },
    read: (instance) => events('sp_read_current_history', instance),
    readWithExecution: (instance, executionId) => events('sp_read_history', instance, executionId),
    async appendWithExecution(instance, executionId, history, nowMs) {
      await call(schema, 'sp_append_history', instance, executionId, json(history), nowMs);
    },
    async enqueueWorkerWork(item, nowMs) {
      await call(schema, 'sp_enqueue_worker_work', jsonOrNull(item), nowMs);
    },
    async dequeueWorkerPeekLock(nowMs, lockTimeoutMs) {
      const [row] = await rowsOf('sp_fetch_work_item', nowMs, lockTimeoutMs);
      return row === undefined ? null : { item: row.work_item as WorkItem, lockToken: row.lock_token as string };
    },
    async ackWorker(lockToken, completion, nowMs) {
      await call(schema, 'sp_ack_work_item', lockToken, json(completion), nowMs);
    },
    async enqueueOrchestratorWork(item, nowMs, delayMs) {
      await call(schema, 'sp_enqueue_orchestrator_work', jsonOrNull(item), nowMs, delayMs);
    },
    async latestExecutionId(instance) {
      const [row] = await rowsOf('sp_get_latest_execution_id', instance);
      return row!.sp_get_latest_execution_id === null ? null : Number(row!.sp_get_latest_execution_id);
    },
    listInstances: async () => (await rowsOf('sp_list_instances')).map((row) => row.instance_id as string),
    listExecutions: async (instance) =>
      (await rowsOf('sp_list_executions', instance)).map((row) => Number(row.execution_id)),
    listInstancesByStatus: async (status) =>
      (await rowsOf('sp_list_instances_by_status', status)).map((row) => row.instance_id as string),
    async getInstanceInfo(instance) {
      const [row] = await rowsOf('sp_get_instance_info', instance);
      return {
        instanceId: row!.instance_id as string,
        orchestrationName: row!.orchestration_name as string,
        orchestrationVersion: (row!.orchestration_version as string | null) ?? 'unknown',
        currentExecutionId: Number(row!.current_execution_id),
        status: row!.status as string,
        output: row!.output as string | null,
        createdAt: (row!.created_at as Date).getTime(),
        updatedAt: (row!.updated_at as Date).getTime(),
        parentInstanceId: row!.parent_instance_id as string | null,
      };
    },
    async getExecutionInfo(instance, executionId) {
      const [row] = await rowsOf('sp_get_execution_info', instance, executionId);
      return {
        executionId: Number(row!.execution_id),
        status: row!.status as string,
        output: row!.output as string | null,
        startedAt: (row!.started_at as Date).getTime(),
        completedAt: row!.completed_at === null ? null : (row!.completed_at as Date).getTime(),
        eventCount: Number(row!.event_count),
      };
    },
    async getSystemMetrics() {
      const [row] = await rowsOf('sp_get_system_metrics');
      return {
        totalInstances: Number(row!.total_instances),
        totalExecutions: Number(row!.total_executions),
        runningInstances: Number(row!.running_instances),
        completedInstances: Number(row!.completed_instances),
        failedInstances: Number(row!.failed_instances),
        totalEvents: Number(row!.total_events),
      };
    },
    async getQueueDepths(nowMs) {
      const [row] = await rowsOf('sp_get_queue_depths', nowMs);
      return {
        orchestratorQueue: Number(row!.orchestrator_queue),
        workerQueue: Number(row!.worker_queue),
        timerQueue: 0,
      };
    },
  };
}

type Outcome = { step: string; value: unknown } | { step: string; error: Failure };

/**
 * One long script over every operation, including the failing paths. Returns what each step returned or the
 * SQLSTATE and message it failed with.
 */
async function runScript(b: ProviderBackend, schema: TenantSchema): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  async function step<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await run();
      outcomes.push({ step: name, value: value ?? null });
      return value;
    } catch (error) {
      const { code, message } = error as Failure;
      outcomes.push({ step: name, error: { code, message } });
      return undefined;
    }
  }
  const T = BASE_MS;
  const started = [orchestrationStarted(1, 'Renamed', '2.0.0')] as HistoryEvent[];

  await step('start A', () => b.enqueueOrchestratorWork(start('A', { version: null }), T, null));
  await step('start B', () => b.enqueueOrchestratorWork(start('B', { version: '3.0.0', executionId: 2 }), T + 1, null));
  await step('orphan', () => b.enqueueOrchestratorWork(externalRaised('orphan') as WorkItem, T + 2, null));
  await step('timer A', () => b.enqueueOrchestratorWork(timerFired('A', 9, T + 5_000) as WorkItem, T + 3, 1_000));
  await step('child done', () => b.enqueueOrchestratorWork(subOrchCompleted('A', 4) as WorkItem, T + 4, null));
  await step('nameless', () => b.enqueueOrchestratorWork(start('X', { orchestration: '' }), T + 4, null));
  await step('bad execution', () => b.enqueueOrchestratorWork(start('X', { executionId: 0 }), T + 4, null));
  await step('bad timer', () => b.enqueueOrchestratorWork(timerFired('A', 9, 1.5) as WorkItem, T + 4, null));
  // Ids and times a JavaScript number cannot hold exactly are refused alike (issue 9).
  await step('unsafe execution', () => b.enqueueOrchestratorWork(start('X', { executionId: 2 ** 53 }), T + 4, null));
  await step('unsafe timer', () => b.enqueueOrchestratorWork(timerFired('A', 9, 2 ** 53) as WorkItem, T + 4, null));
  await step('activity to orchestrator', () =>
    b.enqueueOrchestratorWork(activityExecute('A', 1) as WorkItem, T + 4, null),
  );
  await step('unknown kind', () =>
    b.enqueueOrchestratorWork({ Bogus: { instance: 'A' } } as unknown as WorkItem, T + 4, null),
  );
  await step('shapeless', () => b.enqueueOrchestratorWork({ TimerFired: 1 } as unknown as WorkItem, T + 4, null));
  await step('no target', () => b.enqueueOrchestratorWork(subOrchCompleted('', 1) as WorkItem, T + 4, null));
  await step('no item', () => b.enqueueOrchestratorWork(null as unknown as WorkItem, T + 4, null));
  await step('message to worker', () => b.enqueueWorkerWork(externalRaised('A') as WorkItem, T + 4));
  await step('shapeless to worker', () => b.enqueueWorkerWork([] as unknown as WorkItem, T + 4));
  await step('no item to worker', () => b.enqueueWorkerWork(null as unknown as WorkItem, T + 4));
  await step('continue', () =>
    b.enqueueOrchestratorWork(continueAsNew('cont', { orchestration: 'Loop', input: '1', version: null }), T + 5, null),
  );
  const fetchedA = await step('fetch A', () => b.fetchOrchestrationItem(T + 10, LOCK_MS));
  const fetchedB = await step('fetch B', () => b.fetchOrchestrationItem(T + 10, LOCK_MS));
  const fetchedOrphan = await step('fetch orphan', () => b.fetchOrchestrationItem(T + 10, LOCK_MS));
  const fetchedCont = await step('fetch cont', () => b.fetchOrchestrationItem(T + 10, LOCK_MS));
  await step('fetch none', () => b.fetchOrchestrationItem(T + 10, LOCK_MS));
  await step('raise during turn', () => b.enqueueOrchestratorWork(externalRaised('A') as WorkItem, T + 11, null));

  const tokenA = fetchedA?.lockToken ?? 'missing';
  await step('ack unknown', () => b.ackOrchestrationItem(turn('nope', T + 20)));
  await step('ack duplicate', () =>
    b.ackOrchestrationItem(
      turn(tokenA, T + 20, { historyDelta: [activityScheduled(2), activityScheduled(2)] as HistoryEvent[] }),
    ),
  );
  await step('ack bad status', () =>
    b.ackOrchestrationItem(turn(tokenA, T + 20, { metadata: { status: 'Nope' as 'Failed' } })),
  );
  await step('ack event id 0', () =>
    b.ackOrchestrationItem(
      turn(tokenA, T + 20, { historyDelta: [activityScheduled(1), activityScheduled(0)] as HistoryEvent[] }),
    ),
  );
  await step('ack shapeless event', () =>
    b.ackOrchestrationItem(turn(tokenA, T + 20, { historyDelta: [{}] as unknown as HistoryEvent[] })),
  );
  await step('ack message as worker item', () =>
    b.ackOrchestrationItem(turn(tokenA, T + 20, { workerItems: [externalRaised('A')] as WorkItem[] })),
  );
  await step('ack activity as orchestrator item', () =>
    b.ackOrchestrationItem(turn(tokenA, T + 20, { orchestratorItems: [activityExecute('A', 2)] as WorkItem[] })),
  );
  await step('ack A', () =>
    b.ackOrchestrationItem(
      turn(tokenA, T + 20, {
        historyDelta: [...started, activityScheduled(2), activityScheduled(3)],
        workerItems: [activityExecute('A', 2), activityExecute('A', 3)] as WorkItem[],
        orchestratorItems: [
          start('A::child', { parentInstance: 'A', version: null }),
          timerFired('A', 5, T + 100),
          subOrchCompleted('grandparent', 6),
        ] as WorkItem[],
        metadata: { orchestrationName: 'Renamed', orchestrationVersion: '2.0.0' },
      }),
    ),
  );
  await step('ack A again', () => b.ackOrchestrationItem(turn(tokenA, T + 21)));
  await step('abandon B', () => b.abandonOrchestrationItem(fetchedB?.lockToken ?? 'missing', T + 30, 500));
  await step('abandon B again', () => b.abandonOrchestrationItem(fetchedB?.lockToken ?? 'missing', T + 30, null));
  await step('ack orphan', () => b.ackOrchestrationItem(turn(fetchedOrphan?.lockToken ?? 'missing', T + 31)));
  await step('abandon cont', () => b.abandonOrchestrationItem(fetchedCont?.lockToken ?? 'missing', T + 32, null));
  // B is held by its abandon until T + 530: a message for it that arrives meanwhile is not fetched alone, whatever else
  // is fetchable. Everything fetched here is given back at once, as it was.
  await step('raise B during hold', () => b.enqueueOrchestratorWork(externalRaised('B') as WorkItem, T + 33, null));
  const duringHold: StoredTurn[] = [];
  for (let i = 0; i < 8; i++) {
    const item = await step(`fetch during hold ${i}`, () => b.fetchOrchestrationItem(T + 35, LOCK_MS));
    if (!item) break;
    duringHold.push(item);
  }
  for (const item of duringHold) {
    await step(`give back ${item.instance}`, () => b.abandonOrchestrationItem(item.lockToken, T + 35, null));
  }

  const lease1 = await step('dequeue 1', () => b.dequeueWorkerPeekLock(T + 40, 1_000));
  const lease2 = await step('dequeue 2', () => b.dequeueWorkerPeekLock(T + 40, 1_000));
  await step('dequeue none', () => b.dequeueWorkerPeekLock(T + 40, 1_000));
  await step('ack worker unknown', () => b.ackWorker('nope', activityCompleted('A', 2) as ActivityCompletion, T + 41));
  await step('ack worker wrong kind', () =>
    b.ackWorker(lease1?.lockToken ?? 'missing', externalRaised('A') as WorkItem, T + 41),
  );
  await step('ack worker shapeless', () =>
    b.ackWorker(lease1?.lockToken ?? 'missing', { ActivityCompleted: 'x' } as unknown as WorkItem, T + 41),
  );
  await step('ack worker 1', () =>
    b.ackWorker(lease1?.lockToken ?? 'missing', activityCompleted('A', 2) as ActivityCompletion, T + 41),
  );
  const lease2again = await step('redeliver 2', () => b.dequeueWorkerPeekLock(T + 1_040, 1_000));
  await step('ack worker stale', () =>
    b.ackWorker(lease2?.lockToken ?? 'missing', activityCompleted('A', 3) as ActivityCompletion, T + 1_041),
  );
  const failed = activityFailed('A', 3) as ActivityCompletion;
  await step('ack worker to no instance', () =>
    b.ackWorker(lease2again?.lockToken ?? 'missing', activityCompleted('', 3) as ActivityCompletion, T + 1_041),
  );
  await step('ack worker 2', () => b.ackWorker(lease2again?.lockToken ?? 'missing', failed, T + 1_041));

  // Rows no provider call writes (valid JSONB, but not work items) must be handled alike and not stall anything.
  await step('store corrupt rows', async () => {
    for (const [instance, item] of [
      ['corrupt-string', 'StartOrchestration'],
      ['corrupt-start', { StartOrchestration: null, extra: 1 }],
      ['corrupt-array', ['ContinueAsNew']],
    ] as const) {
      await storeOrchestratorMessage(schema, instance, item, T + 1_050);
    }
    await storeWorkerItem(schema, { NotAnActivity: 42 });
  });
  await step('dequeue corrupt', () => b.dequeueWorkerPeekLock(T + 1_060, 1_000));

  const round: (StoredTurn | null | undefined)[] = [];
  for (let i = 0; i < 9; i++)
    round.push(await step(`fetch round ${i}`, () => b.fetchOrchestrationItem(T + 1_100, 100)));
  await step('ack expired', () => b.ackOrchestrationItem(turn(round[0]?.lockToken ?? 'missing', T + 1_200)));
  const refetched = await step('refetch expired', () => b.fetchOrchestrationItem(T + 1_200, LOCK_MS));
  await step('complete', () =>
    b.ackOrchestrationItem(
      turn(refetched?.lockToken ?? 'missing', T + 1_201, { metadata: { status: 'Completed', output: 'done' } }),
    ),
  );
  for (let i = 1; i < round.length && round[i]; i++) {
    await step(`continue as new ${i}`, () =>
      b.ackOrchestrationItem(
        turn(round[i]?.lockToken ?? 'missing', T + 1_150, {
          executionId: 2,
          historyDelta: started,
          metadata: { status: i % 2 === 0 ? 'Failed' : 'ContinuedAsNew', output: `out ${i}` },
        }),
      ),
    );
  }

  await step('append', () => b.appendWithExecution('H', 2, [...started, activityScheduled(2)], T + 2_000));
  await step('append duplicate', () =>
    b.appendWithExecution('H', 2, [activityScheduled(3), activityScheduled(1)], T + 2_000),
  );
  await step('append empty', () => b.appendWithExecution('H', 3, [], T + 2_000));
  await step('append event id 0', () => b.appendWithExecution('H', 3, [activityScheduled(0)], T + 2_000));
  await step('append unsafe event id', () => b.appendWithExecution('H', 3, [activityScheduled(2.5)], T + 2_000));
  await step('append event id 2^53', () => b.appendWithExecution('H', 3, [activityScheduled(2 ** 53)], T + 2_000));
  for (const instance of ['A', 'B', 'H', 'cont', 'orphan', 'nobody']) {
    await step(`read ${instance}`, () => b.read(instance));
    await step(`read ${instance} 1`, () => b.readWithExecution(instance, 1));
    await step(`latest ${instance}`, () => b.latestExecutionId(instance));
    await step(`executions ${instance}`, () => b.listExecutions(instance));
    await step(`info ${instance}`, () => b.getInstanceInfo(instance));
    await step(`execution ${instance} 1`, () => b.getExecutionInfo(instance, 1));
    await step(`execution ${instance} 2`, () => b.getExecutionInfo(instance, 2));
  }
  await step('instances', () => b.listInstances());
  for (const status of ['Running', 'Completed', 'Failed', 'ContinuedAsNew']) {
    await step(`by status ${status}`, () => b.listInstancesByStatus(status));
  }
  await step('metrics', () => b.getSystemMetrics());
  for (const at of [T, T + 1_200, T + 6_000, T + 60_000]) await step(`depths ${at - T}`, () => b.getQueueDepths(at));
  return outcomes;
}

/** Every row of every provider table as JSON, in an order that does not depend on lock tokens. */
async function tableContents(schema: TenantSchema): Promise<Record<string, unknown[]>> {
  const orderBy: Record<string, string> = {
    instances: 'instance_id',
    executions: 'instance_id, execution_id',
    history: 'instance_id, execution_id, event_id',
    orchestrator_queue: 'id',
    worker_queue: 'id',
    instance_locks: 'instance_id',
  };
  const contents: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(orderBy)) {
    const result = await schema.pool.query<{ row: unknown }>(
      `SELECT to_jsonb(t) AS row FROM ${schema.quoted}.${quoteIdentifier(table)} t ORDER BY ${order}`,
    );
    contents[table] = result.rows.map((row) => row.row);
  }
  return contents;
}

/** Replaces each lock token by its order of first appearance, so two runs with random tokens compare equal. */
function withNumberedTokens(outcomes: Outcome[], contents: Record<string, unknown[]>): string {
  let text = JSON.stringify({ outcomes, contents });
  const tokens = [...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [])];
  tokens.forEach((token, index) => (text = text.replaceAll(token, `<token ${index}>`)));
  return text;
}

describe('parity with the stored procedures', () => {
  it('returns, fails and writes exactly alike over a script covering every operation', async () => {
    const inline = await runScript(new InlineBackend(inlineTenant.pool, inlineTenant.name), inlineTenant);
    const procedures = await runScript(proceduresBackend(procedureTenant), procedureTenant);

    // The script reaches the paths it is meant to (so agreement is not agreement on nothing).
    const errors = inline.flatMap((o) => ('error' in o ? [`${o.step}: ${o.error.code}`] : []));
    const heldBack = inline.flatMap((o) => (o.step.startsWith('fetch during hold') ? [o] : []));
    expect(heldBack.length, 'other instances were fetchable while B was held').toBeGreaterThan(1);
    expect(heldBack.map((o) => ('value' in o ? (o.value as StoredTurn | null)?.instance : 'error'))).not.toContain('B');
    expect(errors).toEqual([
      'nameless: 22023',
      'bad execution: 22023',
      'bad timer: 22023',
      'unsafe execution: 22023',
      'unsafe timer: 22023',
      'activity to orchestrator: DXI01',
      'unknown kind: DXI01',
      'shapeless: 22023',
      'no target: 22023',
      'no item: 22023',
      'message to worker: DXI01',
      'shapeless to worker: 22023',
      'no item to worker: 22023',
      'ack unknown: DXL01',
      'ack duplicate: 23505',
      'ack bad status: 22023',
      'ack event id 0: DXE01',
      'ack shapeless event: 22023',
      'ack message as worker item: DXI01',
      'ack activity as orchestrator item: DXI01',
      'ack A again: DXL01',
      'abandon B again: DXL01',
      'ack worker unknown: DXW01',
      'ack worker wrong kind: DXI01',
      'ack worker shapeless: 22023',
      'ack worker stale: DXW01',
      'ack worker to no instance: 22023',
      'ack expired: DXL02',
      'append duplicate: 23505',
      'append event id 0: DXE01',
      'append unsafe event id: DXE01',
      'append event id 2^53: DXE01',
      'execution B 1: P0002', // B started at execution 2
      'info H: P0002', // history only, appended without an instance
      'execution H 1: P0002',
      'execution H 2: P0002',
      'info cont: P0002', // a ContinueAsNew never creates its instance
      'execution cont 1: P0002', // ... nor, without an instance, an execution
      'execution cont 2: P0002',
      'info orphan: P0002', // acking the orphan batch away leaves no instance and no execution behind
      'execution orphan 1: P0002',
      'execution orphan 2: P0002',
      'info nobody: P0002',
      'execution nobody 1: P0002',
      'execution nobody 2: P0002',
    ]);
    expect(withNumberedTokens(inline, await tableContents(inlineTenant))).toBe(
      withNumberedTokens(procedures, await tableContents(procedureTenant)),
    );
  });
});
