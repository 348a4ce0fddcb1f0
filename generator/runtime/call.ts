import type { Encoder } from './encoders.js';
import { ProcedureValueError, toProcedureError } from './procedure-error.js';
import type { Queryable } from './queryable.js';

/** One argument of a generated call, in the procedure's parameter order. */
export interface ArgumentSpec {
  /** Property of the params object (absent for OUT arguments of a CALL, which are always sent as NULL). */
  key: string | null;
  /** Quoted SQL parameter name for named notation, or null for an unnamed parameter. */
  name: string | null;
  /** The SQL type the argument is cast to, so the server resolves the right overload and parses the text. */
  cast: string;
  /** Has a default: omitted (`undefined`) means "not sent". Absent means false. */
  optional?: boolean;
  /** Passed as `VARIADIC $n`. Absent means false. */
  variadic?: boolean;
  // The generated params type checks each value against its own encoder; a list of them can only say any.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  encode: Encoder<any>;
}

/** Everything a wrapper needs to run its procedure: `head` + the argument list + `tail` is the SQL text. */
export interface CallSpec {
  procedure: string;
  head: string;
  tail: string;
  /** Every argument in named notation: a positional call would be ambiguous with an overload. Absent means false. */
  named?: boolean;
  args: readonly ArgumentSpec[];
}

/**
 * Builds the argument list and values. Arguments go positionally until an optional one is omitted (or, with
 * `spec.named`, from the start); after that, PostgreSQL's named notation (`name => $n`) says which parameters the
 * remaining values are for.
 */
export function bindArguments(spec: CallSpec, params: object | undefined): { text: string; values: unknown[] } {
  const byKey = params as Record<string, unknown> | undefined;
  const values: unknown[] = [];
  const pieces: string[] = [];
  let named = spec.named === true;
  for (const argument of spec.args) {
    let expression: string;
    if (argument.key === null) {
      expression = `NULL::${argument.cast}`;
    } else {
      const value = byKey?.[argument.key];
      if (value === undefined) {
        if (argument.optional) {
          named = true;
          continue;
        }
        throw new ProcedureValueError(spec.procedure, argument.key, 'is required (pass null for SQL NULL)');
      }
      values.push(value === null ? null : argument.encode(value, spec.procedure, argument.key));
      expression = `$${values.length}::${argument.cast}`;
    }
    if (named) {
      if (argument.name === null) {
        throw new ProcedureValueError(
          spec.procedure,
          argument.key ?? '?',
          'an unnamed parameter follows an omitted one',
        );
      }
      expression = `${argument.name} => ${expression}`;
    }
    pieces.push(argument.variadic ? `VARIADIC ${expression}` : expression);
  }
  return { text: `${spec.head}${pieces.join(', ')}${spec.tail}`, values };
}

/** Runs the call; database errors come back as `ProcedureError`. */
export async function invoke(db: Queryable, spec: CallSpec, params?: object): Promise<Record<string, unknown>[]> {
  const { text, values } = bindArguments(spec, params);
  try {
    const result = await db.query(text, values);
    return result.rows as Record<string, unknown>[];
  } catch (error) {
    throw toProcedureError(spec.procedure, error);
  }
}

/** The row of a call that returns at most one (declared with `@single-row`), or undefined. */
export function atMostOneRow(
  rows: readonly Record<string, unknown>[],
  procedure: string,
): Record<string, unknown> | undefined {
  if (rows.length > 1) {
    throw new ProcedureValueError(procedure, 'result', `returned ${rows.length} rows but is declared @single-row`);
  }
  return rows[0];
}

/** The row of a call that always returns exactly one (OUT parameters, scalar selects, `@exactly-one-row`). */
export function exactlyOneRow(rows: readonly Record<string, unknown>[], procedure: string): Record<string, unknown> {
  const [row] = rows;
  if (rows.length !== 1 || row === undefined) {
    throw new ProcedureValueError(procedure, 'result', `returned ${rows.length} rows, expected exactly one`);
  }
  return row;
}
