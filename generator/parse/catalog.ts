import type {
  Diagnostic,
  Model,
  Procedure,
  ReturnShape,
  SchemaRef,
  SourceLocation,
  TypeRef,
  UserType,
} from '../model/types.js';
import type { DocComment } from './doc-comments.js';
import { mergeDocComments } from './doc-comments.js';
import { describeName, describeRoutine, describeType } from '../model/describe.js';
import { isInput } from '../model/parameters.js';
import { formatLocation } from '../model/source-location.js';
import { inputSignature, namedKey, procedureKey, resultKey, typeKey } from './identity.js';
import type { SchemaObjects } from './name-resolution.js';
import type { RoutineReference } from './read-libpg-query.js';

export type RoutineObjectKind = Procedure['kind'] | 'routine';

/**
 * The schemas, functions and types that exist after the statements applied so far, as PostgreSQL would hold them.
 * Statements PostgreSQL would reject are reported and leave the catalog as it was. Routines and types are held under
 * the schema names resolve to (see name-resolution.ts); a reference written without a schema is looked up through
 * the search path.
 */
export interface Catalog extends SchemaObjects {
  createSchema(schema: SchemaRef, ifNotExists: boolean, at: SourceLocation): void;
  dropSchema(schema: SchemaRef, cascade: boolean, missingOk: boolean, at: SourceLocation): void;
  renameSchema(schema: SchemaRef, newName: string, at: SourceLocation): void;
  createRoutine(procedure: Procedure, orReplace: boolean): void;
  dropRoutine(reference: RoutineReference, kind: RoutineObjectKind, missingOk: boolean, at: SourceLocation): void;
  commentOnRoutine(
    reference: RoutineReference,
    kind: RoutineObjectKind,
    comment: DocComment | null,
    at: SourceLocation,
  ): void;
  alterRoutine(
    reference: RoutineReference,
    kind: RoutineObjectKind,
    change: Partial<Pick<Procedure, 'schema' | 'name' | 'volatility' | 'security'>>,
    at: SourceLocation,
  ): void;
  createType(type: UserType): void;
  /** ALTER TYPE ... SET SCHEMA: the type moves, and every reference to it. */
  moveType(schema: SchemaRef, name: string, newSchema: SchemaRef, at: SourceLocation): void;
  dropType(schema: SchemaRef, name: string, arrayDimensions: number, missingOk: boolean, at: SourceLocation): void;
  addEnumValue(
    schema: SchemaRef,
    name: string,
    value: string,
    neighbor: { value: string; after: boolean } | null,
    ifNotExists: boolean,
    at: SourceLocation,
  ): void;
  model(): Model;
}

/** Schemas every database has. */
const standardSchemas = ['public', 'pg_catalog', 'information_schema'];

/**
 * `placeholder` is how messages spell the tenant schema; `lookupSchemas` gives the search path's schemas for a
 * reference written without one (null when the path is unknown).
 */
