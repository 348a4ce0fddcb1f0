/** The statements that change the session's search path; search-path.ts says how long each change lasts. */
import type { SchemaRef } from '../model/types.js';
import { stringValues } from './read-libpg-query.js';
import { splitSearchPath } from './search-path.js';
import type { NodeOf, StatementScope } from './statement-handlers.js';

/** BEGIN / COMMIT / ROLLBACK: how long a `SET LOCAL` lasts, and what a rollback undoes. */
export function transaction({ kind }: NodeOf<'TransactionStmt'>, scope: StatementScope): void {
  if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') scope.searchPath.begin();
  else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_PREPARE') scope.searchPath.commit();
  else if (kind === 'TRANS_STMT_ROLLBACK') scope.searchPath.rollback();
}

/** `SET [SESSION | LOCAL] search_path ...`, `SET SCHEMA ...`, `RESET search_path`, `RESET ALL`. */
export function setSearchPath(
  { kind, name, args = [], is_local: local = false }: NodeOf<'VariableSetStmt'>,
  scope: StatementScope,
): void {
  if (kind === 'VAR_RESET_ALL') {
    scope.searchPath.set(scope.searchPath.initial, local);
    return;
  }
  if (name?.toLowerCase() !== 'search_path') return;
  if (kind === 'VAR_SET_DEFAULT' || kind === 'VAR_RESET') {
    scope.searchPath.set(scope.searchPath.initial, local);
    return;
  }
  if (kind !== 'VAR_SET_VALUE') return;
  // Each value, identifier or string, is one schema name: `SET search_path = 'a, b'` names one schema "a, b".
  const path = args.map((arg) => {
    const value = 'A_Const' in arg ? arg.A_Const : undefined;
    const text = value?.sval?.sval ?? (value?.ival ? String(value.ival.ival ?? 0) : undefined);
    return text === undefined ? null : scope.context.placeholder.schemaRef(text);
  });
  if (path.some((schema) => schema === null)) {
    unknownPath(scope, 'SET search_path to a value that is not a list of names');
    return;
  }
  scope.searchPath.set(path as SchemaRef[], local);
}

/**
 * `SELECT set_config('search_path', '...', is_local)` as a statement of its own, as pg_dump writes it. A call inside
 * a function or a DO block runs when that runs, which the generator does not follow.
 */
export function setConfigSearchPath({ targetList = [] }: NodeOf<'SelectStmt'>, scope: StatementScope): void {
  for (const target of targetList) {
    const value = 'ResTarget' in target ? target.ResTarget.val : undefined;
    const call = value && 'FuncCall' in value ? value.FuncCall : undefined;
    const functionName = stringValues(call?.funcname);
    const isSetConfig =
      functionName[functionName.length - 1] === 'set_config' &&
      (functionName.length === 1 || functionName[0] === 'pg_catalog');
    if (!call || !isSetConfig) continue;
    const [setting, pathText, isLocal] = (call.args ?? []).map((arg) => ('A_Const' in arg ? arg.A_Const : null));
    if (setting?.sval?.sval?.toLowerCase() !== 'search_path') continue;
    const names = pathText?.sval?.sval === undefined ? null : splitSearchPath(pathText.sval.sval);
    const local =
      isLocal?.boolval !== undefined
        ? isLocal.boolval.boolval === true
        : isLocal?.sval?.sval !== undefined
          ? /^(t|tr|tru|true|y|ye|yes|on|1)$/i.test(isLocal.sval.sval)
          : null;
    if (names === null || local === null) {
      unknownPath(scope, 'set_config sets search_path to a value that is not a constant list of names');
      continue;
    }
    scope.searchPath.set(
      names.map((schema) => scope.context.placeholder.schemaRef(schema)),
      local,
    );
  }
}

function unknownPath(scope: StatementScope, what: string): void {
  scope.searchPath.set(null, false);
  scope.report(
    'warning',
    'unknown-search-path',
    `${what}; until the next one, unqualified names are not resolved and unqualified CREATEs land in the client's schema`,
    scope.statement.start,
  );
}
