import type { Diagnostic, Model, Procedure, SchemaRef, SourceLocation, TypeRef } from '../model/types.js';
import type { DocComment } from './doc-comments.js';
import { mergeDocComments } from './doc-comments.js';
import { describeName, describeRoutine, describeType } from '../model/describe.js';
import { isInput } from '../model/parameters.js';
import { formatLocation } from '../model/source-location.js';
import { inputSignature, namedKey, procedureKey, resultKey, typeKey } from './identity.js';
import type { SchemaObjects } from './name-resolution.js';
import type { RoutineReference } from './read-libpg-query.js';
import { TypeStore, type RoutineAccess } from './type-store.js';
import { mapSignatureReferences, mapTypeReferences } from './type-references.js';

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
    change: Partial<Pick<Procedure, 'name' | 'schema' | 'volatility' | 'security'>>,
    at: SourceLocation,
  ): void;
  /** Types, relations' row types included. */
  readonly types: TypeStore;
  /** The routines a call of `name` in `schema` can mean, resolved as type names are (see `resolveUserType`). */
  routinesNamed(schema: SchemaRef, name: string): Procedure[];
  /** The result type of the final function an aggregate names, when the model holds it (null otherwise). */
  finalFunctionResult(schema: SchemaRef, name: string, stateType: TypeRef): TypeRef | null;
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
  const error = (
    code: string,
    message: string,
    location: SourceLocation,
    severity: Diagnostic['severity'] = 'error',
  ) => {
    diagnostics.push({ severity, code, message, location });
  };
  const routineAccess: RoutineAccess = {
    list: () => [...routines.values()],
    remove(procedure) {
      const key = procedureKey(procedure);
      routines.delete(key);
      comments.delete(key);
    },
    mapAll(map) {
      const entries = [...routines];
      routines.clear();
      const moved = new Map<string, DocComment>();
      for (const [key, procedure] of entries) {
        const next = map(procedure);
        const nextKey = procedureKey(next);
        routines.set(nextKey, next);
        const comment = comments.get(key);
        if (comment) moved.set(nextKey, comment);
      }
      comments.clear();
      for (const [key, comment] of moved) comments.set(key, comment);
    },
  };
  const types = new TypeStore(error, placeholder, lookupSchemas, routineAccess);

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
        if (kind !== 'routine' && procedure.kind !== kind && !(kind === 'function' && procedure.kind === 'window'))
          continue;
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
      return types.resolve(schema, name) !== undefined;
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
        [...routines.values()].filter(inSchema(schema)).length + types.types().filter(inSchema(schema)).length;
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
      types.removeWhere(inSchema(schema));
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
      // PostgreSQL refers to types by oid: every reference to a type of the schema follows it.
      routineAccess.mapAll((procedure) => move(mapSignatureReferences(procedure, move)));
      types.rewriteAll((type) => {
        const moved = move(mapTypeReferences(type, move));
        return moved.kind === 'range' ? { ...moved, multirange: move(moved.multirange) } : moved;
      });
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
    types,
    routinesNamed(schema, name) {
      // The first schema of the path with routines of that name hides later ones, as for a call.
      for (const searched of referencedSchemas(schema)) {
        const found = [...routines.values()].filter(
          (procedure) => namedKey(procedure.schema, procedure.name) === namedKey(searched, name),
        );
        if (found.length > 0) return found;
      }
      return [];
    },
    finalFunctionResult(schema, name, stateType) {
      // The final function takes the state (and, with FINALFUNC_EXTRA, the aggregate's arguments too); it is found
      // through the search path as a call would find it.
      for (const searched of referencedSchemas(schema)) {
        const candidates = [...routines.values()].filter(
          (procedure) =>
            namedKey(procedure.schema, procedure.name) === namedKey(searched, name) &&
            procedure.parameters.filter(isInput)[0] !== undefined &&
            typeKey(procedure.parameters.filter(isInput)[0]!.type) === typeKey(stateType),
        );
        const [final] = candidates;
        if (!final) continue;
        if (candidates.length > 1) return null;
        const returns = final.returns;
        return returns.kind === 'scalar' ? returns.type : null;
      }
      return null;
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
      return { procedures, types: types.types() };
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