export function createCatalog(
  diagnostics: Diagnostic[],
  placeholder: string,
  lookupSchemas: () => SchemaRef[] | null,
): Catalog {
  /** Schemas by name that exist: created by the files, standard, or used by name (so created elsewhere). */
  const schemas = new Set<string>(standardSchemas);
  const routines = new Map<string, Procedure>();
  /** COMMENT ON text outlives CREATE OR REPLACE, as in PostgreSQL; it goes with DROP. */
  const comments = new Map<string, DocComment>();
  const types = new Map<string, UserType>();
  const error = (code: string, message: string, location: SourceLocation): void => {
    diagnostics.push({ severity: 'error', code, message, location });
  };

  /** The schemas a reference names: its own, or the search path's for an unqualified one. */
  const referencedSchemas = (schema: SchemaRef): SchemaRef[] =>
    schema.kind === 'unqualified' ? (lookupSchemas() ?? [schema]) : [schema];

  function find(
    reference: RoutineReference,
    kind: RoutineObjectKind,
    location: SourceLocation,
    missingOk: boolean,
  ): string | null {
    // Candidates in search-path order; a routine hides one with the same arguments in a later schema.
    const named: [string, Procedure][] = [];
    const seen = new Set<string>();
    for (const schema of referencedSchemas(reference.schema)) {
      for (const entry of routines) {
        const [, procedure] = entry;
        if (namedKey(procedure.schema, procedure.name) !== namedKey(schema, reference.name)) continue;
        if (kind !== 'routine' && procedure.kind !== kind) continue;
        const signature = inputSignature(procedure);
        if (seen.has(signature)) continue;
        seen.add(signature);
        named.push(entry);
      }
    }
    const written = reference.arguments;
    let matches: [string, Procedure][];
    if (written === null) {
      matches = named;
      if (matches.length > 1) {
        const candidates = matches.map(([, procedure]) => describeRoutine(procedure, placeholder)).join(', ');
        error(
          'ambiguous-function',
          `${kind} name "${describeName(reference.schema, reference.name, placeholder)}" is not unique: ${candidates}`,
          location,
        );
        return null;
      }
    } else {
      const inputKey = JSON.stringify(written.filter(isInput).map((argument) => typeKey(argument.type)));
      matches = named.filter(([, procedure]) => inputSignature(procedure) === inputKey);
      // A procedure may also be named by all its arguments, OUT ones included, when no modes are written.
      if (matches.length === 0 && kind !== 'function' && written.every((argument) => argument.mode === 'in')) {
        const allKey = JSON.stringify(written.map((argument) => typeKey(argument.type)));
        matches = named.filter(
          ([, procedure]) =>
            procedure.kind === 'procedure' &&
            JSON.stringify(procedure.parameters.map((parameter) => typeKey(parameter.type))) === allKey,
        );
      }
    }
    const [match] = matches;
    if (match) return match[0];
    if (!missingOk) {
      const argumentList =
        written === null ? '' : `(${written.map((argument) => describeType(argument.type, placeholder)).join(', ')})`;
      error(
        'undefined-function',
        `${kind} ${describeName(reference.schema, reference.name, placeholder)}${argumentList} does not exist`,
        location,
      );
    }
    return null;
  }

  /**
   * Rewrites every routine and type in place (keys follow, the order stays). PostgreSQL refers to types by oid, so
   * when a type moves, every reference to it moves too.
   */
  function rewrite(change: {
    routine: (procedure: Procedure) => Procedure;
    type: (type: UserType) => UserType;
    reference: (type: TypeRef) => TypeRef;
  }): void {
    for (const [oldKey, procedure] of [...routines]) {
      const changed = change.routine(mapTypeRefs(procedure, change.reference));
      routines.delete(oldKey);
      routines.set(procedureKey(changed), changed);
      const comment = comments.get(oldKey);
      comments.delete(oldKey);
      if (comment) comments.set(procedureKey(changed), comment);
    }
    for (const [oldKey, type] of [...types]) {
      const changed = change.type(
        type.kind === 'composite'
          ? {
              ...type,
              attributes: type.attributes.map((attribute) => ({
                ...attribute,
                type: change.reference(attribute.type),
              })),
            }
          : type,
      );
      types.delete(oldKey);
      types.set(namedKey(changed.schema, changed.name), changed);
    }
  }

  const schemaKey = (schema: SchemaRef): string | null => (schema.kind === 'named' ? schema.name : null);
  const inSchema = (schema: SchemaRef) => (object: { schema: SchemaRef }) =>
    namedKey(object.schema, '') === namedKey(schema, '');
  const noteSchema = (schema: SchemaRef): void => {
    const key = schemaKey(schema);
    if (key !== null) schemas.add(key);
  };

  return {
    schemaExists(schema) {
      const key = schemaKey(schema);
      return key === null ? schema.kind === 'placeholder' : schemas.has(key);
    },
    noteSchema,
    hasType(schema, name) {
      return types.has(namedKey(schema, name));
    },
    createSchema(schema, ifNotExists, location) {
      const key = schemaKey(schema);
      if (key === null) return;
      if (schemas.has(key) && !ifNotExists && !standardSchemas.includes(key)) {
        error('duplicate-schema', `schema "${key}" already exists`, location);
        return;
      }
      schemas.add(key);
    },
    dropSchema(schema, cascade, missingOk, location) {
      const key = schemaKey(schema);
      if (key === null) return;
      if (!schemas.has(key)) {
        if (!missingOk) error('undefined-schema', `schema "${key}" does not exist`, location);
        return;
      }
      const contained =
        [...routines.values()].filter(inSchema(schema)).length + [...types.values()].filter(inSchema(schema)).length;
      if (contained > 0 && !cascade) {
        error(
          'dependent-objects',
          `cannot drop schema "${key}" because ${contained} object${contained === 1 ? '' : 's'} in it depend on it (use CASCADE)`,
          location,
        );
        return;
      }
      for (const [entryKey, procedure] of [...routines]) {
        if (inSchema(schema)(procedure)) {
          routines.delete(entryKey);
          comments.delete(entryKey);
        }
      }
      for (const [entryKey, type] of [...types]) if (inSchema(schema)(type)) types.delete(entryKey);
      schemas.delete(key);
    },
    renameSchema(schema, newName, location) {
      const key = schemaKey(schema);
      if (key === null) return;
      if (!schemas.has(key)) {
        error('undefined-schema', `schema "${key}" does not exist`, location);
        return;
      }
      if (schemas.has(newName)) {
        error('duplicate-schema', `schema "${newName}" already exists`, location);
        return;
      }
      const renamed: SchemaRef = { kind: 'named', name: newName };
      const move = <T extends { schema: SchemaRef }>(object: T): T =>
        inSchema(schema)(object) ? { ...object, schema: renamed } : object;
      rewrite({ routine: move, type: move, reference: move });
      schemas.delete(key);
      schemas.add(newName);
    },
    createRoutine(procedure, orReplace) {
      const key = procedureKey(procedure);
      const existing = routines.get(key);
      if (existing && !orReplace) {
        error(
          'duplicate-function',
          `${procedure.kind} ${describeRoutine(procedure, placeholder)} already exists with same argument types (defined at ${formatLocation(existing.location)})`,
          procedure.location,
        );
        return;
      }
      if (existing) {
        const refusal = replacementRefusal(existing, procedure);
        if (refusal) {
          error(
            'invalid-replacement',
            `${refusal} (${describeRoutine(existing, placeholder)} defined at ${formatLocation(existing.location)})`,
            procedure.location,
          );
          return;
        }
      }
      routines.set(key, procedure);
    },
    dropRoutine(reference, kind, missingOk, location) {
      const key = find(reference, kind, location, missingOk);
      if (key === null) return;
      routines.delete(key);
      comments.delete(key);
    },
    commentOnRoutine(reference, kind, comment, location) {
      const key = find(reference, kind, location, false);
      if (key === null) return;
      if (comment) comments.set(key, comment);
      else comments.delete(key);
    },
    alterRoutine(reference, kind, change, location) {
      const key = find(reference, kind, location, false);
      const existing = key === null ? undefined : routines.get(key);
      if (key === null || !existing) return;
      const altered = { ...existing, ...change };
      const alteredKey = procedureKey(altered);
      if (alteredKey !== key && routines.has(alteredKey)) {
        error(
          'duplicate-function',
          `${altered.kind} ${describeRoutine(altered, placeholder)} already exists`,
          location,
        );
        return;
      }
      // A rename moves the routine to its new key; any other change keeps its place in definition order.
      if (alteredKey === key) {
        routines.set(key, altered);
        return;
      }
      routines.delete(key);
      routines.set(alteredKey, altered);
      const comment = comments.get(key);
      comments.delete(key);
      if (comment) comments.set(alteredKey, comment);
    },
    createType(type) {
      const key = namedKey(type.schema, type.name);
      const existing = types.get(key);
      if (existing) {
        error(
          'duplicate-type',
          `type ${describeName(type.schema, type.name, placeholder)} already exists (defined at ${formatLocation(existing.location)})`,
          type.location,
        );
        return;
      }
      types.set(key, type);
    },
    moveType(schema, name, newSchema, location) {
      const type = types.get(namedKey(schema, name));
      if (!type) {
        error('undefined-type', `type ${describeName(schema, name, placeholder)} does not exist`, location);
        return;
      }
      if (types.has(namedKey(newSchema, name))) {
        error('duplicate-type', `type ${describeName(newSchema, name, placeholder)} already exists`, location);
        return;
      }
      noteSchema(newSchema);
      const isMoved = (object: { schema: SchemaRef; name: string }) =>
        namedKey(object.schema, object.name) === namedKey(schema, name);
      const move = <T extends { schema: SchemaRef; name: string }>(object: T): T =>
        isMoved(object) ? { ...object, schema: newSchema } : object;
      rewrite({ routine: (procedure) => procedure, type: move, reference: move });
    },
    dropType(schema, name, arrayDimensions, missingOk, location) {
      const key = namedKey(schema, name);
      if (arrayDimensions === 0 && types.delete(key)) return;
      if (!missingOk)
        error(
          'undefined-type',
          `type ${describeType({ schema, name, arrayDimensions, modifiers: [] }, placeholder)} does not exist`,
          location,
        );
    },
    addEnumValue(schema, name, value, neighbor, ifNotExists, location) {
      const type = types.get(namedKey(schema, name));
      if (!type || type.kind !== 'enum') {
        error('undefined-type', `enum type ${describeName(schema, name, placeholder)} does not exist`, location);
        return;
      }
      if (type.values.includes(value)) {
        if (!ifNotExists) error('duplicate-enum-value', `enum label "${value}" already exists`, location);
        return;
      }
      const values = [...type.values];
      if (neighbor === null) values.push(value);
      else {
        const index = values.indexOf(neighbor.value);
        if (index === -1) {
          error('undefined-enum-value', `"${neighbor.value}" is not an existing enum label`, location);
          return;
        }
        values.splice(neighbor.after ? index + 1 : index, 0, value);
      }
      types.set(namedKey(schema, name), { ...type, values });
    },
    model() {
      const procedures = [...routines].map(([key, procedure]) => {
        const comment = comments.get(key);
        if (!comment) return procedure;
        return {
          ...procedure,
          ...mergeDocComments({ doc: procedure.doc, annotations: procedure.annotations }, comment),
        };
      });
      return { procedures, types: [...types.values()] };
    },
  };
}

