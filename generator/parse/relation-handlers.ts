import type { Node } from 'libpg-query';
import type { RelationType, SchemaRef, UserType } from '../model/types.js';
import type { Mapped } from './definitions.js';
import { noCreationSchema } from './name-resolution.js';
import { inferQueryColumns } from './query-columns.js';
import { queryEnvironment } from './query-environment.js';
import { qualifiedName, stringValues } from './read-libpg-query.js';
import { columnAliases, columnType, isTemporary, readDomain, readRange, readTable, relationName } from './relations.js';
import type { NodeOf, StatementHandlers, StatementScope } from './statement-handlers.js';
import type { TypeEntry } from './type-dependencies.js';
import type { ColumnCommand, TypeObjectKind } from './type-store.js';

/** The objects DROP, RENAME and SET SCHEMA name that are types or relations, by PostgreSQL's object type. */
const objectKinds: Record<string, TypeObjectKind> = {
  OBJECT_TABLE: 'table',
  OBJECT_FOREIGN_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized-view',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'domain',
};

/** RENAME and SET SCHEMA through ALTER TABLE reach views and materialized views too. */
const movedKind = (kind: TypeObjectKind): TypeObjectKind => (kind === 'table' ? 'relation' : kind);

function create(
  scope: StatementScope,
  definition: Mapped<Omit<UserType, 'location'>>,
  options: { ifNotExists?: boolean; orReplace?: boolean; reads?: TypeEntry['reads'] } = {},
): void {
  if (!definition.ok) {
    const { code, message, offset } = definition.problem;
    scope.report('error', code, message, offset ?? scope.statement.start);
    return;
  }
  const created = createdIn(scope, definition.value.schema);
  if (created === null) return;
  const type = { ...definition.value, schema: created, location: scope.location } as UserType;
  if (type.kind === 'range') {
    const multirange = createdIn(scope, type.multirange.schema);
    if (multirange === null) return;
    type.multirange = { ...type.multirange, schema: multirange };
  }
  scope.catalog.types.create(type, options);
}

/** The schema an object created under this written schema lands in, through the search path; null when none. */
function createdIn(scope: StatementScope, written: SchemaRef): SchemaRef | null {
  const schema = scope.names.creationSchema(written);
  if (schema === null)
    scope.report(
      'error',
      'invalid-schema',
      noCreationSchema(scope.searchPath, scope.context.placeholder.placeholder),
      scope.statement.start,
    );
  return schema;
}

/** A view's or CREATE TABLE AS's columns, typed from its query as far as the files allow. */
function queryRelation(
  scope: StatementScope,
  kind: RelationType['kind'],
  names: { schema: SchemaRef; name: string },
  query: Node | undefined,
  aliases: string[],
  options: { ifNotExists?: boolean; orReplace?: boolean },
): void {
  const reads: TypeEntry['reads'] = new Map();
  const inferred = inferQueryColumns(query, aliases, queryEnvironment(scope.catalog, scope.context, reads));
  const known = !('unknown' in inferred);
  const relation: Omit<RelationType, 'location'> = {
    kind,
    ...names,
    columns: known ? inferred : [],
    columnsUnknownReason: known ? null : inferred.unknown,
  };
  create(scope, { ok: true, value: relation }, { ...options, reads });
}

export const relationHandlers: StatementHandlers = {
  CreateStmt: (statement, scope) => {
    if (isTemporary(statement.relation)) return;
    create(scope, readTable(statement, scope.context, scope.catalog.types), { ifNotExists: statement.if_not_exists });
  },
  CreateForeignTableStmt: ({ base }, scope) => {
    if (base) create(scope, readTable(base, scope.context, scope.catalog.types), { ifNotExists: base.if_not_exists });
  },
  CreateTableAsStmt: ({ into, query, objtype, if_not_exists: ifNotExists }, scope) => {
    if (isTemporary(into?.rel)) return;
    const kind = objtype === 'OBJECT_MATVIEW' ? 'materialized-view' : 'table';
    queryRelation(scope, kind, relationName(into?.rel, scope.context), query, columnAliases(into?.colNames), {
      ifNotExists,
    });
  },
  ViewStmt: ({ view, query, aliases, replace }, scope) => {
    if (isTemporary(view)) return;
    queryRelation(scope, 'view', relationName(view, scope.context), query, columnAliases(aliases), {
      orReplace: replace,
    });
  },
  CreateDomainStmt: (statement, scope) => create(scope, readDomain(statement, scope.context)),
  CreateRangeStmt: (statement, scope) => create(scope, readRange(statement, scope.context)),
  AlterTableStmt: alterTable,
};

