/**
 * Issue 9, item 6, in the procedures: every id and time a procedure takes or reads from a work item or event lies in
 * the safe-integer range (0 or 1 up to 2^53 - 1), so nothing the TypeScript client cannot read back exactly is ever
 * stored. Values beyond it come from clients that send int8 as text or as a bigint; each call below fails with 22023
 * (DXE01 for an event id, the procedures' error for an event id the runtime cannot have set) and changes nothing.
 */
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
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import {
  activityCompleted,
  activityExecute,
  externalRaised,
  orchestrationStarted,
  startOrchestration,
  timerFired,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema();

/** 2^53 as int8 text: past what a JavaScript number holds exactly. */
const UNSAFE = '9007199254740992';
const MAX_SAFE = '9007199254740991';

const outOfRange = (parameter: string, minimum: number, got: string) =>
  `${parameter} must be between ${minimum} and 9007199254740991, got ${got}`;

/** A started, fetched instance `x` (its lock token is given to each case) and a waiting instance `y`. */
async function fetchedX(): Promise<string> {
  await enqueueOrchestrator(tenant, startOrchestration('x'), BASE_MS);
  const item = await fetchItem(tenant, BASE_MS);
  await enqueueOrchestrator(tenant, startOrchestration('y'), BASE_MS);
  return item!.lock_token;
}

const ackWith = (lockToken: string, nowMs: unknown, executionId: unknown) =>
  call(tenant, 'sp_ack_orchestration_item', lockToken, nowMs, executionId, '[]', '[]', '[]');

describe('plain id and time arguments', () => {
  const cases: [label: string, run: (lockToken: string) => Promise<unknown>, message: string][] = [
    [
      'fetch: now 2^53',
      () => call(tenant, 'sp_fetch_orchestration_item', UNSAFE, LOCK_MS),
      outOfRange('p_now_ms', 0, UNSAFE),
    ],
    [
      'fetch: a negative now',
      () => call(tenant, 'sp_fetch_orchestration_item', -1, LOCK_MS),
      outOfRange('p_now_ms', 0, '-1'),
    ],
    [
      'fetch: lock timeout 2^53',
      () => call(tenant, 'sp_fetch_orchestration_item', BASE_MS, UNSAFE),
      outOfRange('p_lock_timeout_ms', 1, UNSAFE),
    ],
    ['ack: now 2^53', (token) => ackWith(token, UNSAFE, 1), outOfRange('p_now_ms', 0, UNSAFE)],
    ['ack: execution 2^53', (token) => ackWith(token, BASE_MS, UNSAFE), outOfRange('p_execution_id', 1, UNSAFE)],
    [
      'abandon: now 2^53',
      (token) => call(tenant, 'sp_abandon_orchestration_item', token, UNSAFE, null),
      outOfRange('p_now_ms', 0, UNSAFE),
    ],
    [
      'abandon: delay 2^53',
      (token) => call(tenant, 'sp_abandon_orchestration_item', token, BASE_MS, UNSAFE),
      outOfRange('p_delay_ms', 0, UNSAFE),
    ],
    [
      'enqueue: now 2^53',
      () => call(tenant, 'sp_enqueue_orchestrator_work', json(externalRaised('x')), UNSAFE, null),
      outOfRange('p_now_ms', 0, UNSAFE),
    ],
    [
      'enqueue: delay 2^53',
      () => call(tenant, 'sp_enqueue_orchestrator_work', json(externalRaised('x')), BASE_MS, UNSAFE),
      outOfRange('p_delay_ms', 0, UNSAFE),
    ],
    [
      'enqueue worker: now 2^53',
      () => call(tenant, 'sp_enqueue_worker_work', json(activityExecute('x', 1)), UNSAFE),
      outOfRange('p_now_ms', 0, UNSAFE),
    ],
    [
      'fetch work item: now 2^53',
      () => call(tenant, 'sp_fetch_work_item', UNSAFE, LOCK_MS),
      outOfRange('p_now_ms', 0, UNSAFE),
    ],
    [
      'fetch work item: lock timeout 2^53',
      () => call(tenant, 'sp_fetch_work_item', BASE_MS, UNSAFE),
      outOfRange('p_lock_timeout_ms', 1, UNSAFE),
    ],
    [
      'ack work item: now 2^53',
      () => call(tenant, 'sp_ack_work_item', 'token', json(activityCompleted('x', 1)), UNSAFE),
      outOfRange('p_now_ms', 0, UNSAFE),
    ],
    [
      'append: execution 2^53',
      () => call(tenant, 'sp_append_history', 'h', UNSAFE, json([orchestrationStarted(1)]), BASE_MS),
      outOfRange('p_execution_id', 1, UNSAFE),
    ],
    [
      'append: now 2^53',
      () => call(tenant, 'sp_append_history', 'h', 1, json([orchestrationStarted(1)]), UNSAFE),
      outOfRange('p_now_ms', 0, UNSAFE),
    ],
    ['queue depths: now 2^53', () => call(tenant, 'sp_get_queue_depths', UNSAFE), outOfRange('p_now_ms', 0, UNSAFE)],
    [
      'read history: execution 2^53',
      () => call(tenant, 'sp_read_history', 'x', UNSAFE),
      outOfRange('p_execution_id', 1, UNSAFE),
    ],
    ['read history: execution 0', () => call(tenant, 'sp_read_history', 'x', 0), outOfRange('p_execution_id', 1, '0')],
    [
      'execution info: execution 2^53',
      () => call(tenant, 'sp_get_execution_info', 'x', UNSAFE),
      outOfRange('p_execution_id', 1, UNSAFE),
    ],
  ];

  it.each(cases)('%s is refused with 22023 and changes nothing', async (_label, run, message) => {
    const token = await fetchedX();
    await expectFailureChangesNothing(tenant, () => run(token), { code: '22023', message });
  });

  it('accept the largest safe integer', async () => {
    const token = await fetchedX();
    await ackWith(token, BASE_MS, MAX_SAFE);
    expect((await call(tenant, 'sp_get_latest_execution_id', 'x')).rows).toEqual([
      { sp_get_latest_execution_id: MAX_SAFE },
    ]);
    expect((await call(tenant, 'sp_read_history', 'x', MAX_SAFE)).rows).toEqual([]);
    await call(tenant, 'sp_enqueue_orchestrator_work', json(externalRaised('x')), 1, MAX_SAFE);
    await call(tenant, 'sp_get_queue_depths', MAX_SAFE);
  });
});

describe('ids and times inside work items and events', () => {
  it('refuses a StartOrchestration execution_id of 2^53, which would leave the instance unreadable', async () => {
    const item = json(startOrchestration('far')).replace('"execution_id":1', `"execution_id":${UNSAFE}`);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_enqueue_orchestrator_work', item, BASE_MS), {
      code: '22023',
      message: 'StartOrchestration execution_id must be a positive integer',
    });
    const largest = json(startOrchestration('far')).replace('"execution_id":1', `"execution_id":${MAX_SAFE}`);
    await call(tenant, 'sp_enqueue_orchestrator_work', largest, BASE_MS);
    expect((await fetchItem(tenant, BASE_MS))?.execution_id).toBe(MAX_SAFE);
  });

  it('refuses a child start with execution_id 2^53 in an ack', async () => {
    const token = await fetchedX();
    const child = json([startOrchestration('x::child', { parentInstance: 'x' })]).replace(
      '"execution_id":1',
      `"execution_id":${UNSAFE}`,
    );
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_ack_orchestration_item', token, BASE_MS, 1, '[]', '[]', child),
      { code: '22023', message: 'StartOrchestration execution_id must be a positive integer' },
    );
  });

  it('refuses a TimerFired fire_at_ms of 2^53', async () => {
    const item = json(timerFired('t', 1, 5)).replace('"fire_at_ms":5', `"fire_at_ms":${UNSAFE}`);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_enqueue_orchestrator_work', item, BASE_MS), {
      code: '22023',
      message: 'TimerFired fire_at_ms must be a non-negative integer',
    });
  });

  it('refuses an event_id of 2^53 with DXE01, in an append and in an ack', async () => {
    const events = json([orchestrationStarted(1)]).replace('"event_id":1', `"event_id":${UNSAFE}`);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_append_history', 'h', 1, events, BASE_MS), {
      code: 'DXE01',
      message: 'event_id must be set by runtime',
    });
    const token = await fetchedX();
    await expectFailureChangesNothing(
      tenant,
      () => call(tenant, 'sp_ack_orchestration_item', token, BASE_MS, 1, events, '[]', '[]'),
      { code: 'DXE01', message: 'event_id must be set by runtime' },
    );
    await appendHistory(tenant, 'h', 1, [orchestrationStarted(Number.MAX_SAFE_INTEGER)]);
    await ackItem(tenant, token, BASE_MS, { delta: [orchestrationStarted(Number.MAX_SAFE_INTEGER)] });
  });
});
