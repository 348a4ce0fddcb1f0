import { resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/**
 * Input patterns, matched by `tinyglobby`; this module adds the rules a migration history needs on top: matches in a
 * fixed order, each file once, and no pattern silently matching nothing. Patterns use `/` as the separator; relative
 * patterns are resolved against `baseDir`.
 */

/** A pattern split at its first wildcard: the literal folder it starts from, and the part holding the wildcards. */
export interface SplitPattern {
  /** Absolute folder: what the pattern is matched in, and what `--watch` watches. */
  base: string;
  /** The rest of the pattern, relative to `base`. */
  rest: string;
  /** Whether the wildcards span folders, so a watch of `base` must be recursive. */
  recursive: boolean;
}

export function splitPattern(pattern: string, baseDir: string): SplitPattern {
  const segments = pattern.split('/');
  let literal = 0;
  while (literal < segments.length - 1 && !isDynamicPattern(segments[literal]!)) literal++;
  const rest = segments.slice(literal);
  // `resolve` keeps an absolute pattern's root: `'/abs/x'.split('/')` starts with an empty segment.
  const base = resolve(baseDir, segments.slice(0, literal).join('/') || (pattern.startsWith('/') ? '/' : '.'));
  return { base, rest: rest.join('/'), recursive: rest.length > 1 };
}

/** Code-unit order, so `0002_` follows `0001_` whatever the locale. */
function byCodeUnit(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Whether every name starting with `.` was matched by a pattern segment starting with `.`, as in a shell: picomatch
 * lets a leading negated class (`[!a]*`) match `.x` even with `dot: false`. Segments before the first `**` line up
 * with names from the start, those after the last `**` from the end; a name `**` matched must not start with `.`.
 */
function dotNamesNamed(patternSegments: readonly string[], names: readonly string[]): boolean {
  const first = patternSegments.indexOf('**');
  const trailing = patternSegments.length - 1 - patternSegments.lastIndexOf('**');
  return names.every((name, index) => {
    if (!name.startsWith('.')) return true;
    const fromEnd = names.length - index;
    const segment =
      first === -1 || index < first
        ? patternSegments[index]
        : fromEnd <= trailing
          ? patternSegments[patternSegments.length - fromEnd]
          : undefined;
    return segment?.startsWith('.') ?? false;
  });
}

/** Absolute paths of the files one pattern matches, sorted by name. Wildcards do not match a leading `.` of a name. */
export async function expandGlob(pattern: string, baseDir: string): Promise<string[]> {
  const { base, rest } = splitPattern(pattern, baseDir);
  // Only the documented syntax is special: `(`, `)` and `|` (picomatch's groups) and a leading `!` (its negation) are
  // characters of a file name.
  const literalRest = rest.replace(/[()|]/g, '\\$&').replace(/^!/, '\\!');
  const matches = await glob(literalRest, {
    cwd: base,
    onlyFiles: true,
    dot: false,
    // A pattern names files: it is not widened to a folder's contents.
    expandDirectories: false,
    extglob: false,
  });
  const patternSegments = rest.split('/');
  return matches
    .filter((match) => dotNamesNamed(patternSegments, match.split('/')))
    .map((match) => resolve(base, match))
    .sort(byCodeUnit);
}

/**
 * Expands patterns in the given order: files of the first pattern come first; a file matched again later keeps its
 * first position. A pattern that matches nothing is an error, since a migration history with a missing file would
 * silently generate the wrong client.
 */
export async function expandInputs(patterns: string[], baseDir: string): Promise<string[]> {
  const ordered: string[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const files = await expandGlob(pattern, baseDir);
    if (files.length === 0) {
      throw new Error(
        isDynamicPattern(pattern)
          ? `input pattern '${pattern}' matched no files`
          : `input file '${pattern}' does not exist`,
      );
    }
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      ordered.push(file);
    }
  }
  return ordered;
}
