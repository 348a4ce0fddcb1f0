import { isProcedureError } from '../generated/procedures.js';
import { isRetryableSqlState, isSqlState } from 'pg-sproc-gen/runtime';

/** Network-level failures that carry no SQLSTATE but are worth re-issuing the whole call for. */
const retryableNodeCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The provider's one error type (contract §3.0): which operation failed, why, the SQLSTATE when the database said
 * it, and whether re-issuing the same call can succeed (deadlocks, serialization and connection failures) or not
 * (invalid lock tokens, duplicate events, bad input).
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly operation: string,
    message: string,
    readonly sqlstate: string | null,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${message}`, options);
  }

  /** Bad input, refused before it reaches the database. */
  static invalidInput(operation: string, message: string, sqlstate = '22023'): ProviderError {
    return new ProviderError(operation, message, sqlstate, false);
  }
}

/** Wraps whatever a backend threw; the SQLSTATE is read from `sqlstate` (generated client) or `code` (pg). */
export function toProviderError(operation: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  // One of the stable errors a procedure raises on purpose (procedures/0002's header): its answer to this input and
  // state, which re-issuing the same call cannot change.
  if (isProcedureError(error)) {
    return new ProviderError(operation, error.databaseMessage, error.sqlstate, false, { cause: error });
  }
  const fields = (error ?? {}) as { sqlstate?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  const causeMessage = fields.cause instanceof Error ? fields.cause.message : undefined;
  const message = causeMessage ?? (typeof fields.message === 'string' ? fields.message : String(error));
  const code =
    typeof fields.sqlstate === 'string' ? fields.sqlstate : typeof fields.code === 'string' ? fields.code : null;
  if (code && isSqlState(code)) {
    return new ProviderError(operation, message, code, isRetryableSqlState(code), { cause: error });
  }
  const retryable =
    (code !== null && retryableNodeCodes.has(code)) || /timeout exceeded when trying to connect/i.test(message);
  return new ProviderError(operation, message, null, retryable, { cause: error });
}
