import { describeName, describeRoutine } from '../model/describe.js';
import { resolveUserType, type ResolvedUserType } from '../model/resolve-type.js';
import { formatLocation } from '../model/source-location.js';
import type { Procedure, RelationType, SchemaRef, SourceLocation, TypeRef, UserType } from '../model/types.js';
import { dependentsOf, hasDependents, isRelation, type Dependents, type TypeEntry } from './type-dependencies.js';
import { mapSignatureReferences, mapTypeReferences } from './type-references.js';
import { changedLabels, type EnumChange } from './enum-labels.js';
import { columnsOf, viewReplacementProblem, withColumns } from './relation-columns.js';

/**
 * What a statement names: `relation` is ALTER TABLE's RENAME and SET SCHEMA, which PostgreSQL lets reach views too;
 * `type` is DROP/ALTER TYPE, which reaches every type but a relation's row type.
 */
export type TypeObjectKind = 'type' | 'composite' | 'domain' | 'table' | 'view' | 'materialized-view' | 'relation';

/** A column or attribute change of ALTER TABLE / ALTER TYPE, applied with the statement's others or not at all. */
export type ColumnCommand =
  | { action: 'add'; name: string; type: TypeRef; ifNotExists: boolean }
  | { action: 'drop'; name: string; missingOk: boolean; cascade: boolean }
  | { action: 'type'; name: string; type: TypeRef };

/** The routines of the catalog, as the type store needs them: to find dependents and to follow renamed types. */
export interface RoutineAccess {
  list(): Procedure[];
  remove(procedure: Procedure): void;
  /** Replaces every routine by `map(routine)`, keeping COMMENT ON texts with them. */
  mapAll(map: (procedure: Procedure) => Procedure): void;
}

type Report = (code: string, message: string, location: SourceLocation, severity?: 'error' | 'warning') => void;

const kindWords: Record<UserType['kind'] | TypeObjectKind, string> = {
  enum: 'type',
  composite: 'composite type',
  table: 'table',
  view: 'view',
  'materialized-view': 'materialized view',
  domain: 'domain',
  range: 'type',
  type: 'type',
  relation: 'relation',
};

/** The user types (relations' row types included) that exist after the statements applied so far. */
export class TypeStore {
  private readonly entries = new Set<TypeEntry>();

  constructor(
    private readonly report: Report,
    private readonly placeholder: string,
    /** The search path's schemas for a name written without one; null when the path is unknown. */
    private readonly lookupSchemas: () => SchemaRef[] | null,
    private readonly routines: RoutineAccess,
  ) {}

  types(): UserType[] {
    return [...this.entries].map((entry) => entry.type);
  }

  /** DROP SCHEMA ... CASCADE: the types of the schema go, without their dependents elsewhere. */
  removeWhere(predicate: (type: UserType) => boolean): void {
    for (const entry of [...this.entries]) if (predicate(entry.type)) this.entries.delete(entry);
  }

  /** ALTER SCHEMA ... RENAME: every type replaced by `map(type)`, in place. */
  rewriteAll(map: (type: UserType) => UserType): void {
    for (const entry of this.entries) entry.type = map(entry.type);
  }

  /**
   * A written name as PostgreSQL resolves it at this statement: in its own schema, or the first schema of the search
   * path that has it (see `resolveUserType`, shared with the analyze stage).
   */
  resolve(schema: SchemaRef, name: string): ResolvedUserType<TypeEntry> | undefined {
    const path = schema.kind === 'unqualified' ? this.lookupSchemas() : null;
    for (const searched of path ?? [schema]) {
      const found = resolveUserType(this.entries, (entry) => entry.type, searched, name);
      if (found) return found;
    }
    return undefined;
  }

  private readonly entryOf = (type: TypeRef): TypeEntry | undefined => this.resolve(type.schema, type.name)?.item;

  private describe(schema: SchemaRef, name: string): string {
    return describeName(schema, name, this.placeholder);
  }

  private describeEntry(entry: TypeEntry): string {
    return `${kindWords[entry.type.kind]} ${this.describe(entry.type.schema, entry.type.name)}`;
  }

  create(
    type: UserType,
    options: { ifNotExists?: boolean; orReplace?: boolean; reads?: TypeEntry['reads'] } = {},
  ): TypeEntry | null {
    const names: [SchemaRef, string][] = [[type.schema, type.name]];
    if (type.kind === 'range') names.push([type.multirange.schema, type.multirange.name]);
    for (const [schema, name] of names) {
      const existing = this.resolve(schema, name);
      if (!existing) continue;
      if (options.orReplace && type.kind === 'view' && !existing.multirange && existing.type.kind === 'view') {
        return this.replaceView(existing.item, type, options.reads ?? new Map<TypeEntry, Set<string>>())
          ? existing.item
          : null;
      }
      if (options.ifNotExists) return null;
      const what = isRelation(type) && isRelation(existing.type) ? 'relation' : 'type';
      if (options.orReplace && type.kind === 'view') {
        this.report('wrong-object-type', `${this.describe(schema, name)} is not a view`, type.location);
      } else {
        this.report(
          what === 'relation' ? 'duplicate-relation' : 'duplicate-type',
          `${what} ${this.describe(schema, name)} already exists (defined at ${formatLocation(existing.type.location)})`,
          type.location,
        );
      }
      return null;
    }
    const entry: TypeEntry = { type, reads: options.reads ?? new Map<TypeEntry, Set<string>>() };
    this.entries.add(entry);
    return entry;
  }

