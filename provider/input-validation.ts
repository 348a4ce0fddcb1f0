import { encodeJson, encodeText, type Encoder, ProcedureValueError } from 'pg-sproc-gen/runtime';
import { ProviderError } from './provider-error.js';

/**
 * Checks of the arguments, made before any database call so both backends refuse them alike (22023): ids, times and
 * delays are safe integers, strings are well-formed (a lone UTF-16 surrogate would reach the database as U+FFFD),
 * and JSON values serialise as given (no NaN or Infinity, which JSON.stringify writes as null). The shape of work
 * items and events is not checked here: the procedures check it, and the inline backend as the procedures do
 * (`inline/work-item-checks.ts`).
 */

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

const describe = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

/** Runs one of the generated client's encoders as a check: its refusal becomes this operation's 22023. */
function encodable<T>(operation: string, what: string, encode: Encoder<T>, value: T): void {
  try {
    encode(value, operation, what);
  } catch (error) {
    if (error instanceof ProcedureValueError) throw ProviderError.invalidInput(operation, `${what}: ${error.problem}`);
    throw error;
  }
}

/** A string the database receives unchanged: no lone UTF-16 surrogate, which the driver would send as U+FFFD. */
export function requireText(operation: string, what: string, value: unknown): void {
  encodable(operation, what, encodeText, value as string);
}

export function requireOptionalText(operation: string, what: string, value: unknown): void {
  if (value !== undefined && value !== null) requireText(operation, what, value);
}

export function requireInstanceId(operation: string, instance: unknown): void {
  if (typeof instance !== 'string' || instance.length === 0) {
    throw ProviderError.invalidInput(operation, 'instance id must be a non-empty string');
  }
  requireText(operation, 'instance id', instance);
}

export function requireExecutionId(operation: string, executionId: unknown): void {
  if (!Number.isSafeInteger(executionId) || (executionId as number) < 1) {
    throw ProviderError.invalidInput(operation, `execution id must be a positive integer, got ${shown(executionId)}`);
  }
}

export function requireDelay(operation: string, delayMs: unknown): void {
  if (delayMs !== undefined && delayMs !== null && (!Number.isSafeInteger(delayMs) || (delayMs as number) < 0)) {
    throw ProviderError.invalidInput(
      operation,
      `delay must be a non-negative integer of milliseconds, got ${shown(delayMs)}`,
    );
  }
}

/** The strings of a turn's metadata and its pinned version; the procedures check the status among them. */
export function requireMetadata(operation: string, metadata: unknown): void {
  if (typeof metadata !== 'object' || metadata === null) {
    throw ProviderError.invalidInput(operation, 'metadata must be an object');
  }
  const { status, output, orchestrationName, orchestrationVersion, parentInstanceId, pinnedVersion } =
    metadata as Record<string, unknown>;
  requireOptionalText(operation, 'status', status);
  requireOptionalText(operation, 'output', output);
  requireOptionalText(operation, 'orchestration name', orchestrationName);
  requireOptionalText(operation, 'orchestration version', orchestrationVersion);
  if (parentInstanceId !== undefined && parentInstanceId !== null) {
    if (typeof parentInstanceId !== 'string' || parentInstanceId.length === 0) {
      throw ProviderError.invalidInput(operation, 'metadata.parentInstanceId must be a non-empty string');
    }
    requireText(operation, 'metadata.parentInstanceId', parentInstanceId);
  }
  if (pinnedVersion !== undefined && pinnedVersion !== null)
    requireSemver(operation, 'metadata.pinnedVersion', pinnedVersion);
}

/** Version parts are stored as INTEGER columns. */
const MAX_VERSION_PART = 2_147_483_647;

/** `{ major, minor, patch }`, each a whole number from 0 to 2^31 - 1. */
export function requireSemver(operation: string, what: string, value: unknown): void {
  const parts = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  for (const part of ['major', 'minor', 'patch']) {
    const number = parts[part];
    if (!Number.isSafeInteger(number) || (number as number) < 0 || (number as number) > MAX_VERSION_PART) {
      throw ProviderError.invalidInput(
        operation,
        `${what} must be { major, minor, patch } of whole numbers from 0 to ${MAX_VERSION_PART}, got ${describe(value)}`,
      );
    }
  }
}

