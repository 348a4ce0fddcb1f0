import { ProviderError } from './provider-error.js';

/**
 * Checks of plain arguments, made before any database call so both backends refuse them alike (22023). Work items
 * and events are not checked here: the procedures check them, and the inline backend as the procedures do
 * (`inline/work-item-checks.ts`).
 */

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
