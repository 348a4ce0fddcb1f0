import type { JoinExpr, Node, RangeFunction, SelectStmt } from 'libpg-query';
import type { RelationColumn, SchemaRef, TypeRef } from '../model/types.js';
import { builtinFunctionResult } from './builtin-results.js';
import { columnName } from './column-names.js';
import {
  ExpressionTyper,
  leaves,
  stringFields,
  type ExpressionEnvironment,
  type OutputColumn,
  type Scope,
  type Source,
} from './expression-types.js';
import { builtinType, commonType, unknown, type Inferred } from './inferred-type.js';
import { qualifiedName, stringValues, typeRef } from './read-libpg-query.js';

/** A relation a FROM item names, as the catalog holds it. */
export interface RelationSource {
  columns: OutputColumn[] | null;
  reason: string;
  rowType: TypeRef;
}

/** What typing a query needs from the catalog besides what expressions need. */
export interface QueryEnvironment extends Omit<ExpressionEnvironment, 'subquery'> {
  /** A table, view or materialized view, or null when the files define none of that name. */
  relation(schema: SchemaRef, name: string): RelationSource | null;
  /** The columns of a set-returning routine the files define, or null. */
  routineColumns(schema: SchemaRef, name: string, args: Inferred[]): OutputColumn[] | null;
}

type Columns = OutputColumn[] | { unknown: string };

/** Set-returning built-ins with more than one column, by name. */
const builtinRowFunctions: Record<string, [string, string][]> = {
  json_each: [
    ['key', 'text'],
    ['value', 'json'],
  ],
  jsonb_each: [
    ['key', 'text'],
    ['value', 'jsonb'],
  ],
  json_each_text: [
    ['key', 'text'],
    ['value', 'text'],
  ],
  jsonb_each_text: [
    ['key', 'text'],
    ['value', 'text'],
  ],
};

interface CommonTables {
  tables: Map<string, Columns>;
  parent: CommonTables | null;
}

/**
 * Infers the output columns of a view's (or CREATE TABLE AS's) query the way PostgreSQL's analyzer types them,
 * as far as the files say: column references through FROM items, joins and subqueries, `*` expansion, casts,
 * literals, and the operators and functions whose result types are known. A column list that cannot be known at
 * all (a `*` over an unknown function) is `{ unknown }`; a single column that cannot be typed has a null type.
 */
export function inferQueryColumns(
  query: Node | undefined,
  aliases: string[],
  environment: QueryEnvironment,
): RelationColumn[] | { unknown: string } {
  if (!query || !('SelectStmt' in query)) return { unknown: 'the query is not a SELECT' };
  const inference = new QueryInference(environment);
  const columns = inference.select(query.SelectStmt, null, null, true);
  if ('unknown' in columns) return columns;
  const text: TypeRef = { schema: { kind: 'unqualified' }, name: 'text', arrayDimensions: 0, modifiers: [] };
  return columns.map((column, index): RelationColumn => {
    const name = aliases[index] ?? column.name;
    const type = column.type;
    if ('type' in type) return { name, type: type.type, typeUnknownReason: null };
    if ('literal' in type) return { name, type: text, typeUnknownReason: null };
    return { name, type: null, typeUnknownReason: type.unknown };
  });
}

class QueryInference {
  private readonly expressions: ExpressionTyper;
  private commonTables: CommonTables | null = null;

  constructor(private readonly environment: QueryEnvironment) {
    this.expressions = new ExpressionTyper({
      ...environment,
      subquery: (statement, scope) => this.select(statement, scope, this.commonTables, true),
    });
  }

  /** `resolveLiterals`: a SELECT's untyped literal outputs become text, except inside UNION and VALUES. */
  select(
    statement: SelectStmt,
    outer: Scope | null,
    commonTables: CommonTables | null,
    resolveLiterals: boolean,
  ): Columns {
    const saved = this.commonTables;
    this.commonTables = commonTables;
    try {
      if (statement.withClause) this.withClause(statement.withClause.ctes ?? [], outer);
      const columns = this.selectBody(statement, outer);
      if ('unknown' in columns || !resolveLiterals) return columns;
      return columns.map((column) => ('literal' in column.type ? { ...column, type: builtinType('text') } : column));
    } finally {
      this.commonTables = saved;
    }
  }

  private withClause(ctes: Node[], outer: Scope | null): void {
    const tables: CommonTables = { tables: new Map(), parent: this.commonTables };
    this.commonTables = tables;
    for (const node of ctes) {
      if (!('CommonTableExpr' in node)) continue;
      const { ctename = '', ctequery, aliascolnames } = node.CommonTableExpr;
      if (!ctequery || !('SelectStmt' in ctequery)) {
        tables.tables.set(ctename, { unknown: `the WITH query ${ctename} is not a SELECT` });
        continue;
      }
      const statement = ctequery.SelectStmt;
      // A recursive query's columns are those of its non-recursive first part.
      const first =
        statement.op !== undefined && statement.op !== 'SETOP_NONE' && statement.larg ? statement.larg : statement;
      const columns = this.select(first, outer, tables, true);
      tables.tables.set(ctename, renamed(columns, stringValues(aliascolnames)));
    }
  }

