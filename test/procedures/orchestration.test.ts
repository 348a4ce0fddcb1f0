import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  LOCK_MS,
  ackItem,
  appendHistory,
  call,
  enqueueOrchestrator,
  expectFailureChangesNothing,
  fetchItem,
  json,
  runTurn,
  tableRows,
  type Turn,
  useEmptyTenantSchema,
  FIRST_TURN,
} from '../support/procedure-calls.js';
import { storeOrchestratorMessage } from '../support/stored-rows.js';
import {
  activityCompleted,
  activityExecute,
  activityScheduled,
  cancelInstance,
  continueAsNew,
  externalRaised,
  orchestrationStarted,
  queueMessage,
  startOrchestration,
  subOrchCompleted,
  timerCreated,
  timerFired,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema();

interface QueueRow {
  id: string;
  instance_id: string;
  work_item: unknown;
  visible_at: string;
  lock_token: string | null;
  locked_until: string | null;
}
const queueRows = () => tableRows<QueueRow>(tenant, 'orchestrator_queue', 'id');
const lockRows = () => tableRows(tenant, 'instance_locks');
const attemptCounts = async () =>
  (await tableRows<{ attempt_count: number }>(tenant, 'orchestrator_queue', 'id')).map((r) => r.attempt_count);

const abandon = (token: string | null, nowMs: number, delayMs: number | null = null) =>
  call(tenant, 'sp_abandon_orchestration_item', token, nowMs, delayMs);

describe('sp_fetch_orchestration_item', () => {
  it('returns zero rows when nothing is queued', async () => {
    const result = await call(tenant, 'sp_fetch_orchestration_item', BASE_MS, LOCK_MS);
    expect(result.rows).toEqual([]);
    expect(result.fields.map((f) => f.name)).toEqual([
      'instance_id',
      'orchestration_name',
      'orchestration_version',
      'execution_id',
      'history',
      'messages',
      'lock_token',
      'attempt_count',
      'kv_snapshot',
    ]);
  });

  it('locks one instance and returns all its visible messages in id order with its history in event_id order', async () => {
    const start = startOrchestration('inst', {
      orchestration: 'Proc',
      version: '2.0.0',
    });
    await enqueueOrchestrator(tenant, start, BASE_MS);
    await runTurn(tenant, 'inst', BASE_MS + 1, {
      delta: [orchestrationStarted(1, 'Proc', '2.0.0'), activityScheduled(2)],
      name: 'Proc',
      version: '2.0.0',
    });
    await appendHistory(tenant, 'inst', 1, [activityScheduled(4), activityScheduled(3)]);
    const messages = [activityCompleted('inst', 2), externalRaised('inst'), activityCompleted('inst', 3)];
    for (const m of messages) await enqueueOrchestrator(tenant, m, BASE_MS + 2);
    await enqueueOrchestrator(tenant, externalRaised('other'), BASE_MS + 3);

    const item = await fetchItem(tenant, BASE_MS + 10, 5_000);
    expect(item).toEqual({
      instance_id: 'inst',
      orchestration_name: 'Proc',
      orchestration_version: '2.0.0',
      execution_id: '1',
      history: [
        orchestrationStarted(1, 'Proc', '2.0.0'),
        activityScheduled(2),
        activityScheduled(3),
        activityScheduled(4),
      ],
      messages,
      lock_token: expect.any(String),
      attempt_count: 1,
      kv_snapshot: {},
    });
    expect(await lockRows()).toEqual([
      {
        instance_id: 'inst',
        lock_token: item!.lock_token,
        locked_until: String(BASE_MS + 5_010),
        locked_at: String(BASE_MS + 10),
      },
    ]);
    const rows = await queueRows();
    expect(rows.filter((r) => r.instance_id === 'inst').map((r) => [r.lock_token, r.locked_until])).toEqual(
      messages.map(() => [item!.lock_token, String(BASE_MS + 5_010)]),
    );
    expect(rows.find((r) => r.instance_id === 'other')).toMatchObject({
      lock_token: null,
      locked_until: null,
    });
  });

  it("returns a fresh instance (no row yet) from its start message: empty history, version 'unknown'", async () => {
    await enqueueOrchestrator(tenant, startOrchestration('fresh', { version: null }), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    expect(item).toMatchObject({
      instance_id: 'fresh',
      orchestration_name: 'TestOrch',
      orchestration_version: 'unknown',
      execution_id: '1',
      history: [],
      messages: [startOrchestration('fresh', { version: null })],
    });
  });

  it('picks the instance of the oldest visible message first', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('late'), BASE_MS, 100); // visible at +100
    await enqueueOrchestrator(tenant, startOrchestration('early'), BASE_MS + 50); // visible at +50
    await enqueueOrchestrator(tenant, startOrchestration('last'), BASE_MS + 150);
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await fetchItem(tenant, BASE_MS + 200))!.instance_id);
    expect(order).toEqual(['early', 'late', 'last']);
    expect(await fetchItem(tenant, BASE_MS + 200)).toBeUndefined();
  });

  it('leaves messages that are not visible yet out of the batch and fetches them once visible', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('t'), BASE_MS);
    await enqueueOrchestrator(tenant, timerFired('t', 2, BASE_MS + 5_000), BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('t'), BASE_MS, 1_000);

    const first = await fetchItem(tenant, BASE_MS);
    expect(first!.messages).toEqual([startOrchestration('t')]);
    await ackItem(tenant, first!.lock_token, BASE_MS, {
      delta: [orchestrationStarted(1)],
    });

    expect(await fetchItem(tenant, BASE_MS + 999)).toBeUndefined();
    const second = await fetchItem(tenant, BASE_MS + 1_000);
    expect(second!.messages).toEqual([externalRaised('t')]);
    await ackItem(tenant, second!.lock_token, BASE_MS + 1_000);

    expect(await fetchItem(tenant, BASE_MS + 4_999)).toBeUndefined();
    expect((await fetchItem(tenant, BASE_MS + 5_000))!.messages).toEqual([timerFired('t', 2, BASE_MS + 5_000)]);
  });

  it('does not hand out a locked instance, but a lock on one instance never blocks another', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS);
    await enqueueOrchestrator(tenant, startOrchestration('b'), BASE_MS + 1);
    const a = await fetchItem(tenant, BASE_MS + 10);
    expect(a?.instance_id).toBe('a');
    // A message for the locked instance is older than b's only by enqueue order; it must not be handed out.
    await enqueueOrchestrator(tenant, externalRaised('a'), BASE_MS + 11);
    const b = await fetchItem(tenant, BASE_MS + 12);
    expect(b?.instance_id).toBe('b');
    expect(b!.lock_token).not.toBe(a!.lock_token);
    // Only locked instances have messages left: "no work".
    expect(await fetchItem(tenant, BASE_MS + 13)).toBeUndefined();
  });

  it('re-fetches an instance after its lock expires with a new token; the old token is then useless', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('x'), BASE_MS);
    const first = await fetchItem(tenant, BASE_MS, 1_000);
    await enqueueOrchestrator(tenant, externalRaised('x'), BASE_MS + 500);
    expect(await fetchItem(tenant, BASE_MS + 999, 1_000)).toBeUndefined();

    const second = await fetchItem(tenant, BASE_MS + 1_000, 1_000);
    expect(second?.instance_id).toBe('x');
    expect(second!.lock_token).not.toBe(first!.lock_token);
    // The stale tags are replaced: the old batch and the message that arrived meanwhile form the new batch.
    expect(second!.messages).toEqual([startOrchestration('x'), externalRaised('x')]);

    await expectFailureChangesNothing(tenant, () => ackItem(tenant, first!.lock_token, BASE_MS + 1_001), {
      code: 'DXL01',
      message: 'Invalid lock token',
    });
    await ackItem(tenant, second!.lock_token, BASE_MS + 1_001);
    expect(await queueRows()).toEqual([]);
  });

  it('loads the history of the current execution, not of older ones', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('can'), BASE_MS);
    await runTurn(tenant, 'can', BASE_MS + 1, {
      delta: [orchestrationStarted(1), activityScheduled(2)],
      status: 'ContinuedAsNew',
      orchestratorItems: [continueAsNew('can')],
    });
    const item = await fetchItem(tenant, BASE_MS + 2);
    expect(item).toMatchObject({
      execution_id: '1',
      history: [orchestrationStarted(1), activityScheduled(2)],
    });
    await ackItem(tenant, item!.lock_token, BASE_MS + 2, {
      executionId: 2,
      delta: [orchestrationStarted(1, 'TestOrch', '1.0.1')],
    });
    await enqueueOrchestrator(tenant, externalRaised('can'), BASE_MS + 3);
    expect(await fetchItem(tenant, BASE_MS + 4)).toMatchObject({
      execution_id: '2',
      history: [orchestrationStarted(1, 'TestOrch', '1.0.1')],
    });
  });

  it('defers an orphan batch (no row, no history, no start): untagged, attempt undone, hidden, and moves on', async () => {
    await enqueueOrchestrator(tenant, externalRaised('ghost'), BASE_MS);
    await enqueueOrchestrator(tenant, cancelInstance('ghost'), BASE_MS);
    await enqueueOrchestrator(tenant, startOrchestration('real'), BASE_MS + 1);
    const item = await fetchItem(tenant, BASE_MS + 2, LOCK_MS, { orphanRetryMs: 250 });
    expect(item).toMatchObject({ instance_id: 'real', attempt_count: 1 });
    expect((await queueRows()).map((r) => [r.instance_id, r.visible_at, r.lock_token])).toEqual([
      ['ghost', String(BASE_MS + 252), null],
      ['ghost', String(BASE_MS + 252), null],
      ['real', String(BASE_MS + 1), item!.lock_token],
    ]);
    expect(await attemptCounts()).toEqual([0, 0, 1]);
    expect((await lockRows()).map((r) => r.instance_id)).toEqual(['real']);
    expect(await tableRows(tenant, 'instances')).toEqual([]);
    // Hidden until the retry delay ends, then considered again (and deferred again while still an orphan).
    expect(await fetchItem(tenant, BASE_MS + 251)).toBeUndefined();
    expect(await fetchItem(tenant, BASE_MS + 252)).toBeUndefined();
    expect((await queueRows()).map((r) => r.visible_at)).toEqual([
      String(BASE_MS + 1_252),
      String(BASE_MS + 1_252),
      String(BASE_MS + 1),
    ]);
  });

  it('drops an orphan batch made only of QueueMessage items, keeping a mixed one', async () => {
    await enqueueOrchestrator(tenant, queueMessage('early-queue'), BASE_MS);
    await enqueueOrchestrator(tenant, queueMessage('early-queue', 'other'), BASE_MS);
    await enqueueOrchestrator(tenant, queueMessage('mixed'), BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('mixed'), BASE_MS);
    expect(await fetchItem(tenant, BASE_MS)).toBeUndefined();
    expect((await queueRows()).map((r) => [r.instance_id, r.visible_at])).toEqual([
      ['mixed', String(BASE_MS + 1_000)],
      ['mixed', String(BASE_MS + 1_000)],
    ]);
    expect(await lockRows()).toEqual([]);
  });

  it('treats a stored row that merely names a start as an orphan message, not as a start', async () => {
    await storeOrchestratorMessage(tenant, 'odd', 'StartOrchestration', BASE_MS);
    await storeOrchestratorMessage(tenant, 'odd', ['ContinueAsNew'], BASE_MS);
    expect(await fetchItem(tenant, BASE_MS + 1)).toBeUndefined();
    expect((await queueRows()).map((r) => [r.visible_at, r.lock_token])).toEqual([
      [String(BASE_MS + 1_001), null],
      [String(BASE_MS + 1_001), null],
    ]);
  });

  it('describes an instance without a row from the first start message anywhere in its batch', async () => {
    await enqueueOrchestrator(tenant, externalRaised('lost'), BASE_MS);
    await enqueueOrchestrator(
      tenant,
      startOrchestration('lost', {
        orchestration: 'FromStart',
        version: null,
        executionId: 2,
      }),
      BASE_MS,
    );
    expect(await tableRows(tenant, 'instances')).toEqual([]);
    expect(await fetchItem(tenant, BASE_MS)).toMatchObject({
      instance_id: 'lost',
      orchestration_name: 'FromStart',
      orchestration_version: 'unknown',
      execution_id: '2',
      history: [],
    });
  });

  it('describes an instance without a row from a ContinueAsNew in its batch at its highest execution', async () => {
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.executions (instance_id, execution_id, status, started_at)
       VALUES ('chain', 3, 'ContinuedAsNew', now())`,
    );
    await enqueueOrchestrator(tenant, continueAsNew('chain', { orchestration: 'Loop', version: '2.0.0' }), BASE_MS);
    expect(await fetchItem(tenant, BASE_MS)).toMatchObject({
      instance_id: 'chain',
      orchestration_name: 'Loop',
      orchestration_version: '2.0.0',
      execution_id: '3',
      history: [],
    });
  });

  it('describes an instance without a row from its history when it has one', async () => {
    await appendHistory(tenant, 'history-only', 1, [orchestrationStarted(1, 'FromHistory', '4.0.0')]);
    await enqueueOrchestrator(tenant, externalRaised('history-only'), BASE_MS);
    expect(await fetchItem(tenant, BASE_MS)).toMatchObject({
      orchestration_name: 'FromHistory',
      orchestration_version: '4.0.0',
      execution_id: '1',
      history: [orchestrationStarted(1, 'FromHistory', '4.0.0')],
    });
  });

  it("reports a NULL stored version as 'unknown'", async () => {
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.instances (instance_id, orchestration_name, orchestration_version,
                                               current_execution_id, created_at, updated_at)
       VALUES ('nov', 'NoVersion', NULL, 1, now(), now())`,
    );
    await enqueueOrchestrator(tenant, externalRaised('nov'), BASE_MS);
    expect(await fetchItem(tenant, BASE_MS)).toMatchObject({
      orchestration_name: 'NoVersion',
      orchestration_version: 'unknown',
    });
  });

  it('hands out a new token on every fetch', async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 5; i++) {
      await enqueueOrchestrator(tenant, startOrchestration('same'), BASE_MS + i * 10);
      const item = await fetchItem(tenant, BASE_MS + i * 10);
      tokens.add(item!.lock_token);
      await ackItem(tenant, item!.lock_token, BASE_MS + i * 10);
    }
    expect(tokens.size).toBe(5);
  });
});

