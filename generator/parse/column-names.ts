import type { Node, SelectStmt } from 'libpg-query';
import { stringValues } from './read-libpg-query.js';

const valueFunctionNames: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

const unnamed = '?column?';

/**
 * The name PostgreSQL gives an output column written without AS (`FigureColname`): a column's or function's own
 * name, a cast's type name when its operand has none, a few keywords (`case`, `coalesce`, `array`, ...), else
 * `?column?`. A scalar subquery takes its first column's name, which `subqueryName` supplies.
 */
export function columnName(node: Node | undefined, subqueryName: (statement: SelectStmt) => string): string {
  return figure(node, subqueryName)?.name ?? unnamed;
}

/** `strength` 2 is a real name, 1 a fallback keyword a cast's type name overrides. */
function figure(
  node: Node | undefined,
  subqueryName: (statement: SelectStmt) => string,
): { name: string; strength: 1 | 2 } | null {
  if (!node) return null;
  const strong = (name: string) => ({ name, strength: 2 as const });
  if ('ColumnRef' in node) {
    const last = node.ColumnRef.fields?.at(-1);
    return last && 'String' in last ? strong(last.String.sval ?? '') : null;
  }
  if ('A_Indirection' in node) {
    const field = node.A_Indirection.indirection?.findLast((step) => 'String' in step);
    return field && 'String' in field ? strong(field.String.sval ?? '') : figure(node.A_Indirection.arg, subqueryName);
  }
  if ('FuncCall' in node) return strong(stringValues(node.FuncCall.funcname).at(-1) ?? unnamed);
  if ('A_Expr' in node) return node.A_Expr.kind === 'AEXPR_NULLIF' ? strong('nullif') : null;
  if ('TypeCast' in node) {
    const inner = figure(node.TypeCast.arg, subqueryName);
    if (inner && inner.strength === 2) return inner;
    const typeName = stringValues(node.TypeCast.typeName?.names).at(-1);
    return typeName ? { name: typeName, strength: 1 } : inner;
  }
  if ('CollateClause' in node) return figure(node.CollateClause.arg, subqueryName);
  if ('GroupingFunc' in node) return strong('grouping');
  if ('SubLink' in node) {
    const { subLinkType, subselect } = node.SubLink;
    if (subLinkType === 'EXISTS_SUBLINK') return strong('exists');
    if (subLinkType === 'ARRAY_SUBLINK') return strong('array');
    if (subLinkType === 'EXPR_SUBLINK' && subselect && 'SelectStmt' in subselect)
      return strong(subqueryName(subselect.SelectStmt));
    return null;
  }
  if ('CaseExpr' in node) return { name: 'case', strength: 1 };
  if ('A_ArrayExpr' in node) return strong('array');
  if ('RowExpr' in node) return strong('row');
  if ('CoalesceExpr' in node) return strong('coalesce');
  if ('MinMaxExpr' in node) return strong(node.MinMaxExpr.op === 'IS_LEAST' ? 'least' : 'greatest');
  if ('SQLValueFunction' in node) return strong(valueFunctionNames[node.SQLValueFunction.op ?? ''] ?? unnamed);
  return null;
}
