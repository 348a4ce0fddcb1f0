import { ProviderError } from './provider-error.js';
import type { HistoryEvent } from './types/history-event.js';
import type { ActivityCompletion, WorkItem, WorkItemKind } from './types/work-item.js';

/**
 * Checks done before any database call, so both backends refuse bad input the same way and with the same
 * SQLSTATEs the procedures use (DXI01 wrong kind, DXE01 event id, 22023 malformed).
 */

/** The single key of a work item or event, or null when the value is not shaped like one. */
export function kindOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const body = (value as Record<string, unknown>)[keys[0]!];
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? keys[0]! : null;
}

const orchestratorKinds = new Set<WorkItemKind>([
  'StartOrchestration',
  'ActivityCompleted',
  'ActivityFailed',
  'TimerFired',
  'ExternalRaised',
  'SubOrchCompleted',
  'SubOrchFailed',
  'CancelInstance',
  'ContinueAsNew',
]);

function requireShape(operation: string, value: unknown, what: string): string {
  const kind = kindOf(value);
  if (kind === null) {
    throw ProviderError.invalidInput(operation, `${what} must be a JSON object with exactly one key naming its kind`);
  }
  return kind;
}

export function requireInstanceId(operation: string, instance: unknown): void {
  if (typeof instance !== 'string' || instance.length === 0) {
    throw ProviderError.invalidInput(operation, 'instance id must be a non-empty string');
  }
}

export function requireExecutionId(operation: string, executionId: unknown): void {
  if (!Number.isSafeInteger(executionId) || (executionId as number) < 1) {
    throw ProviderError.invalidInput(operation, `execution id must be a positive integer, got ${String(executionId)}`);
  }
}

export function requireDelay(operation: string, delayMs: number | undefined): void {
  if (delayMs !== undefined && (!Number.isSafeInteger(delayMs) || delayMs < 0)) {
    throw ProviderError.invalidInput(operation, `delay must be a non-negative integer of milliseconds, got ${delayMs}`);
  }
}

export function requireOrchestratorItems(operation: string, items: readonly WorkItem[]): void {
  for (const item of items) {
    const kind = requireShape(operation, item, 'a work item');
    if (kind === 'ActivityExecute') {
      throw ProviderError.invalidInput(operation, 'ActivityExecute should go to worker queue, not orchestrator queue', 'DXI01');
    }
    if (!orchestratorKinds.has(kind as WorkItemKind)) {
      throw ProviderError.invalidInput(operation, `Unknown work item kind for the orchestrator queue: ${kind}`, 'DXI01');
    }
    const body = (item as Record<string, Record<string, unknown>>)[kind]!;
    const target = kind === 'SubOrchCompleted' || kind === 'SubOrchFailed' ? body.parent_instance : body.instance;
    if (typeof target !== 'string' || target.length === 0) {
      throw ProviderError.invalidInput(operation, `${kind} work item has no target instance`);
    }
  }
}

export function requireWorkerItems(operation: string, items: readonly WorkItem[]): void {
  for (const item of items) {
    const kind = requireShape(operation, item, 'a work item');
    if (kind !== 'ActivityExecute') {
      throw ProviderError.invalidInput(operation, `Only ActivityExecute goes to the worker queue, not ${kind}`, 'DXI01');
    }
  }
}

export function requireCompletion(operation: string, completion: unknown): asserts completion is ActivityCompletion {
  const kind = requireShape(operation, completion, 'the completion');
  if (kind !== 'ActivityCompleted' && kind !== 'ActivityFailed') {
    throw ProviderError.invalidInput(
      operation,
      `Invalid completion type: ${kind} (expected ActivityCompleted or ActivityFailed)`,
      'DXI01',
    );
  }
}

export function requireEvents(operation: string, events: readonly HistoryEvent[]): void {
  for (const event of events) {
    const kind = requireShape(operation, event, 'an event');
    const eventId = (event as Record<string, { event_id?: unknown }>)[kind]!.event_id;
    if (!Number.isSafeInteger(eventId) || (eventId as number) < 1) {
      throw ProviderError.invalidInput(operation, 'event_id must be set by runtime', 'DXE01');
    }
  }
}
