import type {
  CompositeTypeStmt,
  CreateEnumStmt,
  CreateFunctionStmt,
  FunctionParameter,
  Node,
  ObjectWithArgs,
  TypeName,
} from 'libpg-query';
import type { Column, Parameter, ParameterMode, Procedure, ReturnShape, SchemaRef, TypeRef } from '../model/types.js';
import {
  implicitReturns,
  mapped,
  scalarOrVoid,
  unmappable,
  type Mapped,
  type RoutineDefinition,
  type TypeDefinition,
} from './definitions.js';
import type { NameResolver } from './name-resolution.js';
import type { PlaceholderSubstitution } from './placeholder.js';

/** Converts a byte offset of the tree being read into a file offset. */
export type OffsetOf = (byteLocation: number | undefined) => number | null;

export interface TreeContext {
  placeholder: PlaceholderSubstitution;
  /** Resolves names through the search path as it stands when the statement runs. */
  names: NameResolver;
  offsetOf: OffsetOf;
  /**
   * The type of `relation.column%TYPE` (`names` as written, column last) as the statements so far define it, or
   * why there is none. Absent where no catalog is at hand.
   */
  columnType?: (names: string[]) => TypeRef | { code: string; message: string };
}

export function stringValues(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((node) => ('String' in node ? (node.String.sval ?? '') : ''));
}

/** `[name]`, `[schema, name]` or `[database, schema, name]` as PostgreSQL writes qualified names. */
export function qualifiedName(names: string[], context: TreeContext): { schema: SchemaRef; name: string } {
  const name = names[names.length - 1] ?? '';
  return { schema: context.placeholder.schemaRef(names.length > 1 ? names[names.length - 2] : null), name };
}

export function typeRef(type: TypeName | undefined, context: TreeContext): Mapped<TypeRef> {
  if (!type) return unmappable('parse-error', 'missing type');
  if (type.pct_type) {
    const names = stringValues(type.names);
    const resolved = context.columnType?.(names) ?? {
      code: 'unsupported-type',
      message: `${names.join('.')}%TYPE needs the relation's definition`,
    };
    if ('code' in resolved) return unmappable(resolved.code, resolved.message, context.offsetOf(type.location));
    // PostgreSQL records the column's type itself; %TYPE does not follow later changes of the column.
    return mapped({ ...resolved, arrayDimensions: resolved.arrayDimensions + (type.arrayBounds?.length ?? 0) });
  }
  const { schema, name } = qualifiedName(stringValues(type.names), context);
  // PostgreSQL's grammar adds implicit modifiers (char → char(1), interval's field mask) without a location.
  const modifiers = (type.typmods ?? []).flatMap((modifier) =>
    'A_Const' in modifier && modifier.A_Const.ival !== undefined && (modifier.A_Const.location ?? -1) >= 0
      ? [modifier.A_Const.ival.ival ?? 0]
      : [],
  );
  // libpg-query's names are internal already, and qualified with pg_catalog where the grammar makes them built-in.
  return mapped(context.names.resolveType({ schema, name, arrayDimensions: type.arrayBounds?.length ?? 0, modifiers }));
}

export const parameterModes: Record<string, ParameterMode | 'table'> = {
  FUNC_PARAM_IN: 'in',
  FUNC_PARAM_DEFAULT: 'in',
  FUNC_PARAM_OUT: 'out',
  FUNC_PARAM_INOUT: 'inout',
  FUNC_PARAM_VARIADIC: 'variadic',
  FUNC_PARAM_TABLE: 'table',
};

export function functionParameters(nodes: Node[] | undefined): FunctionParameter[] {
  return (nodes ?? []).flatMap((node) => ('FunctionParameter' in node ? [node.FunctionParameter] : []));
}

