import { isEventKind, isWorkItemKind, kindOf, WORK_ITEM_KINDS } from './kinds.js';
import { ProviderError } from './provider-error.js';
import type { HistoryEvent } from './types/history-event.js';
import type { OrchestrationItem } from './types/provider-types.js';
import type { WorkItem } from './types/work-item.js';

/**
 * Rows read back from the store are checked before they reach the runtime (contract v2 §3.2.5). The columns are
 * JSONB and the procedures check kinds on the way in, so a row fails here only when something else wrote it: a newer
 * runtime, or a hand edit. Handing such a row on would make the replay engine misbehave; skipping it would silently
 * rewrite the history. So the read fails, permanently, with `DXC01`, naming where the bad row is.
 */
export const UNDECODABLE = 'DXC01';

function undecodable(operation: string, where: string, value: unknown): ProviderError {
  const text = JSON.stringify(value) ?? String(value);
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new ProviderError(operation, `Failed to deserialize ${where}: ${shown}`, UNDECODABLE, false);
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

/** A fetched batch, unchanged, or DXC01 when its history or a message does not decode. */
export function checkOrchestrationItem(operation: string, item: OrchestrationItem | null): OrchestrationItem | null {
  if (item === null) return null;
  checkHistory(operation, item.instance, item.history);
  item.messages.forEach((message: WorkItem, index) => {
    const kind = kindOf(message);
    if (kind === null || !isWorkItemKind(kind) || WORK_ITEM_KINDS[kind].queue !== 'orchestrator') {
      throw undecodable(operation, `message ${index + 1} of instance '${item.instance}'`, message);
    }
  });
  return item;
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