  private selectBody(statement: SelectStmt, outer: Scope | null): Columns {
    if (statement.valuesLists) {
      const rows = statement.valuesLists.map((row) =>
        'List' in row ? (row.List.items ?? []).map((item) => this.expressions.infer(item, outer ?? emptyScope)) : [],
      );
      const width = rows[0]?.length ?? 0;
      return Array.from({ length: width }, (_, index) => ({
        name: `column${index + 1}`,
        type: commonType(rows.map((row) => row[index] ?? unknown('a short VALUES row'))),
      }));
    }
    if (statement.op && statement.op !== 'SETOP_NONE') {
      if (!statement.larg || !statement.rarg) return { unknown: 'a set operation without both sides' };
      const left = this.select(statement.larg, outer, this.commonTables, false);
      const right = this.select(statement.rarg, outer, this.commonTables, false);
      if ('unknown' in left) return left;
      if ('unknown' in right) return right;
      return left.map((column, index) => ({
        name: column.name,
        type: commonType([column.type, right[index]?.type ?? unknown('a shorter set operation branch')]),
      }));
    }
    const scope: Scope = { sources: [], parent: outer };
    for (const item of statement.fromClause ?? []) scope.sources.push(this.fromItem(item, scope));
    const columns: OutputColumn[] = [];
    for (const target of statement.targetList ?? []) {
      if (!('ResTarget' in target)) continue;
      const { name, val } = target.ResTarget;
      if (val && 'ColumnRef' in val) {
        const fields = stringFields(val.ColumnRef.fields);
        if (fields.at(-1) === null) {
          const expanded = this.expand(fields.slice(0, -1) as string[], scope);
          if ('unknown' in expanded) return expanded;
          columns.push(...expanded.map(({ name: expandedName, type }) => ({ name: expandedName, type })));
          continue;
        }
      }
      columns.push({
        name: name ?? columnName(val, (subquery) => this.firstColumnName(subquery, scope)),
        type: this.expressions.infer(val, scope),
      });
    }
    return columns;
  }

  private firstColumnName(statement: SelectStmt, scope: Scope): string {
    const columns = this.select(statement, scope, this.commonTables, true);
    return 'unknown' in columns ? '?column?' : (columns[0]?.name ?? '?column?');
  }

  /** `*` (every FROM item of this query) or `t.*`. */
  private expand(qualifier: string[], scope: Scope): Columns {
    const sources =
      qualifier.length === 0
        ? scope.sources
        : scope.sources.flatMap(leaves).filter((source) => source.refname === qualifier[qualifier.length - 1]);
    if (qualifier.length > 0 && sources.length === 0) return { unknown: `${qualifier.join('.')}.* names no FROM item` };
    const columns: OutputColumn[] = [];
    for (const source of sources.slice(0, qualifier.length === 0 ? undefined : 1)) {
      if (!source.columns) return { unknown: source.reason };
      for (const column of source.columns) column.read?.();
      columns.push(...source.columns);
    }
    return columns;
  }

  private fromItem(node: Node, scope: Scope): Source {
    if ('RangeVar' in node) {
      const { schemaname, relname = '', alias } = node.RangeVar;
      const commonTable = schemaname ? undefined : this.commonTable(relname);
      if (commonTable) return source(alias?.aliasname ?? relname, commonTable, null, stringValues(alias?.colnames));
      const schema = this.environment.context.placeholder.schemaRef(schemaname);
      const relation = this.environment.relation(schema, relname);
      if (!relation) {
        const reason = `relation ${schemaname ? `${schemaname}.` : ''}${relname} is not defined in the input files`;
        return source(alias?.aliasname ?? relname, { unknown: reason }, null, []);
      }
      const columns: Columns = relation.columns ?? { unknown: relation.reason };
      return source(alias?.aliasname ?? relname, columns, relation.rowType, stringValues(alias?.colnames));
    }
    if ('RangeSubselect' in node) {
      const { subquery, alias } = node.RangeSubselect;
      const columns: Columns =
        subquery && 'SelectStmt' in subquery
          ? this.select(subquery.SelectStmt, scope, this.commonTables, true)
          : { unknown: 'a subquery in FROM' };
      return source(alias?.aliasname ?? null, columns, null, stringValues(alias?.colnames));
    }
    if ('RangeFunction' in node) return this.functionItem(node.RangeFunction, scope);
    if ('JoinExpr' in node) return this.join(node.JoinExpr, scope);
    const [kind] = Object.keys(node);
    return source(null, { unknown: `a ${kind} in FROM` }, null, []);
  }

  private commonTable(name: string): Columns | undefined {
    for (let tables = this.commonTables; tables; tables = tables.parent) {
      const found = tables.tables.get(name);
      if (found) return found;
    }
    return undefined;
  }

