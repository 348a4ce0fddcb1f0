import { isSqlState } from './sqlstate.js';

/**
 * SQLSTATEs worth retrying the whole call (or transaction) for: serialization failure, deadlock, lock not
 * available, query cancelled (statement timeout), too many connections, feature not supported (raised as "cached
 * plan must not change result type" after a migration), the server ending or refusing sessions (admin shutdown,
 * crash of another backend, starting up or shutting down, idle-session timeout), and every connection exception
 * (08xxx). Not 57P04: a dropped database does not come back.
 */
const retryableCodes = new Set([
  '40001',
  '40P01',
  '55P03',
  '57014',
  '53300',
  '0A000',
  '57P01',
  '57P02',
  '57P03',
  '57P05',
]);

export function isRetryableSqlState(sqlstate: string): boolean {
  return sqlstate.startsWith('08') || retryableCodes.has(sqlstate);
}

/** The one error class for database errors raised while calling a generated wrapper. */
export class ProcedureError<S extends string = string> extends Error {
  override readonly name = 'ProcedureError';
  readonly procedure: string;
  readonly sqlstate: S;
  readonly detail: string | null;
  readonly hint: string | null;
  readonly retryable: boolean;

  constructor(init: {
    procedure: string;
    sqlstate: S;
    message: string;
    detail?: string | null;
    hint?: string | null;
    cause?: unknown;
  }) {
    super(`${init.procedure}: ${init.message} (SQLSTATE ${init.sqlstate})`, { cause: init.cause });
    this.procedure = init.procedure;
    this.sqlstate = init.sqlstate;
    this.detail = init.detail ?? null;
    this.hint = init.hint ?? null;
    this.retryable = isRetryableSqlState(init.sqlstate);
  }

  /** The server's message without the procedure prefix and SQLSTATE suffix. */
  get databaseMessage(): string {
    const cause = this.cause;
    return cause instanceof Error ? cause.message : this.message;
  }
}

/** A client method's procedure and the SQLSTATEs it raises explicitly, as a generated module lists them. */
export type RaisedSqlStates = readonly [procedure: string, sqlstates: readonly string[]];

/**
 * Whether `error` is a ProcedureError of one of `raisers`' procedures with a SQLSTATE that procedure raises
 * explicitly, and one of `only` unless that is empty. A generated module's `isProcedureError` types it.
 */
export function isRaisedSqlState(
  error: unknown,
  raisers: readonly RaisedSqlStates[],
  only: readonly string[],
): error is ProcedureError {
  if (!(error instanceof ProcedureError)) return false;
  const { procedure, sqlstate } = error as ProcedureError;
  return (
    (only.length === 0 || only.includes(sqlstate)) &&
    raisers.some(([raiser, sqlstates]) => raiser === procedure && sqlstates.includes(sqlstate))
  );
}

/**
 * Turns an error thrown by the driver into a `ProcedureError` when it carries a SQLSTATE (both `pg` and PGlite put
 * it in `code`). Anything else (a network error, a bug) is returned unchanged so it is not disguised.
 */
export function toProcedureError(procedure: string, error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const fields = error as Error & { code?: unknown; detail?: unknown; hint?: unknown };
  if (typeof fields.code !== 'string' || !isSqlState(fields.code)) return error;
  return new ProcedureError({
    procedure,
    sqlstate: fields.code,
    message: error.message,
    detail: typeof fields.detail === 'string' ? fields.detail : null,
    hint: typeof fields.hint === 'string' ? fields.hint : null,
    cause: error,
  });
}

/**
 * The SQLSTATE a `ProcedureValueError` carries, so callers that classify errors by SQLSTATE treat it like the server's
 * own: `22023` (invalid_parameter_value) for an argument the wrapper refuses to send, `22000` (data_exception) for a
 * result that does not have its declared shape. Neither can succeed when retried.
 */
export type ValueErrorSqlState = '22023' | '22000';

/**
 * A value crossing the boundary had the wrong shape: an argument the wrapper cannot send without the driver or the
 * server changing it (22023), or a result column that is NULL where non-null was declared or that does not have the
 * declared type (22000). Raised before the call is sent, or after it returned: the database never sees a bad argument.
 */
export class ProcedureValueError extends Error {
  override readonly name = 'ProcedureValueError';
  constructor(
    readonly procedure: string,
    /** The column, parameter or element path, e.g. `total`, `tags[2]`, `address.street`. */
    readonly field: string,
    /** What is wrong with it, e.g. `is NULL but was declared non-null`. */
    readonly problem: string,
    readonly sqlstate: ValueErrorSqlState = '22023',
  ) {
    super(`${procedure}: ${field}: ${problem}`);
  }
}
