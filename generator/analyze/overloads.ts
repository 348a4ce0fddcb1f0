import { describeType } from '../model/describe.js';
import { isInput } from '../model/parameters.js';
import type { Diagnostic, Procedure } from '../model/types.js';
import { installedSchemaKey } from './installed-schema.js';
import { methodNameOf, parameterPropertyOf, pascalCase } from './naming.js';

function inputsOf(procedure: Procedure) {
  return procedure.parameters.filter(isInput);
}

function signatureText(procedure: Procedure, placeholder: string): string {
  return `${procedure.name}(${inputsOf(procedure)
    .map((parameter) => `${describeType(parameter.type, placeholder)}${parameter.hasDefault ? ' DEFAULT' : ''}`)
    .join(', ')})`;
}

/**
 * The overload rule. Every argument is sent with an explicit cast, so PostgreSQL can only fail to choose between two
 * overloads when both accept the same leading argument types with the rest left to defaults: for some argument
 * count n that both accept (between their required and total input counts), their first n input types are equal.
 * Such a pair is an `ambiguous-overload` error at the later definition, which is left out. Named-notation calls are
 * not considered. Returns the definitions left out.
 */
export function checkOverloads(
  procedures: readonly Procedure[],
  diagnostics: Diagnostic[],
  placeholder: string,
): Set<Procedure> {
  const leftOut = new Set<Procedure>();
  const groups = new Map<string, Procedure[]>();
  for (const procedure of procedures) {
    const key = `${installedSchemaKey(procedure.schema)}/${procedure.name}`;
    groups.set(key, [...(groups.get(key) ?? []), procedure]);
  }
  for (const group of groups.values()) {
    for (let later = 1; later < group.length; later += 1) {
      for (let earlier = 0; earlier < later; earlier += 1) {
        const shared = sharedCall(group[earlier]!, group[later]!, placeholder);
        if (shared === null) continue;
        const first = group[earlier]!;
        const second = group[later]!;
        diagnostics.push({
          severity: 'error',
          code: 'ambiguous-overload',
          message:
            `${signatureText(second, placeholder)} and ${signatureText(first, placeholder)} (${first.location.file}:${first.location.line}) ` +
            `can both be called as ${first.name}(${shared}); PostgreSQL cannot choose between them`,
          location: second.location,
        });
        leftOut.add(second);
      }
    }
  }
  return leftOut;
}

function sharedCall(a: Procedure, b: Procedure, placeholder: string): string | null {
  const inputsA = inputsOf(a);
  const inputsB = inputsOf(b);
  const required = (inputs: typeof inputsA) => {
    const firstDefault = inputs.findIndex((parameter) => parameter.hasDefault);
    return firstDefault === -1 ? inputs.length : firstDefault;
  };
  const low = Math.max(required(inputsA), required(inputsB));
  const high = Math.min(inputsA.length, inputsB.length);
  for (let count = low; count <= high; count += 1) {
    const typesA = inputsA.slice(0, count).map((parameter) => describeType(parameter.type, placeholder));
    const typesB = inputsB.slice(0, count).map((parameter) => describeType(parameter.type, placeholder));
    if (typesA.every((type, index) => type === typesB[index])) return typesA.join(', ');
  }
  return null;
}

/**
 * Method names. A name used once becomes `methodNameOf(name)`. Overloads (and anything else mapping to the same
 * method name) add `By` + their input property names (`getUserById`, `getUserByEmail`), or `With` + their input
 * types when the property names do not tell them apart (`getUserWithInt4`, `getUserWithText`). When neither does,
 * the first definition keeps the plain name and the later ones are an error and left out.
 */
export function assignMethodNames(
  procedures: readonly Procedure[],
  diagnostics: Diagnostic[],
  placeholder: string,
): Map<Procedure, string> {
  const byBase = new Map<string, Procedure[]>();
  for (const procedure of procedures) {
    const base = methodNameOf(procedure.name);
    byBase.set(base, [...(byBase.get(base) ?? []), procedure]);
  }
  const names = new Map<Procedure, string>();
  for (const [base, group] of byBase) {
    if (group.length === 1) {
      names.set(group[0]!, base);
      continue;
    }
    const suffixes = [
      (procedure: Procedure) => {
        const properties = inputsOf(procedure).map((parameter, index) =>
          pascalCase(parameter.name ? parameterPropertyOf(parameter.name) : `arg${index + 1}`),
        );
        return properties.length > 0 ? `By${properties.join('And')}` : '';
      },
      (procedure: Procedure) => {
        const types = inputsOf(procedure).map((parameter) =>
          pascalCase(describeType(parameter.type, placeholder).replaceAll('[]', 'Array')),
        );
        return types.length > 0 ? `With${types.join('')}` : '';
      },
    ];
    const chosen = suffixes
      .map((suffix) => group.map((procedure) => `${base}${suffix(procedure)}`))
      .find((candidates) => new Set(candidates).size === candidates.length);
    if (!chosen) {
      // The first definition keeps the plain name; the others are left out.
      names.set(group[0]!, base);
      for (const procedure of group.slice(1)) {
        diagnostics.push({
          severity: 'error',
          code: 'name-collision',
          message: `${signatureText(procedure, placeholder)} gets the same client method name as another definition (${base}); rename one`,
          location: procedure.location,
        });
      }
      continue;
    }
    group.forEach((procedure, index) => names.set(procedure, chosen[index]!));
  }
  return names;
}