  /** CREATE OR REPLACE VIEW: PostgreSQL keeps the existing columns' names and types and only lets new ones follow. */
  private replaceView(entry: TypeEntry, view: RelationType, reads: TypeEntry['reads']): boolean {
    const existing = entry.type as typeof view;
    const problem = viewReplacementProblem(existing, view);
    if (problem) {
      this.report('invalid-replacement', problem, view.location);
      return false;
    }
    entry.type = view;
    entry.reads = reads;
    return true;
  }

  /** The entry a statement names, or null (reported unless `missingOk`) when there is none of that kind. */
  find(
    kind: TypeObjectKind,
    schema: SchemaRef,
    name: string,
    missingOk: boolean,
    at: SourceLocation,
  ): TypeEntry | null {
    const found = this.resolve(schema, name);
    if (!found || found.multirange) {
      if (missingOk) return null;
      const relation = kind === 'table' || kind === 'view' || kind === 'materialized-view' || kind === 'relation';
      if (relation) {
        // Tables also come from dynamic SQL and extensions, which the files do not show: not PostgreSQL's error.
        this.report(
          'unmodelled-relation',
          `${kindWords[kind]} ${this.describe(schema, name)} is not defined in the input files; this statement is not reflected in the model`,
          at,
          'warning',
        );
      } else {
        this.report('undefined-type', `${kindWords[kind]} ${this.describe(schema, name)} does not exist`, at);
      }
      return null;
    }
    const type = found.type;
    const accepted =
      kind === 'relation'
        ? isRelation(type)
        : kind === 'type'
          ? !isRelation(type)
          : kind === 'composite'
            ? type.kind === 'composite'
            : type.kind === kind;
    if (!accepted) {
      this.report(
        'wrong-object-type',
        `${this.describe(schema, name)} is a ${kindWords[type.kind]}, not a ${kindWords[kind]}`,
        at,
      );
      return null;
    }
    return found.item;
  }

  drop(
    kind: TypeObjectKind,
    schema: SchemaRef,
    name: string,
    missingOk: boolean,
    cascade: boolean,
    at: SourceLocation,
  ) {
    const entry = this.find(kind, schema, name, missingOk, at);
    if (!entry) return;
    const dependents = this.dependents(entry, null);
    if (hasDependents(dependents) && !cascade) {
      this.refuseDrop(`${kindWords[entry.type.kind]} ${this.describe(schema, name)}`, dependents, at);
      return;
    }
    this.dropCascade(entry);
  }

  private dependents(entry: TypeEntry, column: string | null): Dependents {
    return dependentsOf(entry, column, this.entries, this.routines.list(), this.entryOf);
  }

  private refuseDrop(what: string, dependents: Dependents, at: SourceLocation): void {
    const listed = [
      ...dependents.types.map((entry) => this.describeEntry(entry)),
      ...dependents.columns.map(({ entry, name }) => `column ${name} of ${this.describeEntry(entry)}`),
      ...dependents.routines.map((procedure) => `${procedure.kind} ${describeRoutine(procedure, this.placeholder)}`),
    ];
    this.report(
      'dependent-objects',
      `cannot drop ${what} because other objects depend on it (${listed.join(', ')}); use DROP ... CASCADE`,
      at,
    );
  }

  private dropCascade(entry: TypeEntry): void {
    if (!this.entries.has(entry)) return;
    const dependents = this.dependents(entry, null);
    this.entries.delete(entry);
    for (const procedure of dependents.routines) this.routines.remove(procedure);
    for (const { entry: owner, name } of dependents.columns) this.dropColumnCascade(owner, name);
    for (const dependent of dependents.types) this.dropCascade(dependent);
  }

  private dropColumnCascade(entry: TypeEntry, name: string): void {
    for (const dependent of this.dependents(entry, name).types) this.dropCascade(dependent);
    entry.type = withColumns(
      entry.type,
      columnsOf(entry.type).filter((column) => column.name !== name),
    );
  }

