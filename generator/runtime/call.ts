import { orNull } from './decoders.js';
import type { Encoder } from './encoders.js';
import { polymorphicArgument, type ColumnsRow, type PgType, type PolymorphicForm } from './pg-types.js';
import { ProcedureValueError, toProcedureError } from './procedure-error.js';
import type { Queryable } from './queryable.js';
import { quoteIdentifier } from './quote-identifier.js';

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
  /**
   * A polymorphic parameter (`anyelement`, `anyarray`, ...): its cast and encoder come from the type the caller
   * passes for its family in `CallContext.types`; `cast` and `encode` are not used.
   */
  polymorphic?: { family: 'element' | 'compatible'; form: PolymorphicForm };
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
 * What a generic method adds to a call: the client's quoted schema (where the input files' types live), the types
 * fixing its polymorphic families, and the column definition list of a routine returning `record`.
 */
export interface CallContext {
  schema: string;
  types?: { element?: PgType<unknown>; compatible?: PgType<unknown> };
  columns?: Record<string, PgType<unknown>>;
}

function polymorphicOf(
  spec: CallSpec,
  argument: ArgumentSpec & { polymorphic: object },
  context: CallContext | undefined,
): { cast: string; encode: Encoder<unknown> } {
  const { family, form } = argument.polymorphic;
  const type = context?.types?.[family];
  const field = argument.key ?? argument.name ?? '?';
  if (type === undefined) {
    throw new ProcedureValueError(spec.procedure, field, `needs the type of its ${family} family (types.${family})`);
  }
  return polymorphicArgument(type, form, context!.schema, spec.procedure, field);
}

/**
 * A call whose result needs a column definition list: `SELECT "a"::text AS "a", ... FROM f(...) AS t("a" int4, ...)`.
 * Every column is read as text, which each type's decoder takes.
 */
function withColumns(call: string, columns: Record<string, PgType<unknown>>, schema: string): string {
  const names = Object.keys(columns).map(quoteIdentifier);
  const select = names.map((name) => `t.${name}::text AS ${name}`).join(', ');
  const definitions = Object.values(columns).map((type, index) => `${names[index]} ${type.sql(schema)}`);
  return `SELECT ${select} FROM ${call} AS t(${definitions.join(', ')})`;
}

/**
 * Builds the argument list and values. Arguments go positionally until an optional one is omitted (or, with
 * `spec.named`, from the start); after that, PostgreSQL's named notation (`name => $n`) says which parameters the
 * remaining values are for.
 */
export function bindArguments(
  spec: CallSpec,
  params: object | undefined,
  context?: CallContext,
): { text: string; values: unknown[] } {
  const byKey = params as Record<string, unknown> | undefined;
  const values: unknown[] = [];
  const pieces: string[] = [];
  let named = spec.named === true;
  for (const argument of spec.args) {
    let expression: string;
    const { cast, encode } = argument.polymorphic
      ? polymorphicOf(spec, argument as ArgumentSpec & { polymorphic: object }, context)
      : argument;
    if (argument.key === null) {
      expression = `NULL::${cast}`;
    } else {
      const value = byKey?.[argument.key];
      if (value === undefined) {
        if (argument.optional) {
          named = true;
          continue;
        }
        throw new ProcedureValueError(spec.procedure, argument.key, 'is required (pass null for SQL NULL)');
      }
      values.push(value === null ? null : encode(value, spec.procedure, argument.key));
      expression = `$${values.length}::${cast}`;
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
  const call = `${spec.head}${pieces.join(', ')}${spec.tail}`;
  const columns = context?.columns;
  return { text: columns === undefined ? call : withColumns(call, columns, context!.schema), values };
}

/** Runs the call; database errors come back as `ProcedureError`. */
export async function invoke(
  db: Queryable,
  spec: CallSpec,
  params?: object,
  context?: CallContext,
): Promise<Record<string, unknown>[]> {
  const { text, values } = bindArguments(spec, params, context);
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
    throw new ProcedureValueError(
      procedure,
      'result',
      `returned ${rows.length} rows but is declared @single-row`,
      '22000',
    );
  }
  return rows[0];
}

/** The row of a call that always returns exactly one (OUT parameters, scalar selects, `@exactly-one-row`). */
export function exactlyOneRow(rows: readonly Record<string, unknown>[], procedure: string): Record<string, unknown> {
  const [row] = rows;
  if (rows.length !== 1 || row === undefined) {
    throw new ProcedureValueError(procedure, 'result', `returned ${rows.length} rows, expected exactly one`, '22000');
  }
  return row;
}

/** One row of a call with a column definition list, each column decoded by its type. */
export function decodeColumns<C extends Record<string, PgType<unknown>>>(
  row: Record<string, unknown>,
  columns: C,
  procedure: string,
): ColumnsRow<C> {
  const decoded: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(columns)) {
    decoded[name] = orNull((value, at, field) => type.decode(value, at, field), row[name], procedure, name);
  }
  return decoded as ColumnsRow<C>;
}
