import type { A_Const, FuncCall, Node, SelectStmt } from 'libpg-query';
import type { SchemaRef, TypeRef } from '../model/types.js';
import { builtinFunctionResult, builtinOperatorResult } from './builtin-results.js';
import {
  arrayOf,
  builtinName,
  builtinType,
  commonType,
  elementOf,
  literal,
  unknown,
  withoutModifiers,
  type Inferred,
} from './inferred-type.js';
import { qualifiedName, stringValues, typeRef, type TreeContext } from './read-libpg-query.js';

/** A column a query produces or a FROM item offers. `read` records that the query uses it (for dependencies). */
export interface OutputColumn {
  name: string;
  type: Inferred;
  read?: () => void;
}

/** One FROM item: a relation, subquery, function or join, and what a column reference can find in it. */
export interface Source {
  /** The name a qualified reference uses: the alias, else the relation's or function's name. */
  refname: string | null;
  /** Null when the item's columns cannot be known (`reason` says why). */
  columns: OutputColumn[] | null;
  reason: string;
  /** The item's row type, for a whole-row reference (`SELECT t FROM orders t`). */
  rowType: TypeRef | null;
  /** The items inside a join, which qualified references still reach. */
  children: Source[];
}

export interface Scope {
  sources: Source[];
  parent: Scope | null;
}

/** What expression typing needs from the catalog and from query typing. */
export interface ExpressionEnvironment {
  context: TreeContext;
  /** The result of a routine the files define, or null when none of that name takes these arguments. */
  routineResult(schema: SchemaRef, name: string, args: Inferred[]): Inferred | null;
  /** The attributes of a composite or relation row type, or null. */
  attributes(type: TypeRef): OutputColumn[] | null;
  /** A domain's base type (through domains over domains); any other type as it is. */
  baseType(type: TypeRef): TypeRef;
  /** The columns of a subquery, typed in `scope` (subqueries see the outer query's columns). */
  subquery(statement: SelectStmt, scope: Scope): OutputColumn[] | { unknown: string };
}

const valueFunctionTypes: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'date',
  SVFOP_CURRENT_TIME: 'timetz',
  SVFOP_CURRENT_TIME_N: 'timetz',
  SVFOP_CURRENT_TIMESTAMP: 'timestamptz',
  SVFOP_CURRENT_TIMESTAMP_N: 'timestamptz',
  SVFOP_LOCALTIME: 'time',
  SVFOP_LOCALTIME_N: 'time',
  SVFOP_LOCALTIMESTAMP: 'timestamp',
  SVFOP_LOCALTIMESTAMP_N: 'timestamp',
};

const booleanExpressionKinds = new Set([
  'AEXPR_OP_ANY',
  'AEXPR_OP_ALL',
  'AEXPR_DISTINCT',
  'AEXPR_NOT_DISTINCT',
  'AEXPR_IN',
  'AEXPR_LIKE',
  'AEXPR_ILIKE',
  'AEXPR_SIMILAR',
  'AEXPR_BETWEEN',
  'AEXPR_NOT_BETWEEN',
  'AEXPR_BETWEEN_SYM',
  'AEXPR_NOT_BETWEEN_SYM',
]);

/** Literal constants: integers that fit int4 are int4, larger ones int8, then numeric, as PostgreSQL types them. */
export function constantType(constant: A_Const): Inferred {
  if (constant.isnull || constant.sval) return literal;
  if (constant.ival) return builtinType('int4');
  if (constant.boolval) return builtinType('bool');
  if (constant.bsval) return builtinType('bit');
  const text = constant.fval?.fval ?? '';
  if (/^-?\d+$/.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n) return builtinType('int8');
  return builtinType('numeric');
}

export class ExpressionTyper {
  constructor(private readonly environment: ExpressionEnvironment) {}

  /** Domains act as their base type in operators and functions. */
  private base(inferred: Inferred): Inferred {
    return 'type' in inferred ? { type: this.environment.baseType(inferred.type) } : inferred;
  }

