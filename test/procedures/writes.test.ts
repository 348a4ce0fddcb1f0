import { describe, expect, it } from 'vitest';
import { asListener } from '../support/notification-listening.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import {
  BASE_MS,
  appendHistory,
  call,
  enqueueOrchestrator,
  enqueueWorker,
  expectFailureChangesNothing,
  json,
  tableRows,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
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
  timerFired,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema();

/** Work-item shapes that are not "one key naming the kind, whose value is an object". */
const MALFORMED_ITEMS: [string, unknown][] = [
  ['a JSON array', [activityExecute('a', 1)]],
  ['a JSON string', 'ActivityExecute'],
  ['an object with two keys', { ...activityExecute('a', 1), ...activityCompleted('a', 1) }],
  ['a kind whose value is not an object', { ActivityExecute: 'a' }],
  ['an empty object', {}],
];

describe('sp_enqueue_worker_work', () => {
  it('stores the item unlocked, verbatim, and returns its id as an int8 string', async () => {
    const item = activityExecute('order-1', 2);
    const result = await call(tenant, 'sp_enqueue_worker_work', json(item), BASE_MS + 3);
    expect(result.fields.map((f) => f.name)).toEqual(['sp_enqueue_worker_work']);
    const id = result.rows[0]!.sp_enqueue_worker_work;
    expect(id).toMatch(/^\d+$/);
    expect(await tableRows(tenant, 'worker_queue')).toEqual([
      {
        id,
        work_item: item,
        lock_token: null,
        locked_until: null,
        created_at: new Date(BASE_MS + 3),
        visible_at: String(BASE_MS + 3),
        attempt_count: 0,
        instance_id: 'order-1',
        execution_id: '1',
        activity_id: '2',
        session_id: null,
        tag: null,
      },
    ]);
  });

  it('hands out increasing ids in enqueue order', async () => {
    const ids = [];
    for (let i = 1; i <= 3; i++) ids.push(BigInt(await enqueueWorker(tenant, activityExecute('a', i), BASE_MS)));
    expect(ids[0]! < ids[1]! && ids[1]! < ids[2]!).toBe(true);
  });

  it.each([
    ['work item', null, BASE_MS],
    ['now', json(activityExecute('a', 1)), null],
  ])('rejects a NULL %s with 22023 and changes nothing', async (_label, item, nowMs) => {
    await enqueueWorker(tenant, activityExecute('before', 1), BASE_MS);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_enqueue_worker_work', item, nowMs), {
      code: '22023',
      message: 'p_work_item and p_now_ms must not be NULL',
    });
  });

  it.each([
    ['ActivityCompleted', activityCompleted('a', 1)],
    ['StartOrchestration', startOrchestration('a')],
    ['Bogus', { Bogus: { instance: 'a' } }],
  ])('rejects a %s with DXI01 and changes nothing', async (kind, item) => {
    await enqueueWorker(tenant, activityExecute('before', 1), BASE_MS);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_enqueue_worker_work', json(item), BASE_MS), {
      code: 'DXI01',
      message: `Only ActivityExecute goes to the worker queue, not ${kind}`,
    });
  });

  it.each(MALFORMED_ITEMS)('rejects %s with 22023 and changes nothing', async (_label, item) => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_enqueue_worker_work', json(item), BASE_MS), {
      code: '22023',
      message: 'each work item must be a JSON object with exactly one key naming its kind',
    });
  });

  it('rejects text that is not JSON', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_enqueue_worker_work', '{oops', BASE_MS), {
      code: '22P02',
    });
  });
});

