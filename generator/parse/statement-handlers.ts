import type { Node } from 'libpg-query';
import type { Diagnostic, Procedure, SourceLocation } from '../model/types.js';
import type { Catalog, RoutineObjectKind } from './catalog.js';
import type { Mapped } from './definitions.js';
import { literalLines, splitDocComment } from './doc-comments.js';
import { qualifiedName, readRoutineReference, stringValues, type TreeContext } from './read-libpg-query.js';
import type { NameResolver } from './name-resolution.js';
import type { SessionSearchPath } from './search-path.js';
import { setConfigSearchPath, setSearchPath, transaction } from './search-path-statements.js';
import type { SourcePositions } from './source-positions.js';
import type { Statement } from './statements.js';
import type { EnumChange } from './enum-labels.js';
import { dropTypes, moveTypes, relationHandlers, renameTypes } from './relation-handlers.js';

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
export type NodeOf<K extends NodeKind> = Extract<Node, Record<K, unknown>>[K];
export type StatementHandlers = { [K in NodeKind]?: (value: NodeOf<K>, scope: StatementScope) => void };

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
  ...relationHandlers,
  DefineStmt: ({ kind }, scope) => {
    if (kind === 'OBJECT_AGGREGATE') scope.readDefinition();
  },
  DropStmt: (statement, scope) => {
    if (!dropTypes(statement, scope)) drop(statement, scope);
  },
  CommentStmt: commentOn,
  AlterEnumStmt: alterEnum,
  AlterFunctionStmt: alterFunction,
  RenameStmt: (statement, scope) => {
    if (!renameTypes(statement, scope)) rename(statement, scope);
  },
  AlterObjectSchemaStmt: (statement, scope) => {
    if (!moveTypes(statement, scope)) moveRoutine(statement, scope);
  },
  CreateSchemaStmt: createSchema,
  VariableSetStmt: setSearchPath,
  SelectStmt: setConfigSearchPath,
  TransactionStmt: transaction,
};

const routineObjectKinds: Record<string, RoutineObjectKind> = {
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_ROUTINE: 'routine',
  OBJECT_AGGREGATE: 'aggregate',
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
    } else if (removeType === 'OBJECT_SCHEMA' && 'String' in object) {
      const schema = context.placeholder.schemaRef(object.String.sval ?? '');
      catalog.dropSchema(schema, behavior === 'DROP_CASCADE', missingOk, location);
    }
  }
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

function moveRoutine({ objectType, object, newschema }: NodeOf<'AlterObjectSchemaStmt'>, scope: StatementScope) {
  const kind = routineObjectKinds[objectType ?? ''];
  if (!kind || !object || !('ObjectWithArgs' in object) || !newschema) return;
  const schema = scope.context.placeholder.schemaRef(newschema);
  withReference(scope, readRoutineReference(object.ObjectWithArgs, scope.context), (reference) =>
    scope.catalog.alterRoutine(reference, kind, { schema }, scope.location),
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
  const { schema, name } = qualifiedName(stringValues(alter.typeName), scope.context);
  if (alter.newVal === undefined) return;
  const neighbor =
    alter.newValNeighbor === undefined ? null : { value: alter.newValNeighbor, after: alter.newValIsAfter === true };
  const change: EnumChange =
    alter.oldVal !== undefined
      ? { action: 'rename', from: alter.oldVal, to: alter.newVal }
      : { action: 'add', value: alter.newVal, neighbor, ifNotExists: alter.skipIfNewValExists === true };
  scope.catalog.types.changeEnum(schema, name, change, scope.location);
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
  }
}

function withReference<T>(scope: StatementScope, reference: Mapped<T>, apply: (value: T) => void): void {
  if (reference.ok) apply(reference.value);
  else {
    const { code, message, offset } = reference.problem;
    scope.report('error', code, message, offset ?? scope.statement.start);
  }
}