  /** ALTER TABLE / ALTER TYPE column commands; one that PostgreSQL refuses cancels the whole statement. */
  alterColumns(
    kind: TypeObjectKind,
    schema: SchemaRef,
    name: string,
    missingOk: boolean,
    commands: ColumnCommand[],
    at: SourceLocation,
  ): void {
    const entry = this.find(kind, schema, name, missingOk, at);
    if (!entry) return;
    const what = `${kindWords[entry.type.kind]} ${this.describe(schema, name)}`;
    const original = columnsOf(entry.type);
    // PostgreSQL runs a statement's drops, then its type changes, then its additions; drops and type changes
    // name columns the table had before the statement.
    const order = { drop: 0, type: 1, add: 2 };
    const ordered = [...commands].sort((left, right) => order[left.action] - order[right.action]);
    let columns = original;
    const dropped: string[] = [];
    for (const command of ordered) {
      const existed = original.some((column) => column.name === command.name) && !dropped.includes(command.name);
      if (command.action === 'add') {
        if (columns.some((column) => column.name === command.name)) {
          if (command.ifNotExists) continue;
          this.report('duplicate-column', `column ${command.name} of ${what} already exists`, at);
          return;
        }
        columns = [...columns, { name: command.name, type: command.type, typeUnknownReason: null }];
        continue;
      }
      if (!existed) {
        if (command.action === 'drop' && command.missingOk) continue;
        this.report('undefined-column', `column ${command.name} of ${what} does not exist`, at);
        return;
      }
      const readers = this.dependents(entry, command.name).types;
      if (command.action === 'type') {
        if (readers.length > 0) {
          const names = readers.map((reader) => this.describeEntry(reader)).join(', ');
          this.report('feature-not-supported', `cannot alter type of a column used by a view or rule (${names})`, at);
          return;
        }
        columns = columns.map((column) =>
          column.name === command.name ? { ...column, type: command.type, typeUnknownReason: null } : column,
        );
        continue;
      }
      if (readers.length > 0 && !command.cascade) {
        this.refuseDrop(`column ${command.name} of ${what}`, { routines: [], types: readers, columns: [] }, at);
        return;
      }
      dropped.push(command.name);
      columns = columns.filter((column) => column.name !== command.name);
    }
    for (const column of dropped) {
      for (const reader of this.dependents(entry, column).types) this.dropCascade(reader);
    }
    entry.type = withColumns(entry.type, columns);
  }

  renameColumn(
    kind: TypeObjectKind,
    schema: SchemaRef,
    name: string,
    oldName: string,
    newName: string,
    missingOk: boolean,
    at: SourceLocation,
  ): void {
    const entry = this.find(kind, schema, name, missingOk, at);
    if (!entry) return;
    const what = `${kindWords[entry.type.kind]} ${this.describe(schema, name)}`;
    const columns = columnsOf(entry.type);
    if (!columns.some((column) => column.name === oldName)) {
      this.report('undefined-column', `column ${oldName} of ${what} does not exist`, at);
      return;
    }
    if (columns.some((column) => column.name === newName)) {
      this.report('duplicate-column', `column ${newName} of ${what} already exists`, at);
      return;
    }
    entry.type = withColumns(
      entry.type,
      columns.map((column) => (column.name === oldName ? { ...column, name: newName } : column)),
    );
    for (const reader of this.entries) {
      const read = reader.reads.get(entry);
      if (read?.delete(oldName)) read.add(newName);
    }
  }

  /** RENAME TO and SET SCHEMA: routines and types that use the type follow it, as they follow its oid. */
  move(
    kind: TypeObjectKind,
    schema: SchemaRef,
    name: string,
    target: { schema?: SchemaRef; name?: string },
    missingOk: boolean,
    at: SourceLocation,
  ): void {
    const entry = this.find(kind, schema, name, missingOk, at);
    if (!entry) return;
    const current = entry.type;
    const next: UserType = { ...current, schema: target.schema ?? current.schema, name: target.name ?? current.name };
    if (next.kind === 'range' && target.schema) next.multirange = { ...next.multirange, schema: target.schema };
    const clash = this.resolve(next.schema, next.name);
    if (clash && clash.item !== entry) {
      const word = isRelation(current) ? 'relation' : 'type';
      this.report(
        isRelation(current) ? 'duplicate-relation' : 'duplicate-type',
        `${word} ${this.describe(next.schema, next.name)} already exists`,
        at,
      );
      return;
    }
    const spellings = new Set([current.name, ...(current.kind === 'range' ? [current.multirange.name] : [])]);
    const retarget = (reference: TypeRef): TypeRef => {
      if (!spellings.has(reference.name)) return reference;
      const resolved = this.resolve(reference.schema, reference.name);
      if (resolved?.item !== entry) return reference;
      const named = resolved.multirange && next.kind === 'range' ? next.multirange : next;
      return { ...reference, schema: named.schema, name: named.name };
    };
    const retyped = new Map([...this.entries].map((other) => [other, mapTypeReferences(other.type, retarget)]));
    this.routines.mapAll((procedure) => mapSignatureReferences(procedure, retarget));
    for (const [other, type] of retyped) other.type = type;
    entry.type = mapTypeReferences(next, retarget);
  }

  /** ALTER TYPE ... ADD VALUE / RENAME VALUE on an enum. */
  changeEnum(schema: SchemaRef, name: string, change: EnumChange, at: SourceLocation): void {
    const found = this.resolve(schema, name);
    if (!found || found.multirange || found.type.kind !== 'enum') {
      this.report('undefined-type', `enum type ${this.describe(schema, name)} does not exist`, at);
      return;
    }
    const labels = changedLabels(found.type.values, change);
    if ('code' in labels) this.report(labels.code, labels.message, at);
    else found.item.type = { ...found.type, values: labels };
  }
}