describe('sp_append_history', () => {
  it('stores every event with its kind as event_type and returns nothing', async () => {
    const events = [orchestrationStarted(1), activityScheduled(2)];
    const result = await call(tenant, 'sp_append_history', 'inst', 1, json(events), BASE_MS + 9);
    expect(result.rows).toEqual([{ sp_append_history: '' }]);
    expect(await tableRows(tenant, 'history', 'event_id')).toEqual([
      {
        instance_id: 'inst',
        execution_id: '1',
        event_id: '1',
        event_type: 'OrchestrationStarted',
        event_data: events[0],
        created_at: new Date(BASE_MS + 9),
      },
      {
        instance_id: 'inst',
        execution_id: '1',
        event_id: '2',
        event_type: 'ActivityScheduled',
        event_data: events[1],
        created_at: new Date(BASE_MS + 9),
      },
    ]);
  });

  it('does nothing for an empty array', async () => {
    await appendHistory(tenant, 'inst', 1, []);
    expect(await tableRows(tenant, 'history')).toEqual([]);
  });

  it('allows the same event id in another execution or another instance', async () => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1)]);
    await appendHistory(tenant, 'inst', 2, [orchestrationStarted(1)]);
    await appendHistory(tenant, 'other', 1, [orchestrationStarted(1)]);
    expect(await tableRows(tenant, 'history')).toHaveLength(3);
  });

  it('creates no instance or execution rows', async () => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1)]);
    expect(await tableRows(tenant, 'instances')).toEqual([]);
    expect(await tableRows(tenant, 'executions')).toEqual([]);
  });

  it.each([
    [
      'event_id 0',
      {
        OrchestrationStarted: {
          ...orchestrationStarted(1).OrchestrationStarted,
          event_id: 0,
        },
      },
    ],
    ['a negative event_id', { ExternalEvent: { event_id: -1, name: 'x', data: 'y' } }],
    ['no event_id', { ExternalEvent: { name: 'x', data: 'y' } }],
    ['a string event_id', { ExternalEvent: { event_id: '3', name: 'x', data: 'y' } }],
    ['a fractional event_id', { ExternalEvent: { event_id: 2.5, name: 'x', data: 'y' } }],
    ['an event_id beyond BIGINT', { ExternalEvent: { event_id: 1e20, name: 'x', data: 'y' } }],
  ])('rejects %s with DXE01 and stores none of the batch', async (_label, bad) => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1)]);
    await expectFailureChangesNothing(
      tenant,
      () => appendHistory(tenant, 'inst', 1, [activityScheduled(2), bad, activityScheduled(4)]),
      { code: 'DXE01', message: 'event_id must be set by runtime' },
    );
  });

  it('rejects an event id already in the history with 23505 and stores none of the batch', async () => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1), activityScheduled(2)]);
    await expectFailureChangesNothing(
      tenant,
      () => appendHistory(tenant, 'inst', 1, [activityScheduled(3), activityScheduled(2)]),
      {
        code: '23505',
        message: 'Duplicate event_id 2 in execution 1 of instance inst',
      },
    );
  });

  it('rejects an event id given twice in one call with 23505', async () => {
    await expectFailureChangesNothing(
      tenant,
      () => appendHistory(tenant, 'inst', 1, [orchestrationStarted(1), activityScheduled(2), activityScheduled(2)]),
      {
        code: '23505',
        message: 'Duplicate event_id 2 in execution 1 of instance inst',
      },
    );
  });

  it('names the lowest duplicate, stored or repeated, whatever their order in the batch', async () => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1), activityScheduled(2), activityScheduled(3)]);
    await expectFailureChangesNothing(
      tenant,
      () => appendHistory(tenant, 'inst', 1, [activityScheduled(5), activityScheduled(5), activityScheduled(3)]),
      { code: '23505', message: 'Duplicate event_id 3 in execution 1 of instance inst' },
    );
  });

  it('reports a bad event before any duplicate in the same batch', async () => {
    await appendHistory(tenant, 'inst', 1, [orchestrationStarted(1)]);
    await expectFailureChangesNothing(
      tenant,
      () => appendHistory(tenant, 'inst', 1, [activityScheduled(1), { ActivityScheduled: { name: 'x' } }]),
      { code: 'DXE01', message: 'event_id must be set by runtime' },
    );
  });

  it.each([
    ['a NULL instance id', null, 1, 'p_instance_id must be a non-empty string'],
    ['an empty instance id', '', 1, 'p_instance_id must be a non-empty string'],
    ['a NULL execution id', 'inst', null, 'p_execution_id must be >= 1 and p_now_ms must not be NULL'],
    ['execution id 0', 'inst', 0, 'p_execution_id must be >= 1 and p_now_ms must not be NULL'],
  ])('rejects %s with 22023', async (_label, instanceId, executionId, message) => {
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_append_history', instanceId, executionId, json([orchestrationStarted(1)]), BASE_MS),
      { code: '22023', message },
    );
  });

  it('rejects a NULL now with 22023', async () => {
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_append_history', 'inst', 1, json([orchestrationStarted(1)]), null),
      {
        code: '22023',
        message: 'p_execution_id must be >= 1 and p_now_ms must not be NULL',
      },
    );
  });

  it.each([
    ['NULL', null],
    ['an object', json(orchestrationStarted(1))],
  ])('rejects %s as the events with 22023', async (_label, events) => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_append_history', 'inst', 1, events, BASE_MS), {
      code: '22023',
      message: 'events must be a JSON array',
    });
  });

  it('rejects an event that does not name its kind with 22023', async () => {
    await expectFailureChangesNothing(
      tenant,
      () => appendHistory(tenant, 'inst', 1, [orchestrationStarted(1), { event_id: 2, name: 'x' }]),
      {
        code: '22023',
        message: 'each event must be a JSON object with exactly one key naming its kind',
      },
    );
  });
});

