import { isEventKind, isWorkItemKind, kindOf, WORK_ITEM_KINDS } from './kinds.js';
import { ProviderError } from './provider-error.js';
import type { HistoryEvent } from './types/history-event.js';
import type { StoredTurn } from './backend.js';
import type { FetchedOrchestrationItem, KvEntry } from './types/provider-types.js';
import type { WorkItem } from './types/work-item.js';

/**
 * Rows read back from the store are checked before they reach the runtime (contract v2 §3.2.5). The columns are
 * JSONB and the procedures check kinds on the way in, so a row fails here only when something else wrote it: a newer
 * runtime, or a hand edit. Handing such a row on would make the replay engine misbehave; skipping it would silently
 * rewrite the history. So a read fails, permanently, with `DXC01`, naming where the bad row is; a fetch, which holds a
 * lock by then, reports it as `historyError` instead (`decodeFetchedTurn`).
 */
export const UNDECODABLE = 'DXC01';

/** A stored value for an error message, cut at 200 characters. */
const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

function undecodable(operation: string, where: string, value: unknown): ProviderError {
  return new ProviderError(operation, `Failed to deserialize ${where}: ${describe(value)}`, UNDECODABLE, false);
}

function isEvent(value: unknown): value is HistoryEvent {
  const kind = kindOf(value);
  if (kind === null || !isEventKind(kind)) return false;
  const eventId = (value as Record<string, { event_id?: unknown }>)[kind]!.event_id;
  return typeof eventId === 'number' && Number.isSafeInteger(eventId) && eventId >= 1;
}

/** The events of one instance's history, unchanged, or DXC01 at the first that is not a known event. */
export function checkHistory(operation: string, instance: string, events: readonly unknown[]): HistoryEvent[] {
  events.forEach((event, index) => {
    if (!isEvent(event)) throw undecodable(operation, `history event ${index + 1} of instance '${instance}'`, event);
  });
  return events as HistoryEvent[];
}

function isOrchestratorMessage(value: unknown): value is WorkItem {
  const kind = kindOf(value);
  return kind !== null && isWorkItemKind(kind) && WORK_ITEM_KINDS[kind].queue === 'orchestrator';
}

/** `kv_snapshot` as the procedure builds it: `{key: {"value": …, "last_updated_at_ms": …}}`. */
function kvSnapshotOf(raw: unknown): Record<string, KvEntry> | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `KV snapshot: ${describe(raw)}`;
  const snapshot: Record<string, KvEntry> = {};
  for (const [key, entry] of Object.entries(raw as Record<string, unknown>)) {
    const { value, last_updated_at_ms: lastUpdatedAtMs } = (entry ?? {}) as Record<string, unknown>;
    if (typeof value !== 'string' || typeof lastUpdatedAtMs !== 'number') {
      return `KV snapshot entry ${JSON.stringify(key)}: ${describe(entry)}`;
    }
    snapshot[key] = { value, lastUpdatedAtMs };
  }
  return snapshot;
}

/** Why a stored turn does not decode, or null when it does. */
function problemOf(turn: StoredTurn, messages: unknown[]): string | null {
  const where = `instance '${turn.instance}' execution ${turn.executionId}`;
  if (!Array.isArray(turn.history)) return `history of ${where} is not a list: ${describe(turn.history)}`;
  const badEvent = turn.history.findIndex((event) => !isEvent(event));
  if (badEvent >= 0) {
    return (
      `Failed to deserialize history event ${badEvent + 1} of ${where}: ` + describe(turn.history[badEvent] as unknown)
    );
  }
  const badMessage = messages.findIndex((message) => !isOrchestratorMessage(message));
  if (badMessage >= 0) {
    return `message decode: message ${badMessage + 1} of ${where}: ${describe(messages[badMessage])}`;
  }
  return null;
}

/**
 * A fetched turn for the runtime (contract v2 §3.2.5). The fetch has committed its lock by now, so nothing here may
 * throw: a history event or message that does not decode becomes `historyError` (with `history: []` and only the
 * messages that do decode), and the runtime's poison path ends the instance instead of the lock sitting unused until
 * it expires.
 */
export function decodeFetchedTurn(turn: StoredTurn): FetchedOrchestrationItem {
  const rawMessages = Array.isArray(turn.messages) ? (turn.messages as unknown[]) : [turn.messages];
  const kvSnapshot = kvSnapshotOf(turn.kvSnapshot);
  const historyError = problemOf(turn, rawMessages) ?? (typeof kvSnapshot === 'string' ? kvSnapshot : null);
  return {
    item: {
      instance: turn.instance,
      orchestrationName: turn.orchestrationName,
      executionId: turn.executionId,
      version: turn.version,
      history: historyError === null ? (turn.history as HistoryEvent[]) : [],
      messages: rawMessages.filter(isOrchestratorMessage),
      historyError,
      kvSnapshot: typeof kvSnapshot === 'string' ? {} : kvSnapshot,
    },
    lockToken: turn.lockToken,
    attemptCount: turn.attemptCount,
  };
}

/** Raised when a fetched worker row is not an `ActivityExecute` the runtime can run (contract v2 §3.2.5). */
export const UNDECODABLE_WORK_ITEM = 'DXC02';

const isOptionalString = (value: unknown) => value === undefined || value === null || typeof value === 'string';
const isWholeNumber = (value: unknown, minimum: number) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum;

/**
 * A fetched worker item, unchanged, or DXC02 when it is not a well-formed ActivityExecute. The row stays locked by
 * the fetch (so it is skipped for one lock period instead of stalling the queue); the error names its queue id.
 */
export function checkWorkItem(operation: string, rowId: number, item: unknown): WorkItem {
  const body =
    kindOf(item) === 'ActivityExecute' ? (item as { ActivityExecute: Record<string, unknown> }).ActivityExecute : null;
  const valid =
    body !== null &&
    typeof body.instance === 'string' &&
    isWholeNumber(body.execution_id, 1) &&
    isWholeNumber(body.id, 0) &&
    typeof body.name === 'string' &&
    typeof body.input === 'string' &&
    isOptionalString(body.session_id) &&
    isOptionalString(body.tag);
  if (!valid) {
    const text = JSON.stringify(item) ?? String(item);
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    throw new ProviderError(
      operation,
      `Failed to deserialize worker item (worker_queue id ${rowId}): ${shown}`,
      UNDECODABLE_WORK_ITEM,
      false,
    );
  }
  return item as WorkItem;
}
