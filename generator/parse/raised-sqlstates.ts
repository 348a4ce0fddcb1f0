import { conditionCodes } from './condition-codes.js';
import { parsePlPgSQLSync } from './libpg-query-module.js';

/** PostgreSQL's elog level for ERROR, which RAISE EXCEPTION (and a RAISE without level) uses. */
const errorLevel = 21;
/** PLPGSQL_RAISEOPTION_ERRCODE in PL/pgSQL's raise option enum. */
const errcodeOption = 0;
/** The SQLSTATE of RAISE EXCEPTION without a condition or ERRCODE. */
const raiseException = 'P0001';
const sqlstatePattern = /^[0-9A-Z]{5}$/;

export interface RaiseProblem {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** Line within the function body, 1-based as PL/pgSQL counts it. */
  bodyLine: number | null;
}

export type RaisedSqlStates = { ok: true; codes: string[]; problems: RaiseProblem[] } | { ok: false; message: string };

/**
 * The SQLSTATEs a PL/pgSQL function raises explicitly, from PL/pgSQL's own parser (which needs the whole CREATE
 * FUNCTION statement). A re-raise (`RAISE;`) adds nothing: it propagates whatever was caught.
 */
export function raisedSqlStates(createStatement: string): RaisedSqlStates {
  let tree: unknown;
  try {
    tree = parsePlPgSQLSync(createStatement);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const codes = new Set<string>();
  const problems: RaiseProblem[] = [];
  for (const raise of collect(tree, 'PLpgSQL_stmt_raise') as PlpgsqlRaise[]) {
    if ((raise.elog_level ?? errorLevel) !== errorLevel) continue;
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
      continue;
    }
    if (written === undefined || written === null) {
      const isReraise = raise.message === undefined && (raise.options ?? []).length === 0;
      if (!isReraise) codes.add(raiseException);
      continue;
    }
    const code = sqlstatePattern.test(written) ? written : conditionCodes.get(written.toLowerCase());
    if (code) codes.add(code);
    else
      problems.push({
        severity: 'error',
        code: 'unknown-condition',
        message: `unrecognized exception condition "${written}"`,
        bodyLine,
      });
  }
  return { ok: true, codes: [...codes].sort(), problems };
}

interface PlpgsqlRaise {
  lineno?: number;
  elog_level?: number;
  condname?: string;
  message?: string;
  options?: { PLpgSQL_raise_option?: { opt_type?: number; expr?: { PLpgSQL_expr?: { query?: string } } } }[];
}

function collect(tree: unknown, key: string, found: unknown[] = []): unknown[] {
  if (Array.isArray(tree)) for (const item of tree) collect(item, key, found);
  else if (tree !== null && typeof tree === 'object') {
    for (const [name, value] of Object.entries(tree)) {
      if (name === key) found.push(value);
      collect(value, key, found);
    }
  }
  return found;
}

/** The value of a plain single-quoted literal, or null for any other expression. */
function stringLiteral(expression: string): string | null {
  const match = /^\s*'((?:[^']|'')*)'\s*$/.exec(expression);
  return match ? match[1]!.replaceAll("''", "'") : null;
}