  infer(node: Node | undefined, scope: Scope): Inferred {
    if (!node) return unknown('a missing expression');
    if ('ColumnRef' in node) return this.columnReference(stringFields(node.ColumnRef.fields), scope);
    if ('A_Const' in node) return constantType(node.A_Const);
    if ('TypeCast' in node) {
      const type = typeRef(node.TypeCast.typeName, this.environment.context);
      return type.ok ? { type: type.value } : unknown(type.problem.message);
    }
    if ('A_Expr' in node) {
      const { kind, name, lexpr, rexpr } = node.A_Expr;
      if (kind && booleanExpressionKinds.has(kind)) return builtinType('bool');
      // NULLIF returns the first argument of its `=`: varchar has none of its own and compares as text.
      if (kind === 'AEXPR_NULLIF') {
        const first = withoutModifiers(this.base(this.infer(lexpr, scope)));
        return builtinName(first) === 'varchar' ? builtinType('text') : first;
      }
      const operator = stringValues(name).at(-1) ?? '';
      const left = lexpr ? this.base(this.infer(lexpr, scope)) : null;
      return builtinOperatorResult(operator, left, this.base(this.infer(rexpr, scope)));
    }
    if ('BoolExpr' in node || 'NullTest' in node || 'BooleanTest' in node || 'JsonIsPredicate' in node)
      return builtinType('bool');
    if ('FuncCall' in node) return this.functionCall(node.FuncCall, scope);
    if ('CaseExpr' in node) {
      const results = (node.CaseExpr.args ?? []).map((when) =>
        'CaseWhen' in when ? this.infer(when.CaseWhen.result, scope) : unknown('a CASE branch'),
      );
      results.push(node.CaseExpr.defresult ? this.infer(node.CaseExpr.defresult, scope) : literal);
      return this.common(results);
    }
    if ('CoalesceExpr' in node) return this.common(this.inferAll(node.CoalesceExpr.args, scope));
    if ('MinMaxExpr' in node) return this.common(this.inferAll(node.MinMaxExpr.args, scope));
    if ('SubLink' in node) {
      const { subLinkType, subselect } = node.SubLink;
      if (subLinkType !== 'EXPR_SUBLINK' && subLinkType !== 'ARRAY_SUBLINK') return builtinType('bool');
      if (!subselect || !('SelectStmt' in subselect)) return unknown('a subquery');
      const columns = this.environment.subquery(subselect.SelectStmt, scope);
      if ('unknown' in columns) return columns;
      const first = columns[0]?.type ?? unknown('a subquery without columns');
      return subLinkType === 'ARRAY_SUBLINK' ? arrayOf(first) : first;
    }
    if ('A_ArrayExpr' in node) return arrayOf(this.common(this.inferAll(node.A_ArrayExpr.elements, scope)));
    if ('A_Indirection' in node) return this.indirection(node.A_Indirection.arg, node.A_Indirection.indirection, scope);
    if ('CollateClause' in node) return this.infer(node.CollateClause.arg, scope);
    if ('SQLValueFunction' in node) return builtinType(valueFunctionTypes[node.SQLValueFunction.op ?? ''] ?? 'name');
    if ('GroupingFunc' in node) return builtinType('int4');
    if ('NamedArgExpr' in node) return this.infer(node.NamedArgExpr.arg, scope);
    if ('RowExpr' in node) return unknown('a ROW(...) value has an anonymous record type');
    const [kind] = Object.keys(node);
    return unknown(`a ${kind} expression`);
  }

  private inferAll(nodes: Node[] | undefined, scope: Scope): Inferred[] {
    return (nodes ?? []).map((node) => this.infer(node, scope));
  }

  /** Inputs of one type keep it, domains included; mixed inputs meet at their base types. */
  private common(inputs: Inferred[]): Inferred {
    const result = commonType(inputs);
    return 'unknown' in result ? commonType(inputs.map((input) => this.base(input))) : result;
  }

