import type { Node } from 'libpg-query';
import type { Diagnostic, Procedure, SchemaRef, SourceLocation } from '../model/types.js';
import type { Catalog, RoutineObjectKind } from './catalog.js';
import type { Mapped } from './definitions.js';
import { literalLines, splitDocComment } from './doc-comments.js';
import { qualifiedName, readRoutineReference, stringValues, type TreeContext } from './read-libpg-query.js';
import type { NameResolver } from './name-resolution.js';
import { splitSearchPath, type SessionSearchPath } from './search-path.js';
import type { SourcePositions } from './source-positions.js';
import type { Statement } from './statements.js';

/** What a statement handler works with: the statement, where it starts, and the file reader's catalog and reports. */
export interface StatementScope {
  statement: Statement;
  context: TreeContext;
  location: SourceLocation;
  catalog: Catalog;
  /** Name resolution through the search path as it stands at this statement; relation handlers use it too. */
  names: NameResolver;
  searchPath: SessionSearchPath;
  positions: SourcePositions;
  report(severity: Diagnostic['severity'], code: string, message: string, offset: number): void;
  /** Reads a CREATE FUNCTION / PROCEDURE / TYPE with both parsers; the file reader owns that. */
  readDefinition(): void;
}

/** The statement kinds a libpg-query tree node can be (`CreateFunctionStmt`, `DropStmt`, ...). */
type NodeKind = Node extends infer Each ? (Each extends unknown ? keyof Each : never) : never;
type NodeOf<K extends NodeKind> = Extract<Node, Record<K, unknown>>[K];
type StatementHandlers = { [K in NodeKind]?: (value: NodeOf<K>, scope: StatementScope) => void };

/** Applies one parsed statement to the catalog; statements of a kind not listed here change nothing it holds. */
export function handleStatement(node: Node, scope: StatementScope): void {
  // A tree node has exactly one key, its statement kind.
  const [kind] = Object.keys(node) as [NodeKind];
  const handle = handlers[kind] as ((value: unknown, scope: StatementScope) => void) | undefined;
  handle?.((node as Record<NodeKind, unknown>)[kind], scope);
}

const handlers: StatementHandlers = {
  CreateFunctionStmt: (_, scope) => scope.readDefinition(),
  CreateEnumStmt: (_, scope) => scope.readDefinition(),
  CompositeTypeStmt: (_, scope) => scope.readDefinition(),
  DropStmt: drop,
  CommentStmt: commentOn,
  AlterEnumStmt: alterEnum,
  AlterFunctionStmt: alterFunction,
  RenameStmt: rename,
  CreateSchemaStmt: createSchema,
  VariableSetStmt: setVariable,
  SelectStmt: selectSetConfig,
  TransactionStmt: ({ kind }, scope) => {
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') scope.searchPath.begin();
    else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_PREPARE') scope.searchPath.commit();
    else if (kind === 'TRANS_STMT_ROLLBACK') scope.searchPath.rollback();
  },
  AlterObjectSchemaStmt: moveToSchema,
  AlterTableStmt: ({ objtype }, scope) => {
    if (objtype === 'OBJECT_TYPE') unmodelled(scope, 'ALTER TYPE on a composite type is not reflected in the model');
  },
};

const routineObjectKinds: Record<string, RoutineObjectKind> = {
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_ROUTINE: 'routine',
};

function drop(
  { removeType, objects = [], missing_ok: missingOk = false, behavior }: NodeOf<'DropStmt'>,
  scope: StatementScope,
): void {
  const { context, catalog, location } = scope;
  const kind = routineObjectKinds[removeType ?? ''];
  for (const object of objects) {
    if (kind && 'ObjectWithArgs' in object) {
      withReference(scope, readRoutineReference(object.ObjectWithArgs, context), (reference) =>
        catalog.dropRoutine(reference, kind, missingOk, location),
      );
    } else if (removeType === 'OBJECT_TYPE' && 'TypeName' in object) {
      const { schema, name } = typeName(stringValues(object.TypeName.names), scope);
      catalog.dropType(schema, name, object.TypeName.arrayBounds?.length ?? 0, missingOk, location);
    } else if (removeType === 'OBJECT_SCHEMA' && 'String' in object) {
      const schema = context.placeholder.schemaRef(object.String.sval ?? '');
      catalog.dropSchema(schema, behavior === 'DROP_CASCADE', missingOk, location);
    }
  }
}

/** A type named by DROP or ALTER TYPE, in the schema the search path finds it in. */
function typeName(names: string[], scope: StatementScope): { schema: SchemaRef; name: string } {
  const { schema, name } = qualifiedName(names, scope.context);
  const resolved = scope.names.resolveType({ schema, name, arrayDimensions: 0, modifiers: [] });
  return { schema: resolved.schema, name };
}

/**
 * CREATE SCHEMA, and the objects created with it: PostgreSQL runs those with the new schema in front of the search
 * path, which also makes it where they are created.
 */