describe('sp_ack_orchestration_item', () => {
  it('commits a whole turn: instance, execution, history, worker and orchestrator items (no child rows), batch and lock', async () => {
    await enqueueOrchestrator(
      tenant,
      startOrchestration('parent', {
        orchestration: 'Enqueued',
        version: null,
      }),
      BASE_MS,
    );
    const item = await fetchItem(tenant, BASE_MS + 10);
    const delta = [
      orchestrationStarted(1, 'Resolved', '2.1.0'),
      activityScheduled(2),
      timerCreated(3, BASE_MS + 5_000),
    ];
    const child = startOrchestration('parent::child', {
      orchestration: 'Child',
      version: null,
      parentInstance: 'parent',
    });
    const ackResult = await ackItem(tenant, item!.lock_token, BASE_MS + 20, {
      delta,
      workerItems: [activityExecute('parent', 2)],
      orchestratorItems: [timerFired('parent', 3, BASE_MS + 5_000), child],
      name: 'Resolved',
      version: '2.1.0',
    });
    expect(ackResult.rows).toEqual([{ sp_ack_orchestration_item: '' }]);

    // The child creates its own row with its first ack (contract v2 §1.1).
    expect(await tableRows(tenant, 'instances', 'instance_id')).toEqual([
      {
        instance_id: 'parent',
        orchestration_name: 'Resolved',
        orchestration_version: '2.1.0',
        current_execution_id: '1',
        created_at: new Date(BASE_MS + 20),
        updated_at: new Date(BASE_MS + 20),
        parent_instance_id: null,
        custom_status: null,
        custom_status_version: '0',
      },
    ]);
    expect(await tableRows(tenant, 'executions', 'instance_id')).toEqual([
      {
        instance_id: 'parent',
        execution_id: '1',
        status: 'Running',
        output: null,
        started_at: new Date(BASE_MS + 20),
        completed_at: null,
        pinned_version_major: null,
        pinned_version_minor: null,
        pinned_version_patch: null,
      },
    ]);
    expect(
      (await tableRows(tenant, 'history', 'event_id')).map((r) => [
        r.instance_id,
        r.execution_id,
        r.event_type,
        r.event_data,
      ]),
    ).toEqual([
      ['parent', '1', 'OrchestrationStarted', delta[0]],
      ['parent', '1', 'ActivityScheduled', delta[1]],
      ['parent', '1', 'TimerCreated', delta[2]],
    ]);
    expect(await tableRows(tenant, 'worker_queue')).toEqual([
      expect.objectContaining({
        work_item: activityExecute('parent', 2),
        lock_token: null,
        visible_at: String(BASE_MS + 20),
        attempt_count: 0,
        instance_id: 'parent',
        execution_id: '1',
        activity_id: '2',
      }),
    ]);
    // The start message was consumed; the timer waits for fire_at_ms, the child's start is visible now.
    expect((await queueRows()).map((r) => [r.instance_id, r.work_item, r.visible_at, r.lock_token])).toEqual([
      ['parent', timerFired('parent', 3, BASE_MS + 5_000), String(BASE_MS + 5_000), null],
      ['parent::child', child, String(BASE_MS + 20), null],
    ]);
    expect(await lockRows()).toEqual([]);
  });

  it('leaves an existing child instance untouched when a start for it is enqueued again', async () => {
    await enqueueOrchestrator(
      tenant,
      startOrchestration('child', {
        orchestration: 'Original',
        version: '1.2.3',
      }),
      BASE_MS,
    );
    await enqueueOrchestrator(tenant, startOrchestration('parent'), BASE_MS + 1);
    await runTurn(tenant, 'child', BASE_MS + 1, {
      delta: [orchestrationStarted(1)],
      name: 'Original',
      version: '1.2.3',
    });
    const before = (await tableRows(tenant, 'instances')).find((r) => r.instance_id === 'child');
    expect(before).toBeDefined();
    const parent = await fetchItem(tenant, BASE_MS + 2);
    expect(parent?.instance_id).toBe('parent');
    await ackItem(tenant, parent!.lock_token, BASE_MS + 3, {
      orchestratorItems: [
        startOrchestration('child', {
          orchestration: 'Other',
          version: '9.0.0',
          executionId: 2,
        }),
      ],
    });
    expect((await tableRows(tenant, 'instances')).find((r) => r.instance_id === 'child')).toEqual(before);
    expect((await tableRows(tenant, 'executions')).filter((r) => r.instance_id === 'child')).toHaveLength(1);
  });

  it('routes orchestrator items per kind and keeps their array order; own items are fetchable after the ack', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('self'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await ackItem(tenant, item!.lock_token, BASE_MS + 5, {
      delta: [orchestrationStarted(1)],
      orchestratorItems: [
        timerFired('self', 2, BASE_MS - 1), // already due: visible now
        externalRaised('self'),
        subOrchCompleted('the-parent', 7),
        cancelInstance('a-child', 'cascade'),
      ],
    });
    expect((await queueRows()).map((r) => [r.instance_id, r.visible_at])).toEqual([
      ['self', String(BASE_MS + 5)],
      ['self', String(BASE_MS + 5)],
      ['the-parent', String(BASE_MS + 5)],
      ['a-child', String(BASE_MS + 5)],
    ]);
    const next = await fetchItem(tenant, BASE_MS + 5);
    expect(next).toMatchObject({
      instance_id: 'self',
      messages: [timerFired('self', 2, BASE_MS - 1), externalRaised('self')],
    });
  });

  it('creates the execution row of a ContinueAsNew and moves the current execution forward, never back', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('can'), BASE_MS);
    await runTurn(tenant, 'can', BASE_MS + 1, {
      delta: [orchestrationStarted(1)],
      status: 'ContinuedAsNew',
      output: '{"page":2}',
      orchestratorItems: [continueAsNew('can')],
      ...FIRST_TURN,
    });
    await runTurn(tenant, 'can', BASE_MS + 2, {
      executionId: 2,
      delta: [orchestrationStarted(1)],
      ...FIRST_TURN,
    });
    expect((await tableRows(tenant, 'instances'))[0]).toMatchObject({
      current_execution_id: '2',
    });
    expect(await tableRows(tenant, 'executions', 'execution_id')).toEqual([
      expect.objectContaining({
        execution_id: '1',
        status: 'ContinuedAsNew',
        output: '{"page":2}',
        completed_at: new Date(BASE_MS + 1),
      }),
      expect.objectContaining({
        execution_id: '2',
        status: 'Running',
        started_at: new Date(BASE_MS + 2),
        completed_at: null,
      }),
    ]);

    // A late turn for execution 1 (a stale completion) must not move the pointer back.
    await enqueueOrchestrator(tenant, activityCompleted('can', 2, 1), BASE_MS + 3);
    await runTurn(tenant, 'can', BASE_MS + 4, { executionId: 1 });
    expect((await tableRows(tenant, 'instances'))[0]).toMatchObject({
      current_execution_id: '2',
      updated_at: new Date(BASE_MS + 4),
    });
  });

  it.each([
    ['Completed', '"done"', BASE_MS + 9],
    ['Failed', 'canceled: user', BASE_MS + 9],
    ['ContinuedAsNew', '{"page":2}', BASE_MS + 9],
    ['Running', null, null],
  ])('writes status %s with its output and completion time', async (status, output, completedAt) => {
    await enqueueOrchestrator(tenant, startOrchestration('s'), BASE_MS);
    await runTurn(tenant, 's', BASE_MS + 9, {
      delta: [orchestrationStarted(1)],
      status,
      output,
    });
    expect((await tableRows(tenant, 'executions'))[0]).toMatchObject({
      status,
      output,
      completed_at: completedAt === null ? null : new Date(completedAt),
    });
  });

  it('leaves the status alone when none is given', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('s'), BASE_MS);
    await runTurn(tenant, 's', BASE_MS + 1, {
      status: 'Completed',
      output: '1',
      ...FIRST_TURN,
    });
    await enqueueOrchestrator(tenant, externalRaised('s'), BASE_MS + 2);
    await runTurn(tenant, 's', BASE_MS + 3);
    expect((await tableRows(tenant, 'executions'))[0]).toMatchObject({
      status: 'Completed',
      output: '1',
    });
  });

  it('updates name and version only when both are given', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('m', { orchestration: 'Start', version: '1.0.0' }), BASE_MS);
    await runTurn(tenant, 'm', BASE_MS + 1, { delta: [orchestrationStarted(1, 'Start')], name: 'OnlyName' });
    expect(await tableRows(tenant, 'instances'), 'a name alone creates no row').toEqual([]);
    await enqueueOrchestrator(tenant, externalRaised('m'), BASE_MS + 1);
    await runTurn(tenant, 'm', BASE_MS + 1, { name: 'Start', version: '1.0.0' });
    expect((await tableRows(tenant, 'instances'))[0]).toMatchObject({
      orchestration_name: 'Start',
      orchestration_version: '1.0.0',
    });
    await enqueueOrchestrator(tenant, externalRaised('m'), BASE_MS + 2);
    await runTurn(tenant, 'm', BASE_MS + 3, { version: '5.0.0' });
    expect((await tableRows(tenant, 'instances'))[0]).toMatchObject({
      orchestration_name: 'Start',
      orchestration_version: '1.0.0',
    });
  });

  it('creates the instance row only from name and version, with its parent, which never changes after', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('late-start', { orchestration: 'Queued' }), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    expect(item).toMatchObject({ orchestration_name: 'Queued', orchestration_version: '1.0.0' });
    await ackItem(tenant, item!.lock_token, BASE_MS + 1, {
      executionId: 3,
      name: 'Named',
      version: '7.0.0',
      parentInstanceId: 'the-parent',
    });
    expect(await tableRows(tenant, 'instances')).toEqual([
      {
        instance_id: 'late-start',
        orchestration_name: 'Named',
        orchestration_version: '7.0.0',
        current_execution_id: '3',
        created_at: new Date(BASE_MS + 1),
        updated_at: new Date(BASE_MS + 1),
        parent_instance_id: 'the-parent',
        custom_status: null,
        custom_status_version: '0',
      },
    ]);
    await enqueueOrchestrator(tenant, externalRaised('late-start'), BASE_MS + 2);
    await runTurn(tenant, 'late-start', BASE_MS + 3, {
      executionId: 3,
      name: 'Named',
      version: '7.0.1',
      parentInstanceId: 'another-parent',
    });
    expect((await tableRows(tenant, 'instances'))[0]).toMatchObject({
      orchestration_version: '7.0.1',
      parent_instance_id: 'the-parent',
      updated_at: new Date(BASE_MS + 3),
    });
  });

  it('deletes exactly the batch: messages that arrived during the turn survive the ack', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('busy'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('busy', 'DuringTurn'), BASE_MS + 1);
    await enqueueOrchestrator(tenant, activityCompleted('busy', 2), BASE_MS + 2);
    expect(item!.messages).toEqual([startOrchestration('busy')]);
    await ackItem(tenant, item!.lock_token, BASE_MS + 3, {
      delta: [orchestrationStarted(1)],
    });
    expect(await fetchItem(tenant, BASE_MS + 4)).toMatchObject({
      instance_id: 'busy',
      messages: [externalRaised('busy', 'DuringTurn'), activityCompleted('busy', 2)],
    });
  });

  it('accepts an empty turn: deletes the batch and releases the lock', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('e'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await ackItem(tenant, item!.lock_token, BASE_MS);
    expect(await queueRows()).toEqual([]);
    expect(await lockRows()).toEqual([]);
    expect(await tableRows(tenant, 'history')).toEqual([]);
  });

  it('fails with DXL02 once the lock expired, changes nothing, and keeps the lock and tags', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('late'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS, 1_000);
    const locksBefore = await lockRows();
    await expectFailureChangesNothing(
      tenant,
      () =>
        ackItem(tenant, item!.lock_token, BASE_MS + 1_000, {
          delta: [orchestrationStarted(1)],
          status: 'Completed',
        }),
      { code: 'DXL02', message: 'Invalid lock token: the lock expired' },
    );
    expect(await lockRows()).toEqual(locksBefore);
    expect((await queueRows())[0]!.lock_token).toBe(item!.lock_token);
  });
  it('fails a second ack of the same token with DXL01', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('x'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await ackItem(tenant, item!.lock_token, BASE_MS + 1);
    await expectFailureChangesNothing(tenant, () => ackItem(tenant, item!.lock_token, BASE_MS + 2), {
      code: 'DXL01',
      message: 'Invalid lock token',
    });
  });

  it('rolls everything back on a duplicate event id (23505); the lock stays and a retry can succeed', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('dup', { orchestration: 'Before' }), BASE_MS);
    await runTurn(tenant, 'dup', BASE_MS + 1, {
      delta: [orchestrationStarted(1, 'Before')],
    });
    await enqueueOrchestrator(tenant, externalRaised('dup'), BASE_MS + 2);
    const item = await fetchItem(tenant, BASE_MS + 3);
    const failing = {
      delta: [activityScheduled(2), orchestrationStarted(1, 'After', '9.0.0')], // event 1 is already stored
      workerItems: [activityExecute('dup', 2)],
      orchestratorItems: [timerFired('dup', 3, BASE_MS + 100), startOrchestration('dup::child')],
      status: 'Completed',
      output: 'x',
      name: 'After',
      version: '9.0.0',
      executionId: 2,
    };
    await expectFailureChangesNothing(
      tenant,
      () =>
        ackItem(tenant, item!.lock_token, BASE_MS + 4, {
          ...failing,
          executionId: 1,
        }),
      {
        code: '23505',
        message: 'Duplicate event_id 1 in execution 1 of instance dup',
      },
    );
    expect(await lockRows()).toEqual([
      expect.objectContaining({
        instance_id: 'dup',
        lock_token: item!.lock_token,
      }),
    ]);
    // Duplicates within the delta itself are rejected the same way.
    await expectFailureChangesNothing(
      tenant,
      () =>
        ackItem(tenant, item!.lock_token, BASE_MS + 4, {
          ...failing,
          delta: [orchestrationStarted(1), activityScheduled(2), activityScheduled(2)],
        }),
      {
        code: '23505',
        message: 'Duplicate event_id 2 in execution 2 of instance dup',
      },
    );
    // The runtime retries with the same token; a correct delta then commits.
    await ackItem(tenant, item!.lock_token, BASE_MS + 5, {
      delta: [activityScheduled(2)],
    });
    expect(await lockRows()).toEqual([]);
  });
  it('can be called without the optional metadata parameters', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('short'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await call(tenant, 'sp_ack_orchestration_item', item!.lock_token, BASE_MS + 1, 1, '[]', '[]', '[]');
    expect(await lockRows()).toEqual([]);
  });
});

