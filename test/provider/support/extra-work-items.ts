/**
 * Builders the suite needs beyond test/support/work-items.ts (contract §2.3, §2.4), same conventions: the exact
 * JSON shapes the Rust runtime writes.
 */

export function cancelInstance(instance: string, reason = 'user request') {
  return { CancelInstance: { instance, reason } };
}

export function continueAsNew(instance: string, input: string) {
  return { ContinueAsNew: { instance, orchestration: 'TestOrch', input, version: '1.0.0' } };
}

export function orchestrationCompleted(eventId: number, output: string) {
  return { OrchestrationCompleted: { event_id: eventId, output } };
}

export function timerCreated(eventId: number, fireAtMs: number, executionId = 1) {
  return { TimerCreated: { event_id: eventId, fire_at_ms: fireAtMs, execution_id: executionId } };
}
