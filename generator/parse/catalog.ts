import type { Diagnostic, Model, Procedure, SchemaRef, SourceLocation } from '../model/types.js';
import { installedSchemaKey } from '../analyze/installed-schema.js';
import type { DocComment } from './doc-comments.js';
import { mergeDocComments } from './doc-comments.js';
import { describeName, describeRoutine, describeType } from '../model/describe.js';
import { isInput } from '../model/parameters.js';
import { formatLocation } from '../model/source-location.js';
import { namedKey, procedureKey, resultKey, routineKey, typeKey } from './identity.js';
import type { RoutineReference } from './read-libpg-query.js';
import { TypeStore } from './type-store.js';

export type RoutineObjectKind = Procedure['kind'] | 'routine';

/**
 * The functions and types that exist after the statements applied so far, as PostgreSQL would hold them. Statements
 * PostgreSQL would reject are reported and leave the catalog as it was.
 */
export interface Catalog {
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
  model(): Model;
}

/** `placeholder` is how messages spell the tenant schema. */
export function createCatalog(diagnostics: Diagnostic[], placeholder: string): Catalog {
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
  const types = new TypeStore(error, placeholder, {
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
  });

  function find(
    reference: RoutineReference,
    kind: RoutineObjectKind,
    location: SourceLocation,
    missingOk: boolean,
  ): string | null {
    const named = [...routines].filter(
      ([, procedure]) =>
        namedKey(procedure.schema, procedure.name) === namedKey(reference.schema, reference.name) &&
        (kind === 'routine' || procedure.kind === kind),
    );
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
      const inputKey = routineKey(
        reference.schema,
        reference.name,
        written.filter(isInput).map((argument) => argument.type),
      );
      matches = named.filter(([key]) => key === inputKey);
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

  return {
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
      routines.delete(key);
      routines.set(alteredKey, altered);
      const comment = comments.get(key);
      comments.delete(key);
      if (comment) comments.set(alteredKey, comment);
    },
    types,
    routinesNamed(schema, name) {
      const named = [...routines.values()].filter((procedure) => procedure.name === name);
      const written = named.filter((procedure) => namedKey(procedure.schema, name) === namedKey(schema, name));
      if (written.length > 0 || schema.kind === 'named') return written;
      return named.filter((procedure) => installedSchemaKey(procedure.schema) === installedSchemaKey(schema));
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
