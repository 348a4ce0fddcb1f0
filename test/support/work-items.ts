/** Builders for the contract's work items and events (§2), with the shapes the Rust runtime writes. */

export function startOrchestration(
  instance: string,
  options: { orchestration?: string; version?: string | null; executionId?: number; parentInstance?: string } = {},
) {
  return {
    StartOrchestration: {
      instance,
      orchestration: options.orchestration ?? 'TestOrch',
      input: '{}',
      version: options.version === undefined ? '1.0.0' : options.version,
      parent_instance: options.parentInstance ?? null,
      parent_id: options.parentInstance ? 1 : null,
      execution_id: options.executionId ?? 1,
    },
  };
}

export function activityExecute(instance: string, id: number, executionId = 1) {
  return { ActivityExecute: { instance, execution_id: executionId, id, name: 'Charge', input: String(id) } };
}

export function activityCompleted(instance: string, id: number, executionId = 1) {
  return { ActivityCompleted: { instance, execution_id: executionId, id, result: `"ok-${id}"` } };
}

export function timerFired(instance: string, id: number, fireAtMs: number, executionId = 1) {
  return { TimerFired: { instance, execution_id: executionId, id, fire_at_ms: fireAtMs } };
}

export function externalRaised(instance: string, name = 'Approved', data = 'true') {
  return { ExternalRaised: { instance, name, data } };
}

export function subOrchCompleted(parentInstance: string, parentId: number) {
  return {
    SubOrchCompleted: {
      parent_instance: parentInstance,
      parent_execution_id: 1,
      parent_id: parentId,
      result: '"done"',
    },
  };
}

export function orchestrationStarted(eventId: number, name = 'TestOrch', version = '1.0.0') {
  return {
    OrchestrationStarted: { event_id: eventId, name, version, input: '{}', parent_instance: null, parent_id: null },
  };
}

export function activityScheduled(eventId: number, name = 'Charge', executionId = 1) {
  return { ActivityScheduled: { event_id: eventId, name, input: '42', execution_id: executionId } };
}

export function continueAsNew(
  instance: string,
  options: { orchestration?: string; input?: string; version?: string | null } = {},
) {
  return {
    ContinueAsNew: {
      instance,
      orchestration: options.orchestration ?? 'TestOrch',
      input: options.input ?? '{}',
      version: options.version === undefined ? '1.0.0' : options.version,
    },
  };
}

export function cancelInstance(instance: string, reason = 'user request') {
  return { CancelInstance: { instance, reason } };
}

export function activityFailed(instance: string, id: number, executionId = 1) {
  return {
    ActivityFailed: {
      instance,
      execution_id: executionId,
      id,
      details: { Application: { kind: 'ActivityFailed', message: 'card declined', retryable: false } },
    },
  };
}

export function orchestrationCompleted(eventId: number, output: string) {
  return { OrchestrationCompleted: { event_id: eventId, output } };
}

export function timerCreated(eventId: number, fireAtMs: number, executionId = 1) {
  return { TimerCreated: { event_id: eventId, fire_at_ms: fireAtMs, execution_id: executionId } };
}

// --- contract v2 (§2.3, §2.4) --------------------------------------------------------------------------------

export function queueMessage(instance: string, name = 'inbox', data = '"hello"') {
  return { QueueMessage: { instance, name, data } };
}

export function customStatusUpdated(eventId: number, status: string | null) {
  return { CustomStatusUpdated: { event_id: eventId, status } };
}

export function keyValueSet(eventId: number, key: string, value: string, lastUpdatedAtMs = 0) {
  return { KeyValueSet: { event_id: eventId, key, value, last_updated_at_ms: lastUpdatedAtMs } };
}

export function keyValueCleared(eventId: number, key: string) {
  return { KeyValueCleared: { event_id: eventId, key } };
}

export function keyValuesCleared(eventId: number) {
  return { KeyValuesCleared: { event_id: eventId } };
}
