import type { Procedure, RelationType, TypeRef, UserType } from '../model/types.js';
import { signatureReferences, typeReferences } from './type-references.js';

/**
 * One type the catalog holds. The entry keeps its identity through renames, replacements and column changes, the
 * way PostgreSQL's objects keep their oid, so what depends on it can point at it.
 */
export interface TypeEntry {
  type: UserType;
  /** For views and materialized views: the relations the query reads, and which of their columns. */
  reads: Map<TypeEntry, Set<string>>;
}

/** Resolves a written type to the entry it names (arrays of it included), or undefined for built-ins and unknowns. */
export type EntryOf = (type: TypeRef) => TypeEntry | undefined;

/** What PostgreSQL would refuse to drop without CASCADE, and what CASCADE drops with it. */
export interface Dependents {
  routines: Procedure[];
  /** Views and materialized views that read it or have a column of its type; domains and ranges over it. */
  types: TypeEntry[];
  /** Columns and attributes of its type in tables and composites: CASCADE drops the column, not the table. */
  columns: { entry: TypeEntry; name: string }[];
}

export const isRelation = (type: UserType): type is RelationType =>
  type.kind === 'table' || type.kind === 'view' || type.kind === 'materialized-view';

/** Who depends on `target` (the whole object, or one column of it when `column` is given). */
export function dependentsOf(
  target: TypeEntry,
  column: string | null,
  entries: Iterable<TypeEntry>,
  routines: Iterable<Procedure>,
  entryOf: EntryOf,
): Dependents {
  const dependents: Dependents = { routines: [], types: [], columns: [] };
  // Resolving every reference of every routine is the cost of a DROP; only references spelled like the target can
  // resolve to it.
  const names = new Set([target.type.name, ...(target.type.kind === 'range' ? [target.type.multirange.name] : [])]);
  const refersToTarget = (reference: TypeRef) => names.has(reference.name) && entryOf(reference) === target;
  for (const entry of entries) {
    if (entry === target) continue;
    if (entry.reads.get(target) && (column === null || entry.reads.get(target)!.has(column))) {
      dependents.types.push(entry);
      continue;
    }
    if (column !== null) continue;
    const type = entry.type;
    if (type.kind === 'composite' || type.kind === 'table') {
      const columns = type.kind === 'composite' ? type.attributes : type.columns;
      for (const item of columns) {
        if (item.type && refersToTarget(item.type)) dependents.columns.push({ entry, name: item.name });
      }
    } else if (typeReferences(type).some(refersToTarget)) {
      dependents.types.push(entry);
    }
  }
  if (column === null) {
    for (const procedure of routines) {
      if (signatureReferences(procedure).some(refersToTarget)) dependents.routines.push(procedure);
    }
  }
  return dependents;
}

export const hasDependents = (dependents: Dependents): boolean =>
  dependents.routines.length + dependents.types.length + dependents.columns.length > 0;
