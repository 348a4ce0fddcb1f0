import type { Diagnostic, Model, Procedure, SchemaRef, SourceLocation, TypeRef, UserType } from '../model/types.js';
import type { DocComment } from './doc-comments.js';
import { mergeDocComments } from './doc-comments.js';
import { describeName, describeRoutine, describeType } from '../model/describe.js';
import { isInput } from '../model/parameters.js';
import { formatLocation } from '../model/source-location.js';
import { namedKey, procedureKey, resultKey, routineKey, typeKey } from './identity.js';
import type { RoutineReference } from './read-libpg-query.js';

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
    change: Partial<Pick<Procedure, 'name' | 'volatility' | 'security'>>,
    at: SourceLocation,
  ): void;
  /** The result type of the final function an aggregate names, when the model holds it (null otherwise). */
  finalFunctionResult(schema: SchemaRef, name: string, stateType: TypeRef): TypeRef | null;
  createType(type: UserType): void;
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

/** `placeholder` is how messages spell the tenant schema. */
export function createCatalog(diagnostics: Diagnostic[], placeholder: string): Catalog {
  const routines = new Map<string, Procedure>();
  /** COMMENT ON text outlives CREATE OR REPLACE, as in PostgreSQL; it goes with DROP. */
  const comments = new Map<string, DocComment>();
  const types = new Map<string, UserType>();
  const error = (code: string, message: string, location: SourceLocation): void => {
    diagnostics.push({ severity: 'error', code, message, location });
  };

  function find(
    reference: RoutineReference,
    kind: RoutineObjectKind,
    location: SourceLocation,
    missingOk: boolean,
  ): string | null {
    const named = [...routines].filter(
      ([, procedure]) =>
        namedKey(procedure.schema, procedure.name) === namedKey(reference.schema, reference.name) &&
        (kind === 'routine' || procedure.kind === kind || (kind === 'function' && procedure.kind === 'window')),
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
    finalFunctionResult(schema, name, stateType) {
      // The final function takes the state (and, with FINALFUNC_EXTRA, the aggregate's arguments too).
      const candidates = [...routines.values()].filter(
        (procedure) =>
          namedKey(procedure.schema, procedure.name) === namedKey(schema, name) &&
          procedure.parameters.filter(isInput)[0] !== undefined &&
          typeKey(procedure.parameters.filter(isInput)[0]!.type) === typeKey(stateType),
      );
      const [final] = candidates;
      if (!final || candidates.length > 1) return null;
      const returns = final.returns;
      return returns.kind === 'scalar' ? returns.type : null;
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