  private functionItem(item: RangeFunction, scope: Scope): Source {
    const [entry] = item.functions ?? [];
    const call = entry && 'List' in entry ? entry.List.items?.[0] : undefined;
    const alias = item.alias;
    if (item.is_rowsfrom || (item.functions?.length ?? 0) !== 1 || !call || !('FuncCall' in call)) {
      return source(alias?.aliasname ?? null, { unknown: 'ROWS FROM(...) in FROM' }, null, []);
    }
    const names = stringValues(call.FuncCall.funcname);
    const { schema, name } = qualifiedName(names, this.environment.context);
    const refname = alias?.aliasname ?? name;
    let columns: Columns;
    if (item.coldeflist) {
      columns = item.coldeflist.flatMap((definition) => {
        if (!('ColumnDef' in definition)) return [];
        const type = typeRef(definition.ColumnDef.typeName, this.environment.context);
        return [
          {
            name: definition.ColumnDef.colname ?? '',
            type: type.ok ? { type: type.value } : unknown(type.problem.message),
          },
        ];
      });
    } else {
      const args = (call.FuncCall.args ?? []).map((arg) => this.expressions.infer(arg, scope));
      columns = this.functionColumns(schema, name, args, alias?.aliasname ?? name);
    }
    if (item.ordinality && !('unknown' in columns))
      columns = [...columns, { name: 'ordinality', type: builtinType('int8') }];
    return source(refname, columns, null, stringValues(alias?.colnames));
  }

  private functionColumns(schema: SchemaRef, name: string, args: Inferred[], columnAlias: string): Columns {
    const problem = args.find((arg) => 'unknown' in arg);
    if (problem && 'unknown' in problem) return { unknown: problem.unknown };
    const builtinSchema = schema.kind === 'unqualified' || (schema.kind === 'named' && schema.name === 'pg_catalog');
    if (builtinSchema) {
      const row = builtinRowFunctions[name];
      if (row) return row.map(([columnName, type]) => ({ name: columnName, type: builtinType(type) }));
      const scalar = args.length === 1 || name !== 'unnest' ? builtinFunctionResult(name, args) : null;
      if (scalar) return [{ name: columnAlias, type: scalar }];
    }
    const routine = this.environment.routineColumns(schema, name, args);
    if (routine)
      return routine.length === 1 && routine[0]!.name === '' ? [{ ...routine[0]!, name: columnAlias }] : routine;
    return { unknown: `the columns of ${name}(...) are not known without a server` };
  }

  /** A join's columns: USING and NATURAL columns once, first, then the rest of each side. */
  private join(join: JoinExpr, scope: Scope): Source {
    const left = join.larg ? this.fromItem(join.larg, scope) : source(null, { unknown: 'a join side' }, null, []);
    const lateral: Scope = { sources: [...scope.sources, left], parent: scope.parent };
    const right = join.rarg ? this.fromItem(join.rarg, lateral) : source(null, { unknown: 'a join side' }, null, []);
    const refname = join.alias?.aliasname ?? null;
    const joined: Source = { refname, columns: null, reason: '', rowType: null, children: [left, right] };
    if (!left.columns || !right.columns) {
      joined.reason = (!left.columns ? left : right).reason;
      return joined;
    }
    const rightNames = new Set(right.columns.map((column) => column.name));
    const merged = join.isNatural
      ? left.columns.map((column) => column.name).filter((name) => rightNames.has(name))
      : stringValues(join.usingClause);
    const pick = (columns: OutputColumn[], name: string) => columns.find((column) => column.name === name);
    const columns: OutputColumn[] = merged.map((name) => {
      const fromLeft = pick(left.columns!, name);
      const fromRight = pick(right.columns!, name);
      return {
        name,
        type: commonType([
          fromLeft?.type ?? unknown(`${name} on the left`),
          fromRight?.type ?? unknown(`${name} on the right`),
        ]),
        read: () => {
          fromLeft?.read?.();
          fromRight?.read?.();
        },
      };
    });
    const rest = (side: OutputColumn[]) => side.filter((column) => !merged.includes(column.name));
    joined.columns = renamedColumns(
      [...columns, ...rest(left.columns), ...rest(right.columns)],
      stringValues(join.alias?.colnames),
    );
    return joined;
  }
}

const emptyScope: Scope = { sources: [], parent: null };

function source(refname: string | null, columns: Columns, rowType: TypeRef | null, aliases: string[]): Source {
  const known = renamed(columns, aliases);
  return 'unknown' in known
    ? { refname, columns: null, reason: known.unknown, rowType, children: [] }
    : { refname, columns: known, reason: '', rowType, children: [] };
}

function renamed(columns: Columns, aliases: string[]): Columns {
  return 'unknown' in columns ? columns : renamedColumns(columns, aliases);
}

/** An alias's column list renames the first columns, as many as it names. */
function renamedColumns(columns: OutputColumn[], aliases: string[]): OutputColumn[] {
  return columns.map((column, index) => (aliases[index] === undefined ? column : { ...column, name: aliases[index] }));
}
