import { activityExecute } from './work-items.js';

/** An ActivityExecute bound to a session and/or a tag (contract v2 §2.3: both fields omitted when absent). */
export function routedActivity(
  instance: string,
  id: number,
  routing: { sessionId?: string; tag?: string; executionId?: number } = {},
) {
  const item = activityExecute(instance, id, routing.executionId ?? 1);
  return {
    ActivityExecute: {
      ...item.ActivityExecute,
      ...(routing.sessionId === undefined ? {} : { session_id: routing.sessionId }),
      ...(routing.tag === undefined ? {} : { tag: routing.tag }),
    },
  };
}
