import { installedSchemaKey } from '../analyze/installed-schema.js';
import type { SchemaRef, UserType } from './types.js';

/** What a written type name names: a user type, or the multirange type a range type created with it. */
export interface ResolvedUserType<T> {
  item: T;
  type: UserType;
  multirange: boolean;
}

function sameWrittenSchema(left: SchemaRef, right: SchemaRef): boolean {
  return left.kind === right.kind && (left.kind !== 'named' || left.name === (right as { name: string }).name);
}

/**
 * The one place a written type or relation name is resolved to the user type it names, for the parse stage's
 * catalog and the analyze stage alike. A name written as the files write it wins; otherwise an unqualified name and
 * the placeholder both mean the tenant schema, where the installed files put them.
 */
export function resolveUserType<T>(
  items: Iterable<T>,
  typeOf: (item: T) => UserType,
  schema: SchemaRef,
  name: string,
): ResolvedUserType<T> | undefined {
  let installed: ResolvedUserType<T> | undefined;
  for (const item of items) {
    const type = typeOf(item);
    const names: [SchemaRef, string, boolean][] = [[type.schema, type.name, false]];
    if (type.kind === 'range') names.push([type.multirange.schema, type.multirange.name, true]);
    for (const [typeSchema, typeName, multirange] of names) {
      if (typeName !== name) continue;
      if (sameWrittenSchema(typeSchema, schema)) return { item, type, multirange };
      if (schema.kind !== 'named' && installedSchemaKey(typeSchema) === installedSchemaKey(schema))
        installed ??= { item, type, multirange };
    }
  }
  return installed;
}
