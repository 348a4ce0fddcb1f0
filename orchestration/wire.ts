import type { ErrorDetails, HistoryEvent, WorkItem } from '../provider/types/index.js';

export type { ErrorDetails, HistoryEvent, WorkItem } from '../provider/types/index.js';

/** W1: the parent execution that scheduled a child, carried on its start item and its `OrchestrationStarted`. */
export interface ParentExecutionLink {
  parent_execution_id?: number;
}

export type StartedBody = Extract<HistoryEvent, { OrchestrationStarted: unknown }>['OrchestrationStarted'] &
  ParentExecutionLink;
export type StartItemBody = Extract<WorkItem, { StartOrchestration: unknown }>['StartOrchestration'] &
  ParentExecutionLink;

/** The single key of an externally tagged event or work item. */
export function kindOf(value: HistoryEvent | WorkItem): string {
  return Object.keys(value)[0]!;
}

/** The body of an externally tagged value, loosely typed for generic reads. */
export function bodyOf(value: HistoryEvent | WorkItem): Record<string, unknown> {
  return Object.values(value)[0] as Record<string, unknown>;
}

export function eventIdOf(event: HistoryEvent): number {
  return bodyOf(event).event_id as number;
}

export function withEventId(event: HistoryEvent, eventId: number): HistoryEvent {
  const kind = kindOf(event);
  return { [kind]: { ...bodyOf(event), event_id: eventId } } as HistoryEvent;
}

/** Failures the orchestration code never sees (§2.3 rule 5): they fail the whole instance, and its parent. */
export const isSystemError = (details: ErrorDetails): boolean =>
  'Infrastructure' in details || 'Configuration' in details || 'Poison' in details;

/** W3 (§5.3): a producer's W3C `traceparent` on `StartOrchestration`, `ExternalRaised` and `ActivityExecute`. */
export interface TraceContextLink {
  trace_context?: string;
}

/** The body with `trace_context` added when there is one (absent otherwise, so untraced items stay unchanged). */
export function withTraceContext<B extends object>(body: B, traceparent: string | undefined): B & TraceContextLink {
  return traceparent === undefined ? body : { ...body, trace_context: traceparent };
}