function createSchema(
  { schemaname, authrole, schemaElts = [], if_not_exists: ifNotExists = false }: NodeOf<'CreateSchemaStmt'>,
  scope: StatementScope,
): void {
  const written = schemaname ?? authrole?.rolename;
  if (written === undefined) return;
  const schema = scope.context.placeholder.schemaRef(written);
  scope.catalog.createSchema(schema, ifNotExists, scope.location);
  if (schemaElts.length === 0) return;
  scope.searchPath.during([schema, ...(scope.searchPath.current ?? [])], () => {
    for (const element of schemaElts) handleStatement(element, { ...scope, readDefinition: () => {} });
  });
}

/** `SET [SESSION | LOCAL] search_path ...`, `SET SCHEMA ...`, `RESET search_path`, `RESET ALL`. */
function setVariable(
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
function selectSetConfig({ targetList = [] }: NodeOf<'SelectStmt'>, scope: StatementScope): void {
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

function commentOn({ objtype, object, comment }: NodeOf<'CommentStmt'>, scope: StatementScope): void {
  const { statement, context, positions } = scope;
  const kind = routineObjectKinds[objtype ?? ''];
  if (!kind || !object || !('ObjectWithArgs' in object)) return;
  const literal = statement.tokens[statement.tokens.findLastIndex((token) => token.keyword === 'is') + 1];
  const doc =
    comment === undefined || !literal
      ? null
      : splitDocComment(literalLines(context.placeholder.restore(comment), literal), positions, literal.start);
  withReference(scope, readRoutineReference(object.ObjectWithArgs, context), (reference) =>
    scope.catalog.commentOnRoutine(reference, kind, doc, scope.location),
  );
}

function alterEnum(alter: NodeOf<'AlterEnumStmt'>, scope: StatementScope): void {
  const { schema, name } = typeName(stringValues(alter.typeName), scope);
  if (alter.oldVal !== undefined) {
    unmodelled(scope, 'renaming an enum value is not reflected in the model');
    return;
  }
  if (alter.newVal === undefined) return;
  const neighbor =
    alter.newValNeighbor === undefined ? null : { value: alter.newValNeighbor, after: alter.newValIsAfter === true };
  scope.catalog.addEnumValue(schema, name, alter.newVal, neighbor, alter.skipIfNewValExists === true, scope.location);
}

function alterFunction({ objtype, func, actions = [] }: NodeOf<'AlterFunctionStmt'>, scope: StatementScope): void {
  const kind = routineObjectKinds[objtype ?? ''] ?? 'function';
  const change: Partial<Pick<Procedure, 'volatility' | 'security'>> = {};
  for (const action of actions) {
    if (!('DefElem' in action)) continue;
    const { defname, arg } = action.DefElem;
    if (defname === 'volatility' && arg && 'String' in arg)
      change.volatility = arg.String.sval as Procedure['volatility'];
    if (defname === 'security' && arg && 'Boolean' in arg)
      change.security = arg.Boolean.boolval ? 'definer' : 'invoker';
  }
  if (!func) return;
  withReference(scope, readRoutineReference(func, scope.context), (reference) =>
    scope.catalog.alterRoutine(reference, kind, change, scope.location),
  );
}

function rename({ renameType, object, subname, newname }: NodeOf<'RenameStmt'>, scope: StatementScope): void {
  const kind = routineObjectKinds[renameType ?? ''];
  if (kind && object && 'ObjectWithArgs' in object && newname) {
    withReference(scope, readRoutineReference(object.ObjectWithArgs, scope.context), (reference) =>
      scope.catalog.alterRoutine(reference, kind, { name: newname }, scope.location),
    );
  } else if (renameType === 'OBJECT_SCHEMA' && subname && newname) {
    scope.catalog.renameSchema(scope.context.placeholder.schemaRef(subname), newname, scope.location);
  } else if (renameType === 'OBJECT_TYPE' || renameType === 'OBJECT_ATTRIBUTE') {
    unmodelled(scope, 'renaming a type or attribute is not reflected in the model');
  }
}

/** `ALTER FUNCTION | PROCEDURE | ROUTINE | TYPE ... SET SCHEMA`. */
function moveToSchema({ objectType, object, newschema }: NodeOf<'AlterObjectSchemaStmt'>, scope: StatementScope): void {
  if (!object || newschema === undefined) return;
  const schema = scope.context.placeholder.schemaRef(newschema);
  const kind = routineObjectKinds[objectType ?? ''];
  if (kind && 'ObjectWithArgs' in object) {
    withReference(scope, readRoutineReference(object.ObjectWithArgs, scope.context), (reference) =>
      scope.catalog.alterRoutine(reference, kind, { schema }, scope.location),
    );
  } else if (objectType === 'OBJECT_TYPE' && 'List' in object) {
    const { schema: current, name } = typeName(stringValues(object.List.items), scope);
    scope.catalog.moveType(current, name, schema, scope.location);
  }
}

function unmodelled(scope: StatementScope, message: string): void {
  scope.report('warning', 'unmodelled-statement', message, scope.statement.start);
}

function withReference<T>(scope: StatementScope, reference: Mapped<T>, apply: (value: T) => void): void {
  if (reference.ok) apply(reference.value);
  else {
    const { code, message, offset } = reference.problem;
    scope.report('error', code, message, offset ?? scope.statement.start);
  }
}
