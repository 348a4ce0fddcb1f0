import type { SchemaRef, UserType } from './types.js';

/** What a written type name names: a user type, or the multirange type a range type created with it. */
export interface ResolvedUserType<T> {
  item: T;
  type: UserType;
  multirange: boolean;
}

function sameSchema(left: SchemaRef, right: SchemaRef): boolean {
  return left.kind === right.kind && (left.kind !== 'named' || left.name === (right as { name: string }).name);
}

/**
 * The one place a type or relation name is matched to the user type it names, for the parse stage's catalog and the
 * analyze stage alike. The schema is the one the search path resolved it to (name-resolution.ts): an unqualified
 * name is a built-in or unknown, or (when the path is unknown) matches a type created unqualified, so the match is
 * exact; a range's multirange answers to its own name.
 */
export function resolveUserType<T>(
  items: Iterable<T>,
  typeOf: (item: T) => UserType,
  schema: SchemaRef,
  name: string,
): ResolvedUserType<T> | undefined {
  for (const item of items) {
    const type = typeOf(item);
    const names: [SchemaRef, string, boolean][] = [[type.schema, type.name, false]];
    if (type.kind === 'range') names.push([type.multirange.schema, type.multirange.name, true]);
    for (const [typeSchema, typeName, multirange] of names) {
      if (typeName === name && sameSchema(typeSchema, schema)) return { item, type, multirange };
    }
  }
  return undefined;
}
