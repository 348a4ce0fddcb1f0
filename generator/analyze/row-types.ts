import type { Column, CompositeType, RelationType } from '../model/types.js';
import { describeName } from '../model/describe.js';

/** A type whose values are rows: a composite type, or the row type of a table, view or materialized view. */
export type RowType = CompositeType | RelationType;

export const attributeWord = (type: RowType): string => (type.kind === 'composite' ? 'attribute' : 'column');

/** What a row type's TypeScript interface and codec need: named, typed attributes, or why they are not known. */
export function rowAttributes(type: RowType, placeholder: string): { attributes: Column[] } | { error: string } {
  if (type.kind === 'composite') return { attributes: type.attributes };
  const name = describeName(type.schema, type.name, placeholder);
  const what = type.kind === 'materialized-view' ? 'materialized view' : type.kind;
  const remedy = 'run the generator with --catalog <url> to read it from a database where the files are applied';
  if (type.columnsUnknownReason !== null) {
    return {
      error: `the columns of ${what} ${name} cannot be known without a server (${type.columnsUnknownReason}); ${remedy}`,
    };
  }
  const attributes: Column[] = [];
  for (const column of type.columns) {
    if (!column.type) {
      return {
        error: `the type of column ${column.name} of ${what} ${name} cannot be known without a server (${column.typeUnknownReason ?? 'unknown'}); ${remedy}`,
      };
    }
    attributes.push({ name: column.name, type: column.type });
  }
  return { attributes };
}
