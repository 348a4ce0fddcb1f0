import type { HistoryEvent } from '../types/history-event.js';
import type { ActivityCompletion, KindOf, WorkItem, WorkItemKind } from '../types/work-item.js';
import { InlineSqlError } from './inline-sql-error.js';
import { isWorkItemKind, kindOf, WORK_ITEM_KINDS } from '../kinds.js';

/**
 * The procedures' checks of work items and events, for the inline baseline. The SQL is the authority (`_sp_kind`,
 * `_sp_route`, `_sp_is_whole_bigint`, `_sp_enqueue_orchestrator_items`, `_sp_enqueue_worker_items`,
 * `_sp_insert_history`, `sp_ack_worker`); each check here fails where its counterpart fails, in the same order, with
 * the same SQLSTATE and message, which the parity test compares. The procedures path has no TypeScript checks.
 */

type Body = Record<string, unknown>;
/** The kinds `ackWorker` accepts: exactly those of the `ActivityCompletion` type. */
const COMPLETIONS: Record<KindOf<ActivityCompletion>, true> = { ActivityCompleted: true, ActivityFailed: true };

const SHAPE = 'must be a JSON object with exactly one key naming its kind';

function fail(code: string, message: string): never {
  throw new InlineSqlError(code, message);
}

/** JSON null or a missing field: what the SQL treats as "not given". */
const isAbsent = (value: unknown): boolean => value === undefined || value === null;

/** `_sp_is_whole_bigint`: a whole number from minimum to 2^53 - 1 (a safe integer, readable back exactly). */
function isWholeBigint(value: unknown, minimum: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum;
}

/** The NULL check of `sp_enqueue_worker_work` and `sp_enqueue_orchestrator_work` (the clock is never NULL here). */
export function checkItemGiven(item: unknown): void {
  if (isAbsent(item)) fail('22023', 'p_work_item and p_now_ms must not be NULL');
}

/** One event as `_sp_insert_history` checks it; returns its kind and event id. */
export function checkEvent(event: HistoryEvent): { kind: string; eventId: number } {
  const kind = kindOf(event) ?? fail('22023', `each event ${SHAPE}`);
  const eventId = (event as unknown as Record<string, Body>)[kind]!.event_id;
  if (!isWholeBigint(eventId, 1)) fail('DXE01', 'event_id must be set by runtime');
  return { kind, eventId: eventId as number };
}

/** One worker item as `_sp_enqueue_worker_items` checks it. */
export function checkWorkerItem(item: WorkItem): void {
  const kind = kindOf(item) ?? fail('22023', `each work item ${SHAPE}`);
  if (!isWorkItemKind(kind) || WORK_ITEM_KINDS[kind].queue !== 'worker') {
    fail('DXI01', `Only ActivityExecute goes to the worker queue, not ${kind}`);
  }
  // The identity and routing columns of the v2 table come from these fields (0007).
  const body = (item as unknown as Record<string, Body>)[kind]!;
  const malformed = (field: string) => fail('22023', `ActivityExecute ${field} is missing or malformed`);
  if (typeof body.instance !== 'string' || body.instance === '') malformed('instance');
  if (!isWholeBigint(body.execution_id, 1)) malformed('execution_id');
  if (!isWholeBigint(body.id, 0)) malformed('id');
  if (!isAbsent(body.session_id) && typeof body.session_id !== 'string') malformed('session_id');
  if (!isAbsent(body.tag) && typeof body.tag !== 'string') malformed('tag');
}

/**
 * One orchestrator message as `_sp_enqueue_orchestrator_items` checks it (the first failing check wins, in the
 * SQL's order); returns its kind, its body and the instance whose queue it goes to.
 */
export function checkOrchestratorItem(item: WorkItem): { kind: WorkItemKind; body: Body; instance: string } {
  const kind = kindOf(item) ?? fail('22023', `each work item ${SHAPE}`);
  if (isWorkItemKind(kind) && WORK_ITEM_KINDS[kind].queue === 'worker') {
    fail('DXI01', `${kind} should go to worker queue, not orchestrator queue`);
  }
  if (!isWorkItemKind(kind)) fail('DXI01', `Unknown work item kind for the orchestrator queue: ${kind}`);
  const body = (item as unknown as Record<string, Body>)[kind]!;
  const instance = body[WORK_ITEM_KINDS[kind].target];
  if (typeof instance !== 'string' || instance === '') fail('22023', `${kind} work item has no target instance`);
  if (kind === 'StartOrchestration') {
    if (isAbsent(body.orchestration) || body.orchestration === '') {
      fail('22023', 'StartOrchestration needs an orchestration name');
    }
    // A missing or null execution_id means execution 1; anything else must be a valid id.
    if (!isAbsent(body.execution_id) && !isWholeBigint(body.execution_id, 1)) {
      fail('22023', 'StartOrchestration execution_id must be a positive integer');
    }
  }
  // A missing or null fire_at_ms means "no due time": visible after the delay.
  if (kind === 'TimerFired' && !isAbsent(body.fire_at_ms) && !isWholeBigint(body.fire_at_ms, 0)) {
    fail('22023', 'TimerFired fire_at_ms must be a non-negative integer');
  }
  return { kind, body, instance };
}

/** The completion `ackWorker` is given, as `sp_ack_worker` checks it before touching the queue. */
export function checkCompletion(completion: WorkItem): asserts completion is ActivityCompletion {
  const kind = kindOf(completion) ?? fail('22023', `p_completion ${SHAPE}`);
  if (!Object.hasOwn(COMPLETIONS, kind)) {
    fail('DXI01', `Invalid completion type: ${kind} (expected ActivityCompleted or ActivityFailed)`);
  }
}
