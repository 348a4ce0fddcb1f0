import { conditionCodes } from './condition-codes.js';
import { parsePlPgSQLSync } from './libpg-query-module.js';
import { isSqlState } from '../runtime/sqlstate.js';

/** PostgreSQL's elog level for ERROR, which RAISE EXCEPTION (and a RAISE without level) uses. */
const errorLevel = 21;
/** PLPGSQL_RAISEOPTION_ERRCODE in PL/pgSQL's raise option enum. */
const errcodeOption = 0;
/** The SQLSTATE of RAISE EXCEPTION without a condition or ERRCODE. */
const raiseException = 'P0001';

export interface RaiseProblem {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** Line within the function body, 1-based as PL/pgSQL counts it. */
  bodyLine: number | null;
}

/**
 * The exception conditions caught around a statement, innermost block last: a code raised there only leaves the
 * function when none of them catches it.
 */
export type Handlers = readonly (readonly string[])[];

/** A call of another function from inside the body, with the handlers around the call. */
export interface BodyCall {
  /** The called function's name, folded like an unquoted identifier (schema dropped). */
  name: string;
  handlers: Handlers;
}

export type RaisedSqlStates =
  { ok: true; codes: string[]; calls: BodyCall[]; problems: RaiseProblem[] } | { ok: false; message: string };

/**
 * The SQLSTATEs a PL/pgSQL function raises explicitly and lets escape, from PL/pgSQL's own parser (which needs the
 * whole CREATE FUNCTION statement). A RAISE inside a block whose EXCEPTION clause catches its code does not escape.
 * A re-raise (`RAISE;`) adds nothing: it propagates whatever was caught. The functions the body calls are reported
 * too, so that codes raised by helper functions can be added by `addCalleeSqlStates`.
 */
export function raisedSqlStates(createStatement: string): RaisedSqlStates {
  let tree: unknown;
  try {
    tree = parsePlPgSQLSync(createStatement);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const codes = new Set<string>();
  const calls: BodyCall[] = [];
  const problems: RaiseProblem[] = [];
  const visitRaise = (raise: PlpgsqlRaise, handlers: Handlers): void => {
    if ((raise.elog_level ?? errorLevel) !== errorLevel) return;
    const bodyLine = raise.lineno ?? null;
    const errcode = (raise.options ?? []).find(
      (option) => (option.PLpgSQL_raise_option?.opt_type ?? 0) === errcodeOption,
    );
    const written = errcode
      ? stringLiteral(errcode.PLpgSQL_raise_option?.expr?.PLpgSQL_expr?.query ?? '')
      : raise.condname;
    if (errcode && written === null) {
      const expression = errcode.PLpgSQL_raise_option?.expr?.PLpgSQL_expr?.query ?? '';
      problems.push({
        severity: 'warning',
        code: 'dynamic-errcode',
        message: `ERRCODE = ${expression} is not a literal, so its SQLSTATE is unknown`,
        bodyLine,
      });
      return;
    }
    if (written === undefined || written === null) {
      const isReraise = raise.message === undefined && (raise.options ?? []).length === 0;
      if (!isReraise && !isCaught(raiseException, handlers)) codes.add(raiseException);
      return;
    }
    const code = sqlstateOf(written);
    if (code === null) {
      problems.push({
        severity: 'error',
        code: 'unknown-condition',
        message: `unrecognized exception condition "${written}"`,
        bodyLine,
      });
    } else if (!isCaught(code, handlers)) {
      codes.add(code);
    }
  };
  const visit = (node: unknown, handlers: Handlers): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, handlers);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'PLpgSQL_stmt_raise') visitRaise(value as PlpgsqlRaise, handlers);
      if (key === 'PLpgSQL_expr') {
        for (const name of calledNames((value as { query?: string }).query ?? '')) calls.push({ name, handlers });
      }
      if (key === 'PLpgSQL_stmt_block') {
        const block = value as PlpgsqlBlock;
        const caught = (block.exceptions?.PLpgSQL_exception_block?.exc_list ?? []).flatMap((handler) =>
          (handler.PLpgSQL_exception?.conditions ?? []).map((condition) => condition.PLpgSQL_condition?.condname ?? ''),
        );
        visit(block.body, caught.length > 0 ? [...handlers, caught] : handlers);
        // Handler actions run outside the block's own protection.
        visit(block.exceptions, handlers);
        continue;
      }
      visit(value, handlers);
    }
  };
  visit(tree, []);
  return { ok: true, codes: [...codes].sort(), calls, problems };
}

/** The 5-character SQLSTATE for a code or condition name as written, or null when it is neither. */
function sqlstateOf(written: string): string | null {
  return isSqlState(written) ? written : (conditionCodes.get(written.toLowerCase()) ?? null);
}

/**
 * Whether an EXCEPTION clause around the raise catches the code: `OTHERS` (all but query_canceled and
 * assert_failure), the code itself, or its class (a condition whose code ends in 000 catches the whole class).
 */
export function isCaught(code: string, handlers: Handlers): boolean {
  return handlers.some((conditions) =>
    conditions.some((condition) => {
      if (condition.toLowerCase() === 'others') return code !== '57014' && code !== 'P0004';
      const caught = sqlstateOf(condition);
      if (caught === null) return false;
      return caught === code || (caught.endsWith('000') && caught.slice(0, 2) === code.slice(0, 2));
    }),
  );
}

/** Names written as calls (`name(` or `schema.name(`) in an expression; string literals are skipped. */
function calledNames(query: string): string[] {
  const withoutStrings = query.replace(/'(?:[^']|'')*'/g, "''");
  return [...withoutStrings.matchAll(/([A-Za-z_][A-Za-z0-9_$]*)\s*\(/g)].map((match) => match[1]!.toLowerCase());
}

interface PlpgsqlBlock {
  body?: unknown;
  exceptions?: {
    PLpgSQL_exception_block?: {
      exc_list?: { PLpgSQL_exception?: { conditions?: { PLpgSQL_condition?: { condname?: string } }[] } }[];
    };
  };
}

interface PlpgsqlRaise {
  lineno?: number;
  elog_level?: number;
  condname?: string;
  message?: string;
  options?: { PLpgSQL_raise_option?: { opt_type?: number; expr?: { PLpgSQL_expr?: { query?: string } } } }[];
}

/** The value of a plain single-quoted literal, or null for any other expression. */
function stringLiteral(expression: string): string | null {
  const match = /^\s*'((?:[^']|'')*)'\s*$/.exec(expression);
  return match ? match[1]!.replaceAll("''", "'") : null;
}
