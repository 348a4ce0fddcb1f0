import type { Node } from 'libpg-query';
import type { Diagnostic, Procedure, SourceLocation } from '../model/types.js';
import type { Catalog, RoutineObjectKind } from './catalog.js';
import type { Mapped } from './definitions.js';
import { literalLines, splitDocComment } from './doc-comments.js';
import { qualifiedName, readRoutineReference, stringValues, type TreeContext } from './read-libpg-query.js';
import type { SourcePositions } from './source-positions.js';
import type { Statement } from './statements.js';

/** What a statement handler works with: the statement, where it starts, and the file reader's catalog and reports. */
export interface StatementScope {
  statement: Statement;
  context: TreeContext;
  location: SourceLocation;
  catalog: Catalog;
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
  DefineStmt: ({ kind }, scope) => {
    if (kind === 'OBJECT_AGGREGATE') scope.readDefinition();
  },
  DropStmt: drop,
  CommentStmt: commentOn,
  AlterEnumStmt: alterEnum,
  AlterFunctionStmt: alterFunction,
  RenameStmt: rename,
  AlterObjectSchemaStmt: ({ objectType = '' }, scope) => {
    if (routineObjectKinds[objectType] || objectType === 'OBJECT_TYPE') {
      unmodelled(scope, 'moving a function or type to another schema is not reflected in the model');
    }
  },
  AlterTableStmt: ({ objtype }, scope) => {
    if (objtype === 'OBJECT_TYPE') unmodelled(scope, 'ALTER TYPE on a composite type is not reflected in the model');
  },
};

const routineObjectKinds: Record<string, RoutineObjectKind> = {
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_ROUTINE: 'routine',
  OBJECT_AGGREGATE: 'aggregate',
};

function drop(
  { removeType, objects = [], missing_ok: missingOk = false }: NodeOf<'DropStmt'>,
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
      const { schema, name } = qualifiedName(stringValues(object.TypeName.names), context);
      catalog.dropType(schema, name, object.TypeName.arrayBounds?.length ?? 0, missingOk, location);
    }
  }
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

function rename({ renameType, object, newname }: NodeOf<'RenameStmt'>, scope: StatementScope): void {
  const kind = routineObjectKinds[renameType ?? ''];
  if (kind && object && 'ObjectWithArgs' in object && newname) {
    withReference(scope, readRoutineReference(object.ObjectWithArgs, scope.context), (reference) =>
      scope.catalog.alterRoutine(reference, kind, { name: newname }, scope.location),
    );
  } else if (renameType === 'OBJECT_TYPE' || renameType === 'OBJECT_ATTRIBUTE') {
    unmodelled(scope, 'renaming a type or attribute is not reflected in the model');
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
