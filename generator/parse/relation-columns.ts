import type { RelationColumn, RelationType, UserType } from '../model/types.js';
import { typeKey } from './identity.js';
import { isRelation } from './type-dependencies.js';

/** A relation's columns or a composite's attributes, as relation columns. */
export function columnsOf(type: UserType): RelationColumn[] {
  if (type.kind === 'composite') return type.attributes.map((attribute) => ({ ...attribute, typeUnknownReason: null }));
  if (isRelation(type)) return type.columns;
  return [];
}

/** The type with these columns (attributes for a composite). */
export function withColumns(type: UserType, columns: RelationColumn[]): UserType {
  if (type.kind === 'composite') {
    const attributes = columns.flatMap(({ name, type: attributeType }) =>
      attributeType ? [{ name, type: attributeType }] : [],
    );
    return { ...type, attributes };
  }
  return isRelation(type) ? { ...type, columns } : type;
}

/** PostgreSQL's refusal of a CREATE OR REPLACE VIEW, or null when the replacement keeps the existing columns. */
export function viewReplacementProblem(existing: RelationType, view: typeof existing): string | null {
  if (view.columns.length < existing.columns.length) return 'cannot drop columns from view';
  for (const [index, column] of existing.columns.entries()) {
    const replacement = view.columns[index]!;
    if (replacement.name !== column.name)
      return `cannot change name of view column "${column.name}" to "${replacement.name}"`;
    if (column.type && replacement.type && typeKey(column.type) !== typeKey(replacement.type))
      return `cannot change data type of view column "${column.name}" from ${column.type.name} to ${replacement.type.name}`;
  }
  return null;
}
