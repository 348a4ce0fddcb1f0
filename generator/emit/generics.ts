import type { AnalyzedProcedure, TypedValue } from '../analyze/program.js';
import type { CodecRegistry } from './codecs.js';

/**
 * The type parameters of generic declarations: `T` for the anyelement family, `U` for anycompatible, `C` for a
 * column definition list. A declaration lists only those its own types use (unused ones fail noUnusedParameters).
 */
export function typeParametersOf(types: readonly TypedValue[]): string[] {
  const used = new Set(types.flatMap((type) => type.typeParameters ?? []));
  return (['T', 'U'] as const).filter((parameter) => used.has(parameter));
}

/** `<T, U>` or nothing. */
export function typeArgumentList(parameters: readonly string[]): string {
  return parameters.length > 0 ? `<${parameters.join(', ')}>` : '';
}

/** The `types` argument's type: the runtime types fixing the families, and the column definition list. */
export function typesArgumentType(
  typeArguments: NonNullable<AnalyzedProcedure['typeArguments']>,
  codecs: CodecRegistry,
  only?: readonly string[],
): string {
  const members = typeArguments
    .filter((argument) => only === undefined || only.includes(argument === 'element' ? 'T' : 'U'))
    .map((argument) => {
      if (argument === 'columns') return 'columns: C';
      return `${argument}: ${codecs.runtime('PgType')}<${argument === 'element' ? 'T' : 'U'}>`;
    });
  return `{ ${members.join('; ')} }`;
}

/** The method's type parameters, `C` constrained to a record of runtime types. */
export function methodTypeParameters(procedure: AnalyzedProcedure, codecs: CodecRegistry): string {
  const parameters = (procedure.typeArguments ?? []).map((argument) => {
    if (argument === 'element') return 'T';
    if (argument === 'compatible') return 'U';
    return `C extends Record<string, ${codecs.runtime('PgType')}<unknown>>`;
  });
  return typeArgumentList(parameters);
}