describe('sp_abandon_orchestration_item', () => {
  it('releases the lock and untags the batch without touching visibility; returns the instance id', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('ab'), BASE_MS);
    await enqueueOrchestrator(tenant, externalRaised('ab'), BASE_MS + 3);
    const visibleBefore = (await queueRows()).map((r) => r.visible_at);
    const item = await fetchItem(tenant, BASE_MS + 10);

    const result = await abandon(item!.lock_token, BASE_MS + 20);
    expect(result.rows).toEqual([{ sp_abandon_orchestration_item: 'ab' }]);
    expect(await lockRows()).toEqual([]);
    const rows = await queueRows();
    expect(rows.map((r) => r.visible_at)).toEqual(visibleBefore);
    expect(rows.map((r) => [r.lock_token, r.locked_until])).toEqual([
      [null, null],
      [null, null],
    ]);

    // Immediately fetchable again, same batch, new token.
    const again = await fetchItem(tenant, BASE_MS + 20);
    expect(again?.messages).toEqual(item!.messages);
    expect(again!.lock_token).not.toBe(item!.lock_token);
  });

  it('treats delay 0 like no delay', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('z'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS + 10);
    await abandon(item!.lock_token, BASE_MS + 20, 0);
    expect((await queueRows())[0]!.visible_at).toBe(String(BASE_MS));
  });

  it('with a delay hides every visible message of the instance until now + delay, and nothing else', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('d'), BASE_MS);
    await enqueueOrchestrator(tenant, timerFired('d', 5, BASE_MS + 60_000), BASE_MS);
    await enqueueOrchestrator(tenant, startOrchestration('other'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS + 1);
    expect(item?.instance_id).toBe('d');
    await enqueueOrchestrator(tenant, externalRaised('d'), BASE_MS + 2); // arrives during the turn

    await abandon(item!.lock_token, BASE_MS + 10, 1_000);
    expect((await queueRows()).map((r) => [r.work_item, r.visible_at, r.lock_token])).toEqual([
      [startOrchestration('d'), String(BASE_MS + 1_010), null],
      [timerFired('d', 5, BASE_MS + 60_000), String(BASE_MS + 60_000), null],
      [startOrchestration('other'), String(BASE_MS), null],
      [externalRaised('d'), String(BASE_MS + 1_010), null],
    ]);

    // Before the delay only the other instance is fetchable; at now + delay the whole batch comes back together.
    expect((await fetchItem(tenant, BASE_MS + 1_009))?.instance_id).toBe('other');
    expect(await fetchItem(tenant, BASE_MS + 1_009)).toBeUndefined();
    expect(await fetchItem(tenant, BASE_MS + 1_010)).toMatchObject({
      instance_id: 'd',
      messages: [startOrchestration('d'), externalRaised('d')],
    });
  });

  it('with a delay holds the instance: a message or timer visible during the delay waits for the batch', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('h'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await abandon(item!.lock_token, BASE_MS + 10, 1_000);
    expect(await lockRows()).toEqual([
      expect.objectContaining({
        instance_id: 'h',
        locked_until: String(BASE_MS + 1_010),
        locked_at: String(BASE_MS + 10),
      }),
    ]);
    expect((await lockRows())[0]!.lock_token).not.toBe(item!.lock_token);

    await enqueueOrchestrator(tenant, externalRaised('h'), BASE_MS + 11); // arrives after the abandon
    await enqueueOrchestrator(tenant, timerFired('h', 2, BASE_MS + 20), BASE_MS + 11); // due during the delay
    expect(await fetchItem(tenant, BASE_MS + 500)).toBeUndefined();
    expect(await fetchItem(tenant, BASE_MS + 1_009)).toBeUndefined();
    expect(await fetchItem(tenant, BASE_MS + 1_010)).toMatchObject({
      instance_id: 'h',
      messages: [startOrchestration('h'), externalRaised('h'), timerFired('h', 2, BASE_MS + 20)],
    });
  });

  it('makes the abandoned token useless for ack and abandon', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('u'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await abandon(item!.lock_token, BASE_MS + 1);
    await expectFailureChangesNothing(tenant, () => ackItem(tenant, item!.lock_token, BASE_MS + 2), {
      code: 'DXL01',
      message: 'Invalid lock token',
    });
    await expectFailureChangesNothing(tenant, () => abandon(item!.lock_token, BASE_MS + 2), {
      code: 'DXL01',
      message: 'Invalid lock token',
    });
  });

  it('abandons an expired lock nobody took over', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('exp'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS, 1_000);
    expect((await abandon(item!.lock_token, BASE_MS + 5_000)).rows[0]).toEqual({
      sp_abandon_orchestration_item: 'exp',
    });
    expect(await lockRows()).toEqual([]);
  });

  it('refuses the old token once another fetch took over the expired lock', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('stolen'), BASE_MS);
    const first = await fetchItem(tenant, BASE_MS, 1_000);
    const second = await fetchItem(tenant, BASE_MS + 1_000, 1_000);
    expect(second?.instance_id).toBe('stolen');
    await expectFailureChangesNothing(tenant, () => abandon(first!.lock_token, BASE_MS + 1_001), {
      code: 'DXL01',
      message: 'Invalid lock token',
    });
    expect(await lockRows()).toEqual([expect.objectContaining({ lock_token: second!.lock_token })]);
  });

  it('can be called without the optional delay', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('short'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    const result = await tenant.pool.query(`SELECT ${tenant.quoted}.sp_abandon_orchestration_item($1, $2) AS id`, [
      item!.lock_token,
      BASE_MS + 1,
    ]);
    expect(result.rows).toEqual([{ id: 'short' }]);
  });
});