describe('sp_enqueue_orchestrator_work', () => {
  it('queues a start as a visible message and creates no instance or execution; returns the queue id', async () => {
    const start = startOrchestration('order-1', {
      orchestration: 'ProcessOrder',
      version: '3.1.0',
    });
    const result = await call(tenant, 'sp_enqueue_orchestrator_work', json(start), BASE_MS + 4, null);
    expect(result.fields.map((f) => f.name)).toEqual(['sp_enqueue_orchestrator_work']);
    const id = result.rows[0]!.sp_enqueue_orchestrator_work;

    // The first ack creates the instance (contract v2 §3.7).
    expect(await tableRows(tenant, 'instances')).toEqual([]);
    expect(await tableRows(tenant, 'executions')).toEqual([]);
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([
      {
        id,
        instance_id: 'order-1',
        work_item: start,
        visible_at: String(BASE_MS + 4),
        lock_token: null,
        locked_until: null,
        created_at: new Date(BASE_MS + 4),
        attempt_count: 0,
      },
    ]);
  });

  it('queues a QueueMessage for its instance', async () => {
    await enqueueOrchestrator(tenant, queueMessage('chat-9'), BASE_MS, 5);
    expect(
      (await tableRows(tenant, 'orchestrator_queue')).map((r) => [r.instance_id, r.work_item, r.visible_at]),
    ).toEqual([['chat-9', queueMessage('chat-9'), String(BASE_MS + 5)]]);
  });

  it("notifies the schema's orchestrator channel with the message's visible_at, at commit", async () => {
    const [{ channel }] = (await tenant.pool.query(`SELECT ${tenant.quoted}._sp_notify_channel('orch') AS channel`))
      .rows as [{ channel: string }];
    const listener = await tenant.pool.connect();
    try {
      const payloads: string[] = [];
      listener.on('notification', (message) => {
        if (message.channel === channel) payloads.push(message.payload ?? '');
      });
      await listener.query(`LISTEN ${quoteIdentifier(channel)}`);
      // Nobody long-polls yet (no connection named as the schema's listener): no notification is sent (0015).
      await enqueueOrchestrator(tenant, externalRaised('quiet'), BASE_MS, 10);
      await listener.query('SELECT 1');
      expect(payloads).toEqual([]);
      await asListener(listener, tenant, async () => {
        await enqueueOrchestrator(tenant, timerFired('n', 1, BASE_MS + 9_000), BASE_MS, 10);
        await enqueueOrchestrator(tenant, externalRaised('n'), BASE_MS, 10);
        await listener.query('SELECT 1'); // delivers what arrived meanwhile
      });
      expect(payloads).toEqual([String(BASE_MS + 9_000), String(BASE_MS + 10)]);
      await listener.query(`UNLISTEN ${quoteIdentifier(channel)}`);
    } finally {
      listener.release();
    }
  });

  it('leaves an existing instance untouched on a second start, and creates no execution', async () => {
    await enqueueOrchestrator(
      tenant,
      startOrchestration('twice', { orchestration: 'First', version: '1.0.0' }),
      BASE_MS,
    );
    const instancesBefore = await tableRows(tenant, 'instances');
    const executionsBefore = await tableRows(tenant, 'executions');
    await enqueueOrchestrator(
      tenant,
      startOrchestration('twice', {
        orchestration: 'Second',
        version: '9.9.9',
        executionId: 2,
      }),
      BASE_MS + 100,
    );
    expect(await tableRows(tenant, 'instances')).toEqual(instancesBefore);
    expect(await tableRows(tenant, 'executions')).toEqual(executionsBefore);
    expect(await tableRows(tenant, 'orchestrator_queue')).toHaveLength(2);
  });

  it.each([
    ['ExternalRaised', externalRaised('x')],
    ['CancelInstance', cancelInstance('x', 'user')],
    ['ContinueAsNew', continueAsNew('x', { orchestration: 'O', version: null })],
    ['ActivityCompleted', activityCompleted('x', 2)],
    ['TimerFired', timerFired('x', 3, BASE_MS)],
    ['StartOrchestration', startOrchestration('x')],
    ['QueueMessage', queueMessage('x')],
  ])('queues a %s for an unknown instance without creating any rows', async (_kind, item) => {
    await enqueueOrchestrator(tenant, item, BASE_MS);
    expect(await tableRows(tenant, 'instances')).toEqual([]);
    expect(await tableRows(tenant, 'executions')).toEqual([]);
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([
      expect.objectContaining({ instance_id: 'x', work_item: item }),
    ]);
  });

  it.each([
    ['SubOrchCompleted', subOrchCompleted('parent-1', 4)],
    [
      'SubOrchFailed',
      {
        SubOrchFailed: {
          parent_instance: 'parent-1',
          parent_execution_id: 1,
          parent_id: 4,
          details: {
            Application: {
              kind: 'OrchestrationFailed',
              message: 'no stock',
              retryable: false,
            },
          },
        },
      },
    ],
  ])('routes a %s to its parent instance', async (_kind, item) => {
    await enqueueOrchestrator(tenant, item, BASE_MS);
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([
      expect.objectContaining({ instance_id: 'parent-1', work_item: item }),
    ]);
  });

  describe('visibility', () => {
    const visibleAt = async () =>
      (await tableRows<{ visible_at: string }>(tenant, 'orchestrator_queue'))[0]!.visible_at;

    it.each([
      ['no delay → now', externalRaised('a'), null, BASE_MS],
      ['a delay → now + delay', externalRaised('a'), 2_500, BASE_MS + 2_500],
      ['delay 0 → now', externalRaised('a'), 0, BASE_MS],
      ['a timer due later than the delay → fire_at_ms', timerFired('a', 1, BASE_MS + 9_000), 1_000, BASE_MS + 9_000],
      ['a timer due sooner than the delay → now + delay', timerFired('a', 1, BASE_MS + 500), 1_000, BASE_MS + 1_000],
      ['a timer with fire_at_ms 0 → now + delay', timerFired('a', 1, 0), 5_000, BASE_MS + 5_000],
      ['a timer already due → now', timerFired('a', 1, BASE_MS - 60_000), null, BASE_MS],
      [
        'a non-timer ignores fire_at_ms-like fields',
        {
          CancelInstance: {
            instance: 'a',
            reason: 'x',
            fire_at_ms: BASE_MS + 9_000,
          },
        },
        null,
        BASE_MS,
      ],
    ])('%s', async (_label, item, delayMs, expected) => {
      await enqueueOrchestrator(tenant, item, BASE_MS, delayMs);
      expect(await visibleAt()).toBe(String(expected));
    });
  });

  it('rejects an ActivityExecute with DXI01 and changes nothing', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS);
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_enqueue_orchestrator_work', json(activityExecute('a', 1)), BASE_MS, null),
      {
        code: 'DXI01',
        message: 'ActivityExecute should go to worker queue, not orchestrator queue',
      },
    );
  });

  it('rejects an unknown kind with DXI01', async () => {
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_enqueue_orchestrator_work', json({ Bogus: { instance: 'a' } }), BASE_MS, null),
      {
        code: 'DXI01',
        message: 'Unknown work item kind for the orchestrator queue: Bogus',
      },
    );
  });

  it.each([
    [
      'ExternalRaised without instance',
      { ExternalRaised: { name: 'x', data: 'y' } },
      'ExternalRaised work item has no target instance',
    ],
    ['ExternalRaised with an empty instance', externalRaised(''), 'ExternalRaised work item has no target instance'],
    [
      'SubOrchCompleted without parent_instance',
      {
        SubOrchCompleted: {
          instance: 'child',
          parent_execution_id: 1,
          parent_id: 4,
          result: '1',
        },
      },
      'SubOrchCompleted work item has no target instance',
    ],
    [
      'ExternalRaised whose instance is a number',
      { ExternalRaised: { instance: 42, name: 'x', data: 'y' } },
      'ExternalRaised work item has no target instance',
    ],
    [
      'SubOrchFailed whose parent_instance is an object',
      {
        SubOrchFailed: {
          parent_instance: { id: 'p' },
          parent_execution_id: 1,
          parent_id: 4,
          details: {},
        },
      },
      'SubOrchFailed work item has no target instance',
    ],
    [
      'StartOrchestration with execution_id 0',
      {
        StartOrchestration: {
          ...startOrchestration('a').StartOrchestration,
          execution_id: 0,
        },
      },
      'StartOrchestration execution_id must be a positive integer',
    ],
    [
      'StartOrchestration with a text execution_id',
      {
        StartOrchestration: {
          ...startOrchestration('a').StartOrchestration,
          execution_id: 'two',
        },
      },
      'StartOrchestration execution_id must be a positive integer',
    ],
    [
      'StartOrchestration without orchestration name',
      {
        StartOrchestration: {
          ...startOrchestration('a').StartOrchestration,
          orchestration: null,
        },
      },
      'StartOrchestration needs an orchestration name',
    ],
    [
      'TimerFired with a fractional fire_at_ms',
      { TimerFired: { instance: 'a', execution_id: 1, id: 3, fire_at_ms: 1.5 } },
      'TimerFired fire_at_ms must be a non-negative integer',
    ],
    [
      'TimerFired with a text fire_at_ms',
      { TimerFired: { instance: 'a', execution_id: 1, id: 3, fire_at_ms: 'soon' } },
      'TimerFired fire_at_ms must be a non-negative integer',
    ],
    [
      'TimerFired with a negative fire_at_ms',
      { TimerFired: { instance: 'a', execution_id: 1, id: 3, fire_at_ms: -1 } },
      'TimerFired fire_at_ms must be a non-negative integer',
    ],
  ])('rejects a %s with 22023 and creates nothing', async (_label, item, message) => {
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_enqueue_orchestrator_work', json(item), BASE_MS, null),
      { code: '22023', message },
    );
  });

  it.each(MALFORMED_ITEMS)('rejects %s with 22023', async (_label, item) => {
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_enqueue_orchestrator_work', json(item), BASE_MS, null),
      {
        code: '22023',
        message: 'each work item must be a JSON object with exactly one key naming its kind',
      },
    );
  });

  it.each([
    ['a NULL work item', null, BASE_MS, null, 'p_work_item and p_now_ms must not be NULL'],
    ['a NULL now', json(externalRaised('a')), null, null, 'p_work_item and p_now_ms must not be NULL'],
    ['a negative delay', json(externalRaised('a')), BASE_MS, -1, 'p_delay_ms must not be negative'],
  ])('rejects %s with 22023', async (_label, item, nowMs, delayMs, message) => {
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_enqueue_orchestrator_work', item, nowMs, delayMs),
      { code: '22023', message },
    );
  });

  it('can be called without the optional delay', async () => {
    await tenant.pool.query(`SELECT ${tenant.quoted}.sp_enqueue_orchestrator_work($1, $2)`, [
      json(externalRaised('a')),
      BASE_MS,
    ]);
    expect(await tableRows(tenant, 'orchestrator_queue')).toEqual([
      expect.objectContaining({ visible_at: String(BASE_MS) }),
    ]);
  });
});
