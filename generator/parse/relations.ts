import type { CreateDomainStmt, CreateRangeStmt, CreateStmt, Node, RangeVar, TypeName } from 'libpg-query';
import type { DomainType, RangeType, RelationColumn, RelationType, SchemaRef, TypeRef } from '../model/types.js';
import { mapped, unmappable, type Mapped } from './definitions.js';
import { qualifiedName, stringValues, typeRef, type TreeContext } from './read-libpg-query.js';
import { columnsOf } from './relation-columns.js';
import { isRelation } from './type-dependencies.js';
import type { TypeStore } from './type-store.js';

export type RelationDefinition = Omit<RelationType, 'location'>;

/** `serial` and friends are not types: a column written so is an integer with a sequence behind its default. */
const serialTypes: Record<string, string> = {
  smallserial: 'int2',
  serial2: 'int2',
  serial: 'int4',
  serial4: 'int4',
  bigserial: 'int8',
  serial8: 'int8',
};

/** A column definition's type, as PostgreSQL records it. */
export function columnType(type: TypeName | undefined, context: TreeContext): Mapped<TypeRef> {
  const names = stringValues(type?.names);
  const serial = names.length === 1 && !type?.pct_type ? serialTypes[names[0]!] : undefined;
  if (serial) return mapped({ schema: { kind: 'unqualified' }, name: serial, arrayDimensions: 0, modifiers: [] });
  return typeRef(type, context);
}

export function relationName(
  relation: RangeVar | undefined,
  context: TreeContext,
): { schema: SchemaRef; name: string } {
  return { schema: context.placeholder.schemaRef(relation?.schemaname), name: relation?.relname ?? '' };
}

/** Temporary relations live in a session's own schema; a migration history never leaves them behind. */
export const isTemporary = (relation: RangeVar | undefined): boolean => relation?.relpersistence === 't';

/**
 * CREATE TABLE: the columns of `OF type`, of the parents (INHERITS, PARTITION OF) and of `LIKE` sources where they
 * are written, then its own; a column named again merges with the inherited one.
 */
export function readTable(statement: CreateStmt, context: TreeContext, store: TypeStore): Mapped<RelationDefinition> {
  const columns: RelationColumn[] = [];
  const add = (column: RelationColumn) => {
    if (!columns.some((existing) => existing.name === column.name)) columns.push(column);
  };
  const copy = (names: { schema: SchemaRef; name: string }): string | null => {
    const found = store.resolve(names.schema, names.name);
    if (!found || found.multirange || (!isRelation(found.type) && found.type.kind !== 'composite'))
      return `relation ${names.name} does not exist`;
    columnsOf(found.type).forEach(add);
    return null;
  };
  if (statement.ofTypename) {
    const { schema, name } = qualifiedName(stringValues(statement.ofTypename.names), context);
    if (copy({ schema, name }))
      return unmappable(
        'undefined-type',
        `type ${name} does not exist`,
        context.offsetOf(statement.ofTypename.location),
      );
  }
  for (const parent of statement.inhRelations ?? []) {
    if (!('RangeVar' in parent)) continue;
    const problem = copy(relationName(parent.RangeVar, context));
    if (problem) return unmappable('undefined-table', problem, context.offsetOf(parent.RangeVar.location));
  }
  for (const element of statement.tableElts ?? []) {
    if ('TableLikeClause' in element) {
      const relation = element.TableLikeClause.relation;
      const problem = copy(relationName(relation, context));
      if (problem) return unmappable('undefined-table', problem, context.offsetOf(relation?.location));
    } else if ('ColumnDef' in element && element.ColumnDef.typeName) {
      const type = columnType(element.ColumnDef.typeName, context);
      if (!type.ok) return type;
      add({ name: element.ColumnDef.colname ?? '', type: type.value, typeUnknownReason: null });
    }
  }
  const { schema, name } = relationName(statement.relation, context);
  return mapped({ kind: 'table', schema, name, columns, columnsUnknownReason: null });
}

export function readDomain(statement: CreateDomainStmt, context: TreeContext): Mapped<Omit<DomainType, 'location'>> {
  const baseType = typeRef(statement.typeName, context);
  if (!baseType.ok) return baseType;
  const { schema, name } = qualifiedName(stringValues(statement.domainname), context);
  return mapped({ kind: 'domain', schema, name, baseType: baseType.value });
}

/** PostgreSQL names a range's multirange by replacing `range` in its name, or appending `_multirange`. */
export function defaultMultirangeName(rangeName: string): string {
  const index = rangeName.indexOf('range');
  return index === -1
    ? `${rangeName}_multirange`
    : `${rangeName.slice(0, index)}multirange${rangeName.slice(index + 'range'.length)}`;
}

export function readRange(statement: CreateRangeStmt, context: TreeContext): Mapped<Omit<RangeType, 'location'>> {
  const { schema, name } = qualifiedName(stringValues(statement.typeName), context);
  let subtype: TypeRef | null = null;
  let multirange = { schema, name: defaultMultirangeName(name) };
  for (const parameter of statement.params ?? []) {
    if (!('DefElem' in parameter)) continue;
    const { defname, arg } = parameter.DefElem;
    const argument = arg && 'TypeName' in arg ? arg.TypeName : undefined;
    if (defname === 'subtype') {
      const type = typeRef(argument, context);
      if (!type.ok) return type;
      subtype = type.value;
    } else if (defname === 'multirange_type_name' && argument) {
      // Created where its own name says: an unqualified one lands by search_path, not beside the range.
      multirange = qualifiedName(stringValues(argument.names), context);
    }
  }
  if (!subtype) return unmappable('parse-error', 'type attribute "subtype" is required');
  return mapped({ kind: 'range', schema, name, subtype, multirange });
}

/** The column names of a view or CREATE TABLE AS written after its name. */
export const columnAliases = (nodes: Node[] | undefined): string[] => stringValues(nodes);
