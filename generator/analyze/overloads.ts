import { describeType } from '../model/describe.js';
import { isInput } from '../model/parameters.js';
import type { Diagnostic, Procedure } from '../model/types.js';
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
 * Method names. A name used once becomes `methodNameOf(name)`. Overloads (and anything else mapping to the same
 * method name) add `By` + their input property names (`getUserById`, `getUserByEmail`), or `With` + their input
 * types when the property names do not tell them apart (`getUserWithInt4`, `getUserWithText`). When neither does,
 * the first definition keeps the plain name and the later ones are an error and left out.
 */
export function assignMethodNames(
  procedures: readonly Procedure[],
  diagnostics: Diagnostic[],
  placeholder: string,
  baseName: (procedure: Procedure) => string = (procedure) => methodNameOf(procedure.name),
): Map<Procedure, string> {
  const byBase = new Map<string, Procedure[]>();
  for (const procedure of procedures) {
    const base = baseName(procedure);
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
