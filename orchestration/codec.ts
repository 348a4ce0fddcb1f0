import type { ErrorDetails } from './wire.js';
import { EncodingError } from './errors.js';

/** JSON text for a value crossing a durable boundary (§1.2); `undefined` becomes `null`. */
export function encode(value: unknown): string {
  if (value === undefined) return 'null';
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new EncodingError(`value is not JSON-serializable: ${messageOf(error)}`);
  }
  if (text === undefined) throw new EncodingError(`value is not JSON-serializable: ${typeof value}`);
  return text;
}

/** The value behind a payload string; text that is not JSON (written by other writers) is returned as is. */
export function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Orchestration inputs: an empty string (other writers) means no input. */
export const decodeInput = (text: string): unknown => (text === '' ? undefined : decode(text));

/** `decode`, then once more when the result is a string holding JSON (duroxide-node's typed variants). */
export function decodeTyped(text: string): unknown {
  const value = decode(text);
  return typeof value === 'string' ? decode(value) : value;
}

/** The message recorded for a thrown value: an Error's message, a string itself, else its JSON. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** The display message of recorded error details (§1.7). */
export function displayMessage(details: ErrorDetails): string {
  if ('Infrastructure' in details) {
    const { operation, message } = details.Infrastructure;
    return `infrastructure:${operation}: ${message}`;
  }
  if ('Configuration' in details) {
    const { kind, resource, message } = details.Configuration;
    if (kind === 'Nondeterminism') return `nondeterministic: ${message ?? ''}`;
    if (typeof kind === 'object')
      return `canceled: missing version ${resource}@${kind.MissingVersion.requested_version}`;
    return `unregistered:${resource}`;
  }
  if ('Poison' in details) return poisonDisplay(details.Poison);
  const { kind, message } = details.Application;
  if (typeof kind === 'object') return `canceled: ${kind.Cancelled.reason}`;
  return message;
}

export const applicationError = (kind: 'ActivityFailed' | 'OrchestrationFailed', message: string): ErrorDetails => ({
  Application: { kind, message, retryable: false },
});

export const cancelledError = (reason: string, message = ''): ErrorDetails => ({
  Application: { kind: { Cancelled: { reason } }, message, retryable: false },
});

export const nondeterminism = (message: string): ErrorDetails => ({
  Configuration: { kind: 'Nondeterminism', resource: '', message },
});

export const infrastructure = (operation: string, message: string): ErrorDetails => ({
  Infrastructure: { operation, message, retryable: false },
});

type PoisonBody = Extract<ErrorDetails, { Poison: unknown }>['Poison'];

/** Contract v2 §2.2's display strings, from the fields (`message` holds the offending items or the decode error). */
function poisonDisplay({ attempt_count: n, max_attempts: m, message_type: type }: PoisonBody): string {
  if ('Orchestration' in type)
    return `poison: orchestration ${type.Orchestration.instance} exceeded ${n} attempts (max ${m})`;
  if ('Activity' in type) {
    const { activity_name, activity_id } = type.Activity;
    return `poison: activity ${activity_name}#${activity_id} exceeded ${n} attempts (max ${m})`;
  }
  const { instance, error } = type.FailedDeserialization;
  return `poison: orchestration ${instance} history deserialization failed after ${n} attempts (max ${m}): ${error}`;
}

export const poison = (
  attemptCount: number,
  maxAttempts: number,
  messageType: PoisonBody['message_type'],
  message: string,
): ErrorDetails => ({
  Poison: { attempt_count: attemptCount, max_attempts: maxAttempts, message_type: messageType, message },
});
