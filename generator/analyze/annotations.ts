import type { Diagnostic, Procedure, SourceLocation } from '../model/types.js';
import { readJsonTypeText } from './json-type-text.js';

/**
 * The annotations of one procedure, syntax-checked. Whether each applies (a named column or parameter exists, the
 * shape allows `@single-row`) is checked where the result shape is known.
 *
 * - `@not-null`: the scalar result, or every result column, is never NULL.
 * - `@not-null a b c`: these result columns are never NULL (names as in SQL, separated by spaces or commas).
 * - `@required p_a p_b`: the procedure rejects NULL for these parameters (names as in SQL), so they are typed `T`
 *   rather than `T | null`. A parameter with a default can still be left out.
 * - `@json <name> <TypeScript type>`: the JSON parameter or result column `<name>` has this type; `return` names a
 *   scalar or SETOF scalar result.
 * - `@single-row`: a TABLE/SETOF result has at most one row: the wrapper returns the row or null.
 * - `@exactly-one-row`: a TABLE/SETOF result has exactly one row (the procedure raises rather than return none):
 *   the wrapper returns the row, and throws ProcedureValueError for any other count. Implies `@single-row`.
 */
export interface Annotations {
  notNullAll: SourceLocation | null;
  notNull: { name: string; location: SourceLocation }[];
  required: { name: string; location: SourceLocation }[];
  json: { name: string; typeText: string; imports: string[]; location: SourceLocation }[];
  singleRow: SourceLocation | null;
  exactlyOneRow: SourceLocation | null;
}

export const jsonReturnName = 'return';

export function readAnnotations(procedure: Procedure, diagnostics: Diagnostic[]): Annotations {
  const result: Annotations = {
    notNullAll: null,
    notNull: [],
    required: [],
    json: [],
    singleRow: null,
    exactlyOneRow: null,
  };
  const bad = (location: SourceLocation, message: string) =>
    diagnostics.push({ severity: 'error', code: 'bad-annotation', message: `${procedure.name}: ${message}`, location });

  for (const annotation of procedure.annotations) {
    const { tag, args, location } = annotation;
    switch (tag) {
      case 'not-null': {
        const names = nameList(args);
        if (names.length === 0) result.notNullAll = location;
        for (const name of names) result.notNull.push({ name, location });
        break;
      }
      case 'required': {
        const names = nameList(args);
        if (names.length === 0) bad(location, '@required needs the names of the parameters that must not be NULL');
        for (const name of names) result.required.push({ name, location });
        break;
      }
      case 'json': {
        const match = /^("(?:[^"]|"")+"|\S+)\s+(.+)$/s.exec(args);
        if (!match) {
          bad(location, `@json needs a name and a TypeScript type: @json <name> <type>, got '@json ${args}'`);
          break;
        }
        const typeText = match[2]!.trim();
        const read = readJsonTypeText(typeText);
        if ('error' in read) bad(location, `@json ${match[1]}: ${read.error}`);
        else result.json.push({ name: unquote(match[1]!), typeText, imports: read.imports, location });
        break;
      }
      case 'single-row':
        if (args.length > 0) bad(location, `@single-row takes no arguments, got '${args}'`);
        else result.singleRow = location;
        break;
      case 'exactly-one-row':
        if (args.length > 0) bad(location, `@exactly-one-row takes no arguments, got '${args}'`);
        else result.exactlyOneRow = location;
        break;
      default:
        bad(location, `unknown annotation @${tag} (known: @not-null, @required, @json, @single-row, @exactly-one-row)`);
    }
  }
  return result;
}

/** Names separated by spaces or commas. */
function nameList(args: string): string[] {
  return args
    .split(/[\s,]+/)
    .filter((name) => name.length > 0)
    .map(unquote);
}

/** Annotation names are SQL identifiers: folded to lower case unless double-quoted. */
function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') && name.length >= 2
    ? name.slice(1, -1).replaceAll('""', '"')
    : name.toLowerCase();
}
