import { describeType } from '../model/describe.js';
import { isInput } from '../model/parameters.js';
import type { Diagnostic, Parameter, Procedure, TypeRef } from '../model/types.js';
import { installedSchemaKey } from './installed-schema.js';

/**
 * How a routine's wrapper calls it so that PostgreSQL resolves the call to that routine and no other.
 * `required`: positions (in `procedure.parameters`) of parameters with a default that must still be sent;
 * `named`: every argument goes in named notation (`p_a => $1`) rather than positionally.
 */
export interface CallForm {
  required: Set<number>;
  named: boolean;
}

/** One argument of a call as PostgreSQL matches it against candidates: by position, name, type and default. */
interface Slot {
  position: number;
  name: string | null;
  type: string;
  hasDefault: boolean;
}

const typeIdentity = (type: TypeRef) => `${installedSchemaKey(type.schema)}/${type.name}/${type.arrayDimensions}`;

/**
 * The arguments a call lists. CALL resolves procedures by every argument, OUT ones included (the wrapper sends them
 * as NULL); a function call by its inputs only.
 */
function slots(procedure: Procedure, isCall: boolean): Slot[] {
  return procedure.parameters.flatMap((parameter: Parameter, position) =>
    isCall || isInput(parameter)
      ? [{ position, name: parameter.name, type: typeIdentity(parameter.type), hasDefault: parameter.hasDefault }]
      : [],
  );
}

/**
 * Whether a call sending `sent` (positionally up to the first omitted argument, or throughout when `named`; by name
 * after) could also resolve to a routine with the arguments `candidate`. PostgreSQL refuses such a call as "not
 * unique" when the candidate's declared types match exactly, the same as the routine meant.
 */
function matches(sent: Slot[], all: Slot[], named: boolean, candidate: Slot[]): boolean {
  let positional = 0;
  if (!named) {
    while (positional < sent.length && sent[positional] === all[positional]) positional += 1;
  }
  if (candidate.length < positional) return false;
  for (let index = 0; index < positional; index += 1) {
    if (candidate[index]!.type !== sent[index]!.type) return false;
  }
  const covered = new Set<number>();
  for (const slot of sent.slice(positional)) {
    const index = candidate.findIndex((other, at) => at >= positional && other.name === slot.name);
    if (index === -1 || candidate[index]!.type !== slot.type) return false;
    covered.add(index);
  }
  return candidate.every((slot, index) => index < positional || covered.has(index) || slot.hasDefault);
}

/** Subsets of `items` (as arrays), smallest first, so the argument closest to the front is made required first. */
function* subsets<T>(items: readonly T[]): Generator<T[]> {
  for (let size = 0; size <= items.length; size += 1) yield* combinations(items, size, 0);
}

function* combinations<T>(items: readonly T[], size: number, start: number): Generator<T[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let index = start; index <= items.length - size; index += 1) {
    for (const rest of combinations(items, size - 1, index + 1)) yield [items[index]!, ...rest];
  }
}

/** Beyond this many optional arguments only leaving out a trailing run is considered (2^n forms otherwise). */
const maximumOptionalForSubsets = 12;

/**
 * The call form for `procedure` in one notation, or null when even sending every argument is ambiguous. `optional`
 * are the slots the wrapper may leave out (those with a default that named notation can skip past).
 */
function formIn(all: Slot[], optional: Slot[], others: Slot[][], named: boolean): CallForm | null {
  const required = new Set<number>();
  let allowed = optional;
  for (;;) {
    let conflict: Slot[] | null = null;
    const forms =
      allowed.length <= maximumOptionalForSubsets
        ? subsets(allowed)
        : allowed.map((_, index) => allowed.slice(index)).concat([[]]);
    for (const omitted of forms) {
      const sent = all.filter((slot) => !omitted.includes(slot));
      if (others.some((candidate) => matches(sent, all, named, candidate))) {
        conflict = omitted;
        break;
      }
    }
    if (conflict === null) return { required, named };
    const [first] = conflict;
    if (first === undefined) return null;
    required.add(first.position);
    allowed = allowed.filter((slot) => slot !== first);
  }
}

function signature(procedure: Procedure, placeholder: string): string {
  const inputs = procedure.parameters
    .filter(isInput)
    .map((parameter) => `${describeType(parameter.type, placeholder)}${parameter.hasDefault ? ' DEFAULT' : ''}`);
  return `${procedure.name}(${inputs.join(', ')})`;
}

/**
 * The overload rule. Every argument is sent with an explicit cast, so a call is ambiguous only when another routine
 * of the same schema and name accepts exactly the same argument types once its defaults fill the rest (PostgreSQL:
 * "function is not unique"). For each routine that gets a method, the arguments whose omission would make a call
 * ambiguous are made required; when even the complete positional call is ambiguous, named notation is tried; a
 * routine no call can reach is reported (`ambiguous-overload`) and left out. `candidates` holds every routine
 * PostgreSQL would consider (aggregates and routines without methods too).
 */
export function callForms(
  callable: readonly Procedure[],
  candidates: readonly Procedure[],
  diagnostics: Diagnostic[],
  placeholder: string,
): Map<Procedure, CallForm> {
  const groups = new Map<string, Procedure[]>();
  for (const procedure of candidates) {
    const key = `${installedSchemaKey(procedure.schema)}/${procedure.name}`;
    groups.set(key, [...(groups.get(key) ?? []), procedure]);
  }
  const forms = new Map<Procedure, CallForm>();
  for (const procedure of callable) {
    const group = groups.get(`${installedSchemaKey(procedure.schema)}/${procedure.name}`) ?? [procedure];
    const isCall = procedure.kind === 'procedure';
    const all = slots(procedure, isCall);
    const others = group.filter((other) => other !== procedure).map((other) => slots(other, isCall));
    const optional = all.filter(
      (slot, index) =>
        slot.hasDefault &&
        isInput(procedure.parameters[slot.position]!) &&
        all.slice(index + 1).every((later) => later.name !== null),
    );
    if (others.length === 0) {
      forms.set(procedure, { required: new Set(), named: false });
      continue;
    }
    const allNamed = all.every((slot) => slot.name !== null);
    const form = formIn(all, optional, others, false) ?? (allNamed ? formIn(all, optional, others, true) : null);
    if (form) {
      forms.set(procedure, form);
      continue;
    }
    const rivals = group
      .filter((other) => other !== procedure && matches(all, all, false, slots(other, isCall)))
      .map((other) => `${signature(other, placeholder)} (${other.location.file}:${other.location.line})`);
    diagnostics.push({
      severity: 'error',
      code: 'ambiguous-overload',
      message:
        `${signature(procedure, placeholder)} cannot be called: PostgreSQL cannot choose between it and ` +
        `${rivals.join(' and ') || 'another overload'} for any argument list, so it gets no client method`,
      location: procedure.location,
    });
  }
  return forms;
}
