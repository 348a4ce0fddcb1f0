import { formatLocation } from '../model/source-location.js';
import type { Model, Procedure } from '../model/types.js';
import { isCaught, type BodyCall } from './raised-sqlstates.js';

/** The calls each PL/pgSQL definition's body makes, keyed by the definition's `formatLocation`. */
export type CallsByLocation = Map<string, BodyCall[]>;

/**
 * Adds to each procedure's `raises` the codes raised by the model's functions it calls, directly or through further
 * calls, unless a handler around the call catches them: a wrapper that delegates to a helper can fail with the
 * helper's errors, and its SQLSTATE union must say so. Calls are matched by name across overloads and schemas
 * (conservative: an extra code in a union is harmless, a missing one is not). Runs to a fixpoint, so recursion and
 * call chains of any depth are covered.
 */
export function addCalleeSqlStates(model: Model, calls: CallsByLocation): Model {
  const byName = new Map<string, Procedure[]>();
  for (const procedure of model.procedures) {
    byName.set(procedure.name, [...(byName.get(procedure.name) ?? []), procedure]);
  }
  const raises = new Map(model.procedures.map((procedure) => [procedure, new Set(procedure.raises)]));
  for (let changed = true; changed;) {
    changed = false;
    for (const procedure of model.procedures) {
      const own = raises.get(procedure)!;
      for (const call of calls.get(formatLocation(procedure.location)) ?? []) {
        for (const callee of byName.get(call.name) ?? []) {
          for (const code of raises.get(callee)!) {
            if (!own.has(code) && !isCaught(code, call.handlers)) {
              own.add(code);
              changed = true;
            }
          }
        }
      }
    }
  }
  return {
    ...model,
    procedures: model.procedures.map((procedure) => ({ ...procedure, raises: [...raises.get(procedure)!].sort() })),
  };
}
