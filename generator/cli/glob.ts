import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * A small glob expander (Node 20 has no stable `fs.glob`). Supported: `*` and `?` within one path segment,
 * `[abc]`/`[a-z]`/`[!abc]` character classes, `{a,b}` alternatives within a segment, and `**` as a whole segment
 * for any number of folders. As in shells, wildcards do not match a leading `.` of a name.
 * Patterns use `/` as the separator; relative patterns are resolved against `baseDir`.
 */

const magicCharacters = /[*?[\]{}]/;

export function hasMagic(pattern: string): boolean {
  return magicCharacters.test(pattern);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Compiles one path segment (no `/`) to an anchored regular expression. */
export function segmentToRegExp(segment: string): RegExp {
  let source = '';
  let braceDepth = 0;
  for (let index = 0; index < segment.length; index++) {
    const char = segment[index]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = segment.indexOf(']', index + 2);
      if (end === -1) throw new Error(`unclosed '[' in glob segment '${segment}'`);
      let body = segment.slice(index + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      index = end;
    } else if (char === '{') {
      braceDepth++;
      source += '(?:';
    } else if (char === ',' && braceDepth > 0) source += '|';
    else if (char === '}' && braceDepth > 0) {
      braceDepth--;
      source += ')';
    } else if (char === '\\' && index + 1 < segment.length) {
      source += escapeRegExp(segment[++index]!);
    } else source += escapeRegExp(char);
  }
  if (braceDepth !== 0) throw new Error(`unclosed '{' in glob segment '${segment}'`);
  const hiddenGuard = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hiddenGuard}${source}$`);
}

async function listDirectory(path: string): Promise<{ name: string; isDirectory: boolean }[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.map((entry) => ({ name: entry.name, isDirectory: entry.isDirectory() }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return [];
    }
    throw error;
  }
}

/** The folder a pattern starts from: its leading segments without wildcards (what `--watch` watches). */
export function globBase(pattern: string, baseDir: string): string {
  const segments = pattern.split('/');
  const literal: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (hasMagic(segment)) break;
    literal.push(segment);
  }
  const joined = literal.join('/') || (pattern.startsWith('/') ? '/' : '.');
  return isAbsolute(joined) ? joined : resolve(baseDir, joined);
}

async function walk(directory: string, segments: string[], matches: Set<string>): Promise<void> {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  if (segment === '**') {
    // `**` matches zero folders (try the rest here) or one more folder (descend and keep the `**`).
    await walk(directory, rest, matches);
    for (const entry of await listDirectory(directory)) {
      if (entry.isDirectory && !entry.name.startsWith('.')) await walk(join(directory, entry.name), segments, matches);
    }
    return;
  }
  const isLast = rest.length === 0;
  if ((segment === '.' || segment === '..' || segment === '') && !isLast) {
    await walk(join(directory, segment), rest, matches);
    return;
  }
  if (!hasMagic(segment)) {
    const entries = await listDirectory(directory);
    const entry = entries.find((candidate) => candidate.name === segment);
    if (!entry) return;
    if (isLast) {
      if (!entry.isDirectory) matches.add(join(directory, segment));
    } else if (entry.isDirectory) await walk(join(directory, segment), rest, matches);
    return;
  }
  const matcher = segmentToRegExp(segment);
  for (const entry of await listDirectory(directory)) {
    if (!matcher.test(entry.name)) continue;
    if (isLast) {
      if (!entry.isDirectory) matches.add(join(directory, entry.name));
    } else if (entry.isDirectory) await walk(join(directory, entry.name), rest, matches);
  }
}

/** Absolute paths of the files one pattern matches, sorted by code unit so `0002_` follows `0001_` everywhere. */
export async function expandGlob(pattern: string, baseDir: string): Promise<string[]> {
  const start = isAbsolute(pattern) ? '/' : baseDir;
  const matches = new Set<string>();
  await walk(start, pattern.split('/'), matches);
  return [...matches].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
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
        hasMagic(pattern) ? `input pattern '${pattern}' matched no files` : `input file '${pattern}' does not exist`,
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