  private functionCall(call: FuncCall, scope: Scope): Inferred {
    const names = stringValues(call.funcname);
    const { schema, name } = qualifiedName(names, this.environment.context);
    const args = this.inferAll(call.args, scope);
    // An ordered-set aggregate's result follows what it orders: mode() WITHIN GROUP (ORDER BY x).
    if (call.agg_within_group) {
      const [order] = call.agg_order ?? [];
      args.push(
        order && 'SortBy' in order ? this.infer(order.SortBy.node, scope) : unknown('an ordered-set aggregate'),
      );
    }
    const problem = args.find((arg) => 'unknown' in arg);
    if (problem) return problem;
    const builtinSchema = schema.kind === 'unqualified' || (schema.kind === 'named' && schema.name === 'pg_catalog');
    if (builtinSchema) {
      const result = builtinFunctionResult(
        name,
        args.map((arg) => this.base(arg)),
      );
      if (result) return result;
    }
    const routine = this.environment.routineResult(schema, name, args);
    if (routine) return routine;
    return unknown(`the result type of ${names.join('.')}(...) is not known without a server`);
  }

  private indirection(arg: Node | undefined, steps: Node[] | undefined, scope: Scope): Inferred {
    let current = this.infer(arg, scope);
    for (const step of steps ?? []) {
      if ('unknown' in current) return current;
      if ('A_Indices' in step) {
        if (!step.A_Indices.is_slice) current = elementOf(current);
      } else if ('String' in step && 'type' in current) {
        const attributes = this.environment.attributes(this.environment.baseType(current.type));
        const field = attributes?.find((attribute) => attribute.name === step.String.sval);
        if (!field) return unknown(`field ${step.String.sval} of ${current.type.name}`);
        field.read?.();
        current = field.type;
      } else return unknown('a field of this value');
    }
    return current;
  }

  /** `c`, `t.c` or `s.t.c`: a column of a FROM item in this query or an outer one, or a whole row. */
  columnReference(fields: (string | null)[], scope: Scope): Inferred {
    // `t.*` as a value (`to_jsonb(t.*)`) is t's whole row.
    if (fields.length >= 2 && fields.at(-1) === null) return this.columnReference(fields.slice(0, -1), scope);
    if (fields.some((field) => field === null)) return unknown('a * in an expression');
    const names = fields as string[];
    const column = names[names.length - 1]!;
    for (let current: Scope | null = scope; current; current = current.parent) {
      if (names.length === 1) {
        const found = findColumn(current.sources, column);
        if (found) return found;
        const whole = current.sources.flatMap(leaves).find((source) => source.refname === column);
        if (whole) return whole.rowType ? { type: whole.rowType } : unknown(`the row type of ${column}`);
      } else {
        const source = current.sources.flatMap(leaves).find((each) => each.refname === names[names.length - 2]);
        if (source) {
          if (!source.columns) return unknown(source.reason);
          const match = source.columns.find((each) => each.name === column);
          if (match) {
            match.read?.();
            return match.type;
          }
          return unknown(`column ${names.join('.')} is not defined in the input files`);
        }
      }
    }
    return unknown(`column ${names.join('.')} is not defined in the input files`);
  }
}

/** Null when no source has the column; unknown when a source whose columns are unknown might. */
function findColumn(sources: Source[], name: string): Inferred | null {
  let unknownSource: Source | null = null;
  for (const source of sources) {
    if (!source.columns) {
      unknownSource ??= source;
      continue;
    }
    const match = source.columns.find((column) => column.name === name);
    if (match) {
      match.read?.();
      return match.type;
    }
  }
  return unknownSource ? unknown(unknownSource.reason) : null;
}

/** A source and the items inside it (a join's tables), each reachable by its name. */
export function leaves(source: Source): Source[] {
  return [source, ...source.children.flatMap(leaves)];
}

/** Column reference fields: names, with null for `*`. */
export function stringFields(fields: Node[] | undefined): (string | null)[] {
  return (fields ?? []).map((field) => ('String' in field ? (field.String.sval ?? '') : null));
}