describe('bad calls', () => {
  // Each case starts from instance x fetched (its token is the one a case may use) and instance y waiting, so a
  // fetch that should fail has an instance it could wrongly lock.
  const ack =
    (turn: Turn, token?: string | null) =>
    (lockToken: string): Promise<unknown> =>
      ackItem(tenant, token === undefined ? lockToken : token, BASE_MS + 1, turn);
  const ackWithArguments =
    (
      nowMs: number | null,
      executionId: number | null,
      delta: unknown,
      workerItems: unknown,
      orchestratorItems: unknown,
    ) =>
    (lockToken: string): Promise<unknown> =>
      call(tenant, 'sp_ack_orchestration_item', lockToken, nowMs, executionId, delta, workerItems, orchestratorItems);
  const fetchWith = (nowMs: number | null, lockTimeoutMs: number | null) => (): Promise<unknown> =>
    call(tenant, 'sp_fetch_orchestration_item', nowMs, lockTimeoutMs);
  const abandonWith =
    (nowMs: number | null, delayMs: number | null, token?: string | null) =>
    (lockToken: string): Promise<unknown> =>
      call(tenant, 'sp_abandon_orchestration_item', token === undefined ? lockToken : token, nowMs, delayMs);

  const fetchTimes = 'p_now_ms must not be NULL and p_lock_timeout_ms must be positive';
  const ackArguments = 'p_now_ms must not be NULL and p_execution_id must be >= 1';
  const rejections: [
    procedure: string,
    bad: string,
    code: string,
    message: string,
    run: (lockToken: string) => Promise<unknown>,
  ][] = [
    ['fetch', 'a NULL now', '22023', fetchTimes, fetchWith(null, LOCK_MS)],
    ['fetch', 'a NULL lock timeout', '22023', fetchTimes, fetchWith(BASE_MS, null)],
    ['fetch', 'a zero lock timeout', '22023', fetchTimes, fetchWith(BASE_MS, 0)],
    ['fetch', 'a negative lock timeout', '22023', fetchTimes, fetchWith(BASE_MS, -1)],
    [
      'ack',
      'an unknown token',
      'DXL01',
      'Invalid lock token',
      ack({ delta: [orchestrationStarted(1)] }, 'no-such-token'),
    ],
    ['ack', 'a NULL token', 'DXL01', 'Invalid lock token', ack({ delta: [orchestrationStarted(1)] }, null)],
    [
      'ack',
      'event_id 0 in the delta',
      'DXE01',
      'event_id must be set by runtime',
      ack({
        delta: [orchestrationStarted(1), { ExternalEvent: { event_id: 0, name: 'x', data: 'y' } }],
        workerItems: [activityExecute('x', 2)],
        status: 'Completed',
      }),
    ],
    [
      'ack',
      'an event without a kind in the delta',
      '22023',
      'each event must be a JSON object with exactly one key naming its kind',
      ack({ delta: [{ event_id: 1 }], workerItems: [activityExecute('x', 2)], status: 'Completed' }),
    ],
    [
      'ack',
      'an ActivityExecute among the orchestrator items',
      'DXI01',
      'ActivityExecute should go to worker queue, not orchestrator queue',
      ack({
        delta: [orchestrationStarted(1)],
        workerItems: [activityExecute('x', 2)],
        orchestratorItems: [startOrchestration('x::child'), activityExecute('x', 3)],
      }),
    ],
    [
      'ack',
      'a child start with an invalid execution id',
      '22023',
      'StartOrchestration execution_id must be a positive integer',
      ack({
        delta: [orchestrationStarted(1)],
        orchestratorItems: [startOrchestration('x::child', { parentInstance: 'x', executionId: 0 })],
      }),
    ],
    [
      'ack',
      'a non-activity among the worker items',
      'DXI01',
      'Only ActivityExecute goes to the worker queue, not TimerFired',
      ack({
        delta: [orchestrationStarted(1)],
        workerItems: [activityExecute('x', 2), timerFired('x', 3, BASE_MS)],
      }),
    ],
    [
      'ack',
      'an unknown status',
      '22023',
      'Unknown status Paused: expected Running, Completed, Failed or ContinuedAsNew',
      ack({ status: 'Paused' }),
    ],
    ['ack', 'execution id 0', '22023', ackArguments, ack({ executionId: 0 })],
    ['ack', 'a NULL now', '22023', ackArguments, ackWithArguments(null, 1, '[]', '[]', '[]')],
    ['ack', 'a NULL execution id', '22023', ackArguments, ackWithArguments(BASE_MS, null, '[]', '[]', '[]')],
    [
      'ack',
      'a NULL history delta',
      '22023',
      'events must be a JSON array',
      ackWithArguments(BASE_MS, 1, null, '[]', '[]'),
    ],
    [
      'ack',
      'NULL worker items',
      '22023',
      'worker items must be a JSON array',
      ackWithArguments(BASE_MS, 1, '[]', null, '[]'),
    ],
    [
      'ack',
      'NULL orchestrator items',
      '22023',
      'orchestrator items must be a JSON array',
      ackWithArguments(BASE_MS, 1, '[]', '[]', null),
    ],
    [
      'ack',
      'an object as orchestrator items',
      '22023',
      'orchestrator items must be a JSON array',
      ackWithArguments(BASE_MS, 1, '[]', '[]', json(externalRaised('x'))),
    ],
    ['abandon', 'an unknown token', 'DXL01', 'Invalid lock token', abandonWith(BASE_MS, null, 'nope')],
    ['abandon', 'a NULL token', 'DXL01', 'Invalid lock token', abandonWith(BASE_MS, null, null)],
    ['abandon', 'a NULL now', '22023', 'p_now_ms must not be NULL', abandonWith(null, null)],
    ['abandon', 'a negative delay', '22023', 'p_delay_ms must not be negative', abandonWith(BASE_MS, -1)],
  ];

  it.each(rejections)('%s rejects %s with %s and changes nothing', async (_procedure, _bad, code, message, run) => {
    await enqueueOrchestrator(tenant, startOrchestration('x'), BASE_MS);
    const item = await fetchItem(tenant, BASE_MS);
    await enqueueOrchestrator(tenant, startOrchestration('y'), BASE_MS);
    await expectFailureChangesNothing(tenant, () => run(item!.lock_token), { code, message });
  });
});