/** PostgreSQL's refusals for CREATE OR REPLACE of an existing routine, or null when the replacement is allowed. */
function replacementRefusal(existing: Procedure, replacement: Procedure): string | null {
  if (existing.kind !== replacement.kind) return 'cannot change routine kind';
  if (resultKey(existing) !== resultKey(replacement)) return 'cannot change return type of existing function';
  const oldInputs = existing.parameters.filter(isInput);
  const newInputs = replacement.parameters.filter(isInput);
  const renamed = oldInputs.find(
    (parameter, index) => parameter.name !== null && parameter.name !== newInputs[index]?.name,
  );
  if (renamed) return `cannot change name of input parameter "${renamed.name}"`;
  const defaults = (inputs: Procedure['parameters']): number =>
    inputs.filter((parameter) => parameter.hasDefault).length;
  if (defaults(newInputs) < defaults(oldInputs)) return 'cannot remove parameter defaults from existing function';
  return null;
}

/** The procedure with `map` applied to every type it refers to. */
function mapTypeRefs(procedure: Procedure, map: (type: TypeRef) => TypeRef): Procedure {
  const returns: ReturnShape =
    procedure.returns.kind === 'table'
      ? { kind: 'table', columns: procedure.returns.columns.map((column) => ({ ...column, type: map(column.type) })) }
      : procedure.returns.kind === 'scalar' || procedure.returns.kind === 'setof'
        ? { ...procedure.returns, type: map(procedure.returns.type) }
        : procedure.returns;
  return {
    ...procedure,
    parameters: procedure.parameters.map((parameter) => ({ ...parameter, type: map(parameter.type) })),
    returns,
  };
}