function alterTable(
  { relation, cmds = [], objtype, missing_ok: missingOk }: NodeOf<'AlterTableStmt'>,
  scope: StatementScope,
): void {
  const kind: TypeObjectKind | undefined =
    objtype === 'OBJECT_TYPE'
      ? 'composite'
      : objtype === 'OBJECT_TABLE' || objtype === 'OBJECT_FOREIGN_TABLE'
        ? 'table'
        : undefined;
  if (!kind) return;
  const commands: ColumnCommand[] = [];
  for (const node of cmds) {
    if (!('AlterTableCmd' in node)) continue;
    const { subtype, name = '', def, missing_ok: commandMissingOk = false, behavior } = node.AlterTableCmd;
    const definition = def && 'ColumnDef' in def ? def.ColumnDef : undefined;
    if (subtype === 'AT_AddColumn' && definition) {
      const type = columnType(definition.typeName, scope.context);
      if (!reportProblem(scope, type)) return;
      commands.push({ action: 'add', name: definition.colname ?? '', type: type.value, ifNotExists: commandMissingOk });
    } else if (subtype === 'AT_DropColumn') {
      commands.push({ action: 'drop', name, missingOk: commandMissingOk, cascade: behavior === 'DROP_CASCADE' });
    } else if (subtype === 'AT_AlterColumnType' && definition) {
      const type = columnType(definition.typeName, scope.context);
      if (!reportProblem(scope, type)) return;
      commands.push({ action: 'type', name, type: type.value });
    }
  }
  if (commands.length === 0) return;
  const { schema, name } = relationName(relation, scope.context);
  scope.catalog.types.alterColumns(kind, schema, name, missingOk === true, commands, scope.location);
}

function reportProblem<T>(scope: StatementScope, mapped: Mapped<T>): mapped is { ok: true; value: T } {
  if (mapped.ok) return true;
  const { code, message, offset } = mapped.problem;
  scope.report('error', code, message, offset ?? scope.statement.start);
  return false;
}

/** The names a DROP statement lists: relations as name lists, types and domains as type names. */
function droppedNames(
  objects: Node[],
  scope: StatementScope,
): { schema: SchemaRef; name: string; arrayDimensions: number }[] {
  return objects.flatMap((object) => {
    if ('List' in object)
      return [{ ...qualifiedName(stringValues(object.List.items), scope.context), arrayDimensions: 0 }];
    if ('TypeName' in object) {
      const written = qualifiedName(stringValues(object.TypeName.names), scope.context);
      return [{ ...written, arrayDimensions: object.TypeName.arrayBounds?.length ?? 0 }];
    }
    return [];
  });
}

/** DROP TABLE / VIEW / MATERIALIZED VIEW / TYPE / DOMAIN. Returns false for other objects. */
export function dropTypes(
  { removeType, objects = [], missing_ok: missingOk = false, behavior }: NodeOf<'DropStmt'>,
  scope: StatementScope,
): boolean {
  const kind = objectKinds[removeType ?? ''];
  if (!kind) return false;
  for (const { schema, name, arrayDimensions } of droppedNames(objects, scope)) {
    if (arrayDimensions > 0) {
      if (!missingOk)
        scope.report(
          'error',
          'undefined-type',
          `type ${name}${'[]'.repeat(arrayDimensions)} cannot be dropped on its own`,
          scope.statement.start,
        );
      continue;
    }
    scope.catalog.types.drop(kind, schema, name, missingOk, behavior === 'DROP_CASCADE', scope.location);
  }
  return true;
}

/** ALTER ... RENAME for types, relations, their columns and attributes. Returns false for other objects. */
export function renameTypes(
  { renameType, relationType, relation, object, subname, newname, missing_ok: missingOk = false }: NodeOf<'RenameStmt'>,
  scope: StatementScope,
): boolean {
  const store = scope.catalog.types;
  if (!newname) return false;
  if (renameType === 'OBJECT_COLUMN' || renameType === 'OBJECT_ATTRIBUTE') {
    const kind = renameType === 'OBJECT_ATTRIBUTE' ? 'composite' : objectKinds[relationType ?? ''];
    if (!kind || !subname) return false;
    const { schema, name } = relationName(relation, scope.context);
    store.renameColumn(movedKind(kind), schema, name, subname, newname, missingOk, scope.location);
    return true;
  }
  const kind = objectKinds[renameType ?? ''];
  if (!kind) return false;
  const written = relation ? relationName(relation, scope.context) : objectName(object, scope);
  if (!written) return false;
  store.move(movedKind(kind), written.schema, written.name, { name: newname }, missingOk, scope.location);
  return true;
}

/** ALTER ... SET SCHEMA for types and relations. Returns false for other objects. */
export function moveTypes(
  { objectType, relation, object, newschema, missing_ok: missingOk = false }: NodeOf<'AlterObjectSchemaStmt'>,
  scope: StatementScope,
): boolean {
  const kind = objectKinds[objectType ?? ''];
  if (!kind || !newschema) return false;
  const written = relation ? relationName(relation, scope.context) : objectName(object, scope);
  if (!written) return false;
  const schema = scope.context.placeholder.schemaRef(newschema);
  scope.catalog.noteSchema(schema);
  scope.catalog.types.move(movedKind(kind), written.schema, written.name, { schema }, missingOk, scope.location);
  return true;
}

function objectName(object: Node | undefined, scope: StatementScope): { schema: SchemaRef; name: string } | null {
  if (object && 'List' in object) return qualifiedName(stringValues(object.List.items), scope.context);
  if (object && 'TypeName' in object) return qualifiedName(stringValues(object.TypeName.names), scope.context);
  return null;
}
