import { isProcedureError } from '../generated/procedures.js';
import { isRetryableSqlState, isSqlState } from 'pg-sproc-gen/runtime';

/**
 * The provider's one error type (contract §3.0): which operation failed, why, the SQLSTATE when the database said
 * it, and whether re-issuing the same call can succeed (deadlocks, serialization and connection failures) or not
 * (invalid lock tokens, duplicate events, bad input).
 */
export class ProviderError extends Error {
  override readonly name: string = 'ProviderError';
  /**
   * The connection was lost while this call (or an earlier attempt of it) was running, so the server may have
   * committed it although no reply arrived. A re-issued ack or abandon then fails with DXL01, a re-issued worker ack
   * with DXW01, a re-issued append with 23505: the first attempt took effect, once.
   */
  readonly mayHaveCommitted: boolean;

  constructor(
    readonly operation: string,
    /** The message without the operation in front. */
    readonly reason: string,
    readonly sqlstate: string | null,
    readonly retryable: boolean,
    options: { cause?: unknown; mayHaveCommitted?: boolean } = {},
  ) {
    super(`${operation}: ${reason}`, { cause: options.cause });
    this.mayHaveCommitted = options.mayHaveCommitted ?? false;
  }

  /** Bad input, refused before it reaches the database. */
  static invalidInput(operation: string, message: string, sqlstate = '22023'): ProviderError {
    return new ProviderError(operation, message, sqlstate, false);
  }
}

/**
 * Connection failures, sorted by what they say about the call that met them. The SQLSTATE side of "retryable" is
 * `isRetryableSqlState` (the generated client's `ProcedureError.retryable` uses it too); this is the one place that
 * knows the failures without a SQLSTATE and which of all of them may have hit a call after its commit.
 */
const connectionFailures = {
  /** The session ended while a statement may have been running: its commit may or may not have happened. */
  midCallSqlStates: new Set(['57P01', '57P02', '57P05', '08000', '08003', '08006', '08007']),
  /** Node's socket errors before a connection exists: nothing was sent. */
  beforeSendNodeCodes: new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']),
  /** Node's socket errors on an open connection. */
  midCallNodeCodes: new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']),
  /** pg's own messages (no code): the pool or client could not connect, or refused to send on a dead connection. */
  beforeSendMessages: [
    /timeout exceeded when trying to connect/i,
    /Connection terminated due to connection timeout/i,
    /Client has encountered a connection error and is not queryable/i,
  ],
  /** pg's message when the socket closed under a running query. */
  midCallMessages: [/Connection terminated unexpectedly/i],
};

function isNodeConnectionCode(code: string): boolean {
  return connectionFailures.beforeSendNodeCodes.has(code) || connectionFailures.midCallNodeCodes.has(code);
}

interface Classification {
  retryable: boolean;
  mayHaveCommitted: boolean;
}

/** Whether re-issuing can help, and whether the failed call may nonetheless have committed. */
export function classifyFailure(sqlstate: string | null, nodeCode: string | null, message: string): Classification {
  if (sqlstate !== null) {
    const midCall = connectionFailures.midCallSqlStates.has(sqlstate);
    return { retryable: midCall || isRetryableSqlState(sqlstate), mayHaveCommitted: midCall };
  }
  if (nodeCode !== null && connectionFailures.midCallNodeCodes.has(nodeCode)) {
    return { retryable: true, mayHaveCommitted: true };
  }
  if (connectionFailures.midCallMessages.some((pattern) => pattern.test(message))) {
    return { retryable: true, mayHaveCommitted: true };
  }
  const beforeSend =
    (nodeCode !== null && connectionFailures.beforeSendNodeCodes.has(nodeCode)) ||
    connectionFailures.beforeSendMessages.some((pattern) => pattern.test(message));
  return { retryable: beforeSend, mayHaveCommitted: false };
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
  // Node's codes first: 'EPIPE' has a SQLSTATE's shape.
  const nodeCode = code !== null && isNodeConnectionCode(code) ? code : null;
  const sqlstate = nodeCode === null && code !== null && isSqlState(code) ? code : null;
  const { retryable, mayHaveCommitted } = classifyFailure(sqlstate, nodeCode, message);
  return new ProviderError(operation, message, sqlstate, retryable, { cause: error, mayHaveCommitted });
}
