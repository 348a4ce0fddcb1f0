import type { Diagnostic, Procedure, SourceLocation } from '../model/types.js';
import { readJsonTypeText } from './json-type-text.js';

/**
 * The annotations of one procedure, syntax-checked. Whether each applies (a named column exists, the shape allows
 * `@single-row`) is checked where the result shape is known.
 *
 * - `@not-null`: the scalar result, or every result column, is never NULL.
 * - `@not-null a b c`: these result columns are never NULL (names as in SQL, separated by spaces or commas).
 * - `@json <name> <TypeScript type>`: the JSON parameter or result column `<name>` has this type; `return` names a
 *   scalar or SETOF scalar result.
 * - `@single-row`: a TABLE/SETOF result has at most one row: the wrapper returns the row or null.
 */
export interface Annotations {
  notNullAll: SourceLocation | null;
  notNull: { name: string; location: SourceLocation }[];
  json: { name: string; typeText: string; imports: string[]; location: SourceLocation }[];
  singleRow: SourceLocation | null;
}

export const jsonReturnName = 'return';

export function readAnnotations(procedure: Procedure, diagnostics: Diagnostic[]): Annotations {
  const result: Annotations = { notNullAll: null, notNull: [], json: [], singleRow: null };
  const bad = (location: SourceLocation, message: string) =>
    diagnostics.push({ severity: 'error', code: 'bad-annotation', message: `${procedure.name}: ${message}`, location });

  for (const annotation of procedure.annotations) {
    const { tag, args, location } = annotation;
    switch (tag) {
      case 'not-null': {
        const names = args.split(/[\s,]+/).filter((name) => name.length > 0);
        if (names.length === 0) result.notNullAll = location;
        for (const name of names) result.notNull.push({ name: unquote(name), location });
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
      default:
        bad(location, `unknown annotation @${tag} (known: @not-null, @json, @single-row)`);
    }
  }
  return result;
}

/** Annotation names are SQL identifiers: folded to lower case unless double-quoted. */
function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') && name.length >= 2
    ? name.slice(1, -1).replaceAll('""', '"')
    : name.toLowerCase();
}