/** A capability filter: `{ supportedVersions: [{ min, max }, …] }` (only the first range is used, contract v2 §3.2.4). */
export function requireCapabilityFilter(operation: string, filter: unknown): void {
  const ranges =
    typeof filter === 'object' && filter !== null ? (filter as Record<string, unknown>).supportedVersions : undefined;
  if (!Array.isArray(ranges)) {
    throw ProviderError.invalidInput(operation, `filter must be { supportedVersions: [...] }, got ${describe(filter)}`);
  }
  ranges.forEach((range: unknown, index) => {
    const { min, max } = (typeof range === 'object' && range !== null ? range : {}) as Record<string, unknown>;
    requireSemver(operation, `filter.supportedVersions[${index}].min`, min);
    requireSemver(operation, `filter.supportedVersions[${index}].max`, max);
  });
}

/** The activities an ack cancels: `{ instance, executionId, activityId }` each (contract v2 §3.2.10). */
export function requireCancelledActivities(operation: string, activities: unknown): void {
  if (!Array.isArray(activities)) {
    throw ProviderError.invalidInput(operation, 'cancelledActivities must be an array');
  }
  activities.forEach((activity: unknown, index) => {
    const { instance, executionId, activityId } = (
      typeof activity === 'object' && activity !== null ? activity : {}
    ) as Record<string, unknown>;
    const valid =
      typeof instance === 'string' &&
      instance.length > 0 &&
      Number.isSafeInteger(executionId) &&
      (executionId as number) >= 1 &&
      Number.isSafeInteger(activityId) &&
      (activityId as number) >= 0;
    if (!valid) {
      throw ProviderError.invalidInput(
        operation,
        `cancelledActivities[${index}] must be { instance, executionId >= 1, activityId >= 0 }, got ${describe(activity)}`,
      );
    }
    requireText(operation, `cancelledActivities[${index}].instance`, instance);
  });
}

/** A duration in whole milliseconds: at least `minimum` (1 for lock timeouts and extensions, 0 for poll timeouts). */
export function requireDuration(operation: string, what: string, value: unknown, minimum: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < minimum) {
    throw ProviderError.invalidInput(
      operation,
      `${what} must be a whole number of milliseconds >= ${minimum}, got ${shown(value)}`,
    );
  }
  return value as number;
}

/** The size of a batch: a whole number from 1 to `maximum`. */
export function requireCount(operation: string, what: string, value: unknown, maximum: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > maximum) {
    throw ProviderError.invalidInput(
      operation,
      `${what} must be a whole number from 1 to ${maximum}, got ${shown(value)}`,
    );
  }
  return value as number;
}

export function requireBoolean(operation: string, what: string, value: unknown): void {
  if (typeof value !== 'boolean')
    throw ProviderError.invalidInput(operation, `${what} must be a boolean, got ${shown(value)}`);
}

/** A work item, event or list of them that serialises to JSON as given (`encodeJson`'s checks). */
export function requireJson(operation: string, what: string, value: unknown): void {
  encodable(operation, what, encodeJson, value);
}

/** A list of events or work items: the messages are the procedures' own for a value that is not a JSON array. */
export function requireJsonArray(operation: string, what: string, value: unknown): void {
  if (!Array.isArray(value)) throw ProviderError.invalidInput(operation, `${what} must be a JSON array`);
  requireJson(operation, what, value);
}

/**
 * The clock's reading as whole epoch milliseconds. A fractional reading (`performance.timeOrigin + performance.now()`)
 * is floored; anything that is not a time from 1970 up to 2^53 - 1 ms fails the call with 22023, as the procedures
 * would.
 */
export function readClock(operation: string, clock: () => number): number {
  const reading: unknown = clock();
  const nowMs = typeof reading === 'number' ? Math.floor(reading) : Number.NaN;
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) {
    throw ProviderError.invalidInput(
      operation,
      `the clock returned ${shown(reading)}; it must return epoch milliseconds from 0 to 2^53 - 1`,
    );
  }
  return nowMs;
}
