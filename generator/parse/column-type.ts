import type { TypeRef } from '../model/types.js';
import type { PlaceholderSubstitution } from './placeholder.js';
import { columnsOf } from './relation-columns.js';
import { isRelation } from './type-dependencies.js';
import type { TypeStore } from './type-store.js';

/** `relation.column%TYPE` or `schema.relation.column%TYPE`: the column's type now, or why there is none. */
export function columnTypeOf(
  store: TypeStore,
  names: string[],
  placeholder: PlaceholderSubstitution,
): TypeRef | { code: string; message: string } {
  const shown = names.map((name) => (name === placeholder.schemaName ? placeholder.placeholder : name));
  const written = `${shown.join('.')}%TYPE`;
  if (names.length < 2)
    return { code: 'syntax-error', message: `improper %TYPE reference (too few dotted names): ${written}` };
  const column = names[names.length - 1]!;
  const relation = names[names.length - 2]!;
  const schema = placeholder.schemaRef(names.length > 2 ? names[names.length - 3] : null);
  const found = store.resolve(schema, relation);
  if (!found || found.multirange || (found.type.kind !== 'composite' && !isRelation(found.type)))
    return { code: 'undefined-table', message: `${written}: relation ${relation} is not defined in the input files` };
  const type = found.type;
  const match = columnsOf(type).find((each) => each.name === column);
  if (!match)
    return { code: 'undefined-column', message: `${written}: column ${column} of ${relation} does not exist` };
  if (!match.type)
    return {
      code: 'unknown-type',
      message: `${written}: the type of ${relation}.${column} is not known without a server`,
    };
  return { ...match.type, modifiers: [] };
}
