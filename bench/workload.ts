/** The messages and events the scenarios send: one orchestration `Bench` with one activity `Work`. */
import type { HistoryEvent } from '../provider/types/history-event.js';
import type { ExecutionMetadata } from '../provider/types/provider-types.js';
import type { ActivityCompletion, WorkItem } from '../provider/types/work-item.js';

export const startMessage = (instance: string): WorkItem => ({
  StartOrchestration: {
    instance,
    orchestration: 'Bench',
    input: '{}',
    version: '1.0.0',
    parent_instance: null,
    parent_id: null,
    execution_id: 1,
  },
});

export const activityMessage = (instance: string): WorkItem => ({
  ActivityExecute: { instance, execution_id: 1, id: 2, name: 'Work', input: '1' },
});

export const completionMessage = (instance: string): ActivityCompletion => ({
  ActivityCompleted: { instance, execution_id: 1, id: 2, result: '"ok"' },
});

export const externalMessage = (instance: string): WorkItem => ({
  ExternalRaised: { instance, name: 'Ping', data: '{}' },
});

export const startedEvent: HistoryEvent = {
  OrchestrationStarted: {
    event_id: 1,
    name: 'Bench',
    version: '1.0.0',
    input: '{}',
    parent_instance: null,
    parent_id: null,
  },
};

export const scheduledEvent = (eventId: number): HistoryEvent => ({
  ActivityScheduled: { event_id: eventId, name: 'Work', input: '1', execution_id: 1 },
});

export const activityCompletedEvent = (eventId: number): HistoryEvent => ({
  ActivityCompleted: { event_id: eventId, source_event_id: 2, result: '"ok"' },
});

export const orchestrationCompletedEvent = (eventId: number): HistoryEvent => ({
  OrchestrationCompleted: { event_id: eventId, output: '"done"' },
});

/** Turn 1 of the two-turn orchestration: started, one activity scheduled. */
export const firstTurnEvents: HistoryEvent[] = [startedEvent, scheduledEvent(2)];
export const firstTurnMetadata: ExecutionMetadata = { orchestrationName: 'Bench', orchestrationVersion: '1.0.0' };
/** Turn 2: the activity's result, and done. */
export const lastTurnEvents: HistoryEvent[] = [activityCompletedEvent(3), orchestrationCompletedEvent(4)];
export const completedMetadata: ExecutionMetadata = { status: 'Completed', output: '"done"' };

/** A one-turn orchestration (started and completed at once): the turn pgbench and `turnLoop` both drive. */
export const oneTurnEvents: HistoryEvent[] = [startedEvent, orchestrationCompletedEvent(2)];
export const oneTurnMetadata: ExecutionMetadata = { ...completedMetadata, ...firstTurnMetadata };

/** An orchestration's first turn writing `count` events: started, then `count - 1` scheduled activities. */
export const longHistory = (count: number): HistoryEvent[] => [
  startedEvent,
  ...Array.from({ length: count - 1 }, (_, index) => scheduledEvent(index + 2)),
];
