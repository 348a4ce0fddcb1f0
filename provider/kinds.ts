import type { HistoryEventKind } from './types/history-event.js';
import type { WorkItem, WorkItemKind } from './types/work-item.js';

/**
 * The kinds of the contract's JSON (§2), as values: the types in `types/` say what a kind carries, these tables say
 * which kinds exist, keyed by those types so the compiler keeps the two in step. The SQL's kind lists are the same
 * (the parity test compares the inline checks built on these with the procedures).
 */

export type BodyOf<K extends WorkItemKind> = Extract<WorkItem, Record<K, unknown>>[K];

/**
 * Every work-item kind: the queue it goes to and the field naming the instance it is routed to (`_sp_route`). Keyed
 * by the `WorkItem` union, so the compiler keeps the two in step; the SQL's kind lists are the same (parity test).
 */
export const WORK_ITEM_KINDS: {
  [K in WorkItemKind]: { queue: 'orchestrator' | 'worker'; target: keyof BodyOf<K> & ('instance' | 'parent_instance') };
} = {
  StartOrchestration: { queue: 'orchestrator', target: 'instance' },
  ActivityExecute: { queue: 'worker', target: 'instance' },
  ActivityCompleted: { queue: 'orchestrator', target: 'instance' },
  ActivityFailed: { queue: 'orchestrator', target: 'instance' },
  TimerFired: { queue: 'orchestrator', target: 'instance' },
  ExternalRaised: { queue: 'orchestrator', target: 'instance' },
  SubOrchCompleted: { queue: 'orchestrator', target: 'parent_instance' },
  SubOrchFailed: { queue: 'orchestrator', target: 'parent_instance' },
  CancelInstance: { queue: 'orchestrator', target: 'instance' },
  ContinueAsNew: { queue: 'orchestrator', target: 'instance' },
  QueueMessage: { queue: 'orchestrator', target: 'instance' },
};

/** `_sp_kind`: the single key of a work item or event whose value is an object; null when not shaped like one. */
export function kindOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const body = (value as Record<string, unknown>)[keys[0]!];
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? keys[0]! : null;
}

/** Every history-event kind, keyed by the `HistoryEvent` union so the compiler keeps the two in step. */
export const EVENT_KINDS: Record<HistoryEventKind, true> = {
  OrchestrationStarted: true,
  OrchestrationCompleted: true,
  OrchestrationFailed: true,
  ActivityScheduled: true,
  ActivityCompleted: true,
  ActivityFailed: true,
  TimerCreated: true,
  TimerFired: true,
  ExternalSubscribed: true,
  ExternalEvent: true,
  OrchestrationChained: true,
  SubOrchestrationScheduled: true,
  SubOrchestrationCompleted: true,
  SubOrchestrationFailed: true,
  OrchestrationContinuedAsNew: true,
  OrchestrationCancelRequested: true,
  SystemCall: true,
  ActivityCancelRequested: true,
  SubOrchestrationCancelRequested: true,
  ExternalSubscribedCancelled: true,
  ExternalSubscribedPersistent: true,
  ExternalEventPersistent: true,
  ExternalSubscribedPersistentCancelled: true,
  CustomStatusUpdated: true,
  KeyValueSet: true,
  KeyValueCleared: true,
  KeyValuesCleared: true,
};

export const isWorkItemKind = (kind: string): kind is WorkItemKind => Object.hasOwn(WORK_ITEM_KINDS, kind);

export const isEventKind = (kind: string): kind is HistoryEventKind => Object.hasOwn(EVENT_KINDS, kind);