export function readRoutine(statement: CreateFunctionStmt, context: TreeContext): Mapped<RoutineDefinition> {
  const kind: Procedure['kind'] = statement.is_procedure ? 'procedure' : 'function';
  const parameters: Omit<Parameter, 'defaultText'>[] = [];
  const columns: Column[] = [];
  for (const parameter of functionParameters(statement.parameters)) {
    const type = typeRef(parameter.argType, context);
    if (!type.ok) return type;
    const mode = parameterModes[parameter.mode ?? 'FUNC_PARAM_DEFAULT'] ?? 'in';
    if (mode === 'table') columns.push({ name: parameter.name ?? '', type: type.value });
    else
      parameters.push({
        name: parameter.name ?? null,
        type: type.value,
        mode,
        hasDefault: parameter.defexpr !== undefined,
      });
  }
  let returns: ReturnShape | null;
  if (columns.length > 0) returns = { kind: 'table', columns };
  else if (statement.returnType) {
    const type = typeRef(statement.returnType, context);
    if (!type.ok) return type;
    returns = scalarOrVoid(type.value, statement.returnType.setof === true);
  } else returns = implicitReturns(kind, parameters);
  if (!returns) return unmappable('missing-returns', 'function result type must be specified');

  let language: string | null = statement.sql_body ? 'sql' : null;
  let volatility: Procedure['volatility'] = 'volatile';
  let security: Procedure['security'] = 'invoker';
  let window = false;
  for (const option of statement.options ?? []) {
    if (!('DefElem' in option)) continue;
    const { defname, arg } = option.DefElem;
    if (defname === 'window') window = !arg || !('Boolean' in arg) || arg.Boolean.boolval === true;
    if (defname === 'language' && arg && 'String' in arg) language = (arg.String.sval ?? '').toLowerCase();
    if (defname === 'volatility' && arg && 'String' in arg) volatility = arg.String.sval as Procedure['volatility'];
    if (defname === 'security' && arg && 'Boolean' in arg) security = arg.Boolean.boolval ? 'definer' : 'invoker';
  }
  if (!language) return unmappable('missing-language', 'no language specified');
  const { schema, name } = qualifiedName(stringValues(statement.funcname), context);
  return mapped({
    kind: window ? 'window' : kind,
    orReplace: statement.replace === true,
    schema,
    name,
    parameters,
    returns,
    language,
    volatility,
    security,
  });
}

export function readEnum(statement: CreateEnumStmt, context: TreeContext): Mapped<TypeDefinition> {
  const { schema, name } = qualifiedName(stringValues(statement.typeName), context);
  return mapped({ kind: 'enum', schema, name, values: stringValues(statement.vals) });
}

export function readComposite(statement: CompositeTypeStmt, context: TreeContext): Mapped<TypeDefinition> {
  const attributes: Column[] = [];
  for (const node of statement.coldeflist ?? []) {
    if (!('ColumnDef' in node)) continue;
    const type = typeRef(node.ColumnDef.typeName, context);
    if (!type.ok) return type;
    attributes.push({ name: node.ColumnDef.colname ?? '', type: type.value });
  }
  const relation = statement.typevar;
  return mapped({
    kind: 'composite',
    schema: context.placeholder.schemaRef(relation?.schemaname),
    name: relation?.relname ?? '',
    attributes,
  });
}

/** A function named by DROP, COMMENT ON or ALTER: `arguments` is null when no argument list was written. */
export interface RoutineReference {
  schema: SchemaRef;
  name: string;
  arguments: { type: TypeRef; mode: ParameterMode }[] | null;
}

export function readRoutineReference(object: ObjectWithArgs, context: TreeContext): Mapped<RoutineReference> {
  const { schema, name } = qualifiedName(stringValues(object.objname), context);
  if (object.args_unspecified) return mapped({ schema, name, arguments: null });
  const written = functionParameters(object.objfuncargs);
  const fromTypes = (object.objargs ?? []).flatMap((node) => ('TypeName' in node ? [node.TypeName] : []));
  const argumentList: { type: TypeRef; mode: ParameterMode }[] = [];
  const entries =
    written.length > 0 || fromTypes.length === 0
      ? written.map((parameter) => ({ type: parameter.argType, mode: parameter.mode }))
      : fromTypes.map((type) => ({ type, mode: undefined }));
  for (const entry of entries) {
    const type = typeRef(entry.type, context);
    if (!type.ok) return type;
    const mode = parameterModes[entry.mode ?? 'FUNC_PARAM_DEFAULT'];
    argumentList.push({ type: type.value, mode: mode === 'table' || mode === undefined ? 'in' : mode });
  }
  return mapped({ schema, name, arguments: argumentList });
}
