import type { RawAnnotation } from '../model/types.js';
import type { SourcePositions } from './source-positions.js';
import type { Statement } from './statements.js';
import type { Token } from './tokens.js';

/** One line of comment text with the file offset of its first character (null when it cannot be pinned down). */
export interface CommentLine {
  text: string;
  offset: number | null;
}

export interface DocComment {
  doc: string | null;
  annotations: RawAnnotation[];
}

/**
 * The comments that document a statement: the run of comments ending right above it, with no blank line inside the
 * run or before the statement, and not trailing code on the previous statement's last line.
 */
export function commentBlockAbove(statement: Statement, text: string): Token[] {
  const block: Token[] = [];
  let next = statement.start;
  for (let index = statement.leadingComments.length - 1; index >= 0; index--) {
    const comment = statement.leadingComments[index]!;
    if (newlines(text, comment.end, next) > 1) break;
    const trailsCode = statement.previousEnd > 0 && newlines(text, statement.previousEnd, comment.start) === 0;
    if (trailsCode) break;
    block.unshift(comment);
    next = comment.start;
  }
  return block;
}

function newlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = text.indexOf('\n', from); index !== -1 && index < to; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

/** The text lines of `--` and `/* *\/` comments without their markers (and without a leading ` * ` gutter). */
export function commentLines(comments: Token[]): CommentLine[] {
  const lines: CommentLine[] = [];
  for (const comment of comments) {
    if (comment.text.startsWith('--')) {
      const body = comment.text.slice(2);
      const skip = body.startsWith(' ') ? 1 : 0;
      lines.push({ text: body.slice(skip), offset: comment.start + 2 + skip });
      continue;
    }
    let offset = comment.start + 2;
    for (const raw of comment.text.slice(2, -2).split('\n')) {
      const gutter = /^\s*(?:\*(?!\/)\s?)?/.exec(raw)?.[0] ?? '';
      lines.push({ text: raw.slice(gutter.length), offset: offset + gutter.length });
      offset += raw.length + 1;
    }
  }
  return lines;
}

/** Lines starting with `@` are annotations; the rest, trimmed of blank edges, is the doc text. */
export function splitDocComment(lines: CommentLine[], positions: SourcePositions, fallbackOffset: number): DocComment {
  const docLines: string[] = [];
  const annotations: RawAnnotation[] = [];
  for (const line of lines) {
    const trimmed = line.text.trim();
    if (!trimmed.startsWith('@')) {
      docLines.push(line.text.trimEnd());
      continue;
    }
    const [, tag = '', args = ''] = /^@(\S*)\s*(.*)$/.exec(trimmed) ?? [];
    const offset = line.offset === null ? fallbackOffset : line.offset + line.text.indexOf('@');
    annotations.push({ tag, args: args.trim(), location: positions.location(offset) });
  }
  while (docLines.length > 0 && docLines[0] === '') docLines.shift();
  while (docLines.length > 0 && docLines[docLines.length - 1] === '') docLines.pop();
  return { doc: docLines.length > 0 ? docLines.join('\n') : null, annotations };
}

/** Doc comments from above a definition and from COMMENT ON, in that order. */
export function mergeDocComments(...parts: DocComment[]): DocComment {
  const docs = parts.map((part) => part.doc).filter((doc): doc is string => doc !== null);
  return { doc: docs.length > 0 ? docs.join('\n\n') : null, annotations: parts.flatMap((part) => part.annotations) };
}

/**
 * The lines of a COMMENT ON string literal. Offsets are exact when the literal's source is its value (no escapes or
 * doubled quotes); otherwise every line points at the literal.
 */
export function literalLines(value: string, literal: Token): CommentLine[] {
  const dollar = /^\$([^$]*)\$/.exec(literal.text);
  const openingLength = dollar ? dollar[0].length : literal.text.startsWith("'") ? 1 : null;
  const exact = openingLength !== null && literal.text.slice(openingLength, openingLength + value.length) === value;
  let offset = literal.start + (openingLength ?? 0);
  return value.split('\n').map((text) => {
    const line = { text, offset: exact ? offset : null };
    offset += text.length + 1;
    return line;
  });
}
