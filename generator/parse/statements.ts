import type { Node } from 'libpg-query';
import { parseSync } from './libpg-query-module.js';
import type { SourcePositions } from './source-positions.js';
import type { Token } from './tokens.js';

/**
 * One top-level statement of a file. `node` is libpg-query's tree for it, whose byte offsets are relative to
 * `byteBase` (0 when the whole file parsed at once, the statement's own start when it was parsed alone).
 */
export interface Statement {
  /** Offsets of the first and past the last token, excluding the terminating `;`. */
  start: number;
  end: number;
  /** Non-comment tokens of the statement. */
  tokens: Token[];
  /** Comment tokens between the previous statement and this one. */
  leadingComments: Token[];
  /** Where the previous statement ended (0 for the first one). */
  previousEnd: number;
  node: Node | null;
  byteBase: number;
  /** Why PostgreSQL's parser rejected the statement, with the offset it points at. */
  error: { message: string; offset: number } | null;
}

/**
 * Splits a file the way PostgreSQL does. The whole file is parsed in one call (the fast, exact path); only when that
 * fails is it cut at top-level semicolons (as psql does, minding BEGIN ATOMIC bodies) so that one bad statement costs
 * only itself.
 */
export function splitStatements(positions: SourcePositions, tokens: Token[]): Statement[] {
  const whole = tryParse(positions.text);
  if (whole.ok) {
    return assemble(
      tokens,
      (whole.stmts ?? []).map((raw) => {
        const start = positions.charOffset(raw.stmt_location ?? 0);
        const end = raw.stmt_len
          ? positions.charOffset((raw.stmt_location ?? 0) + raw.stmt_len)
          : positions.text.length;
        return { start, end, node: raw.stmt ?? null, byteBase: 0, error: null };
      }),
    );
  }
  return assemble(
    tokens,
    cutAtSemicolons(tokens).map(({ start, end }) => {
      const text = positions.text.slice(start, end);
      const byteBase = Buffer.byteLength(positions.text.slice(0, start), 'utf8');
      const parsed = tryParse(text);
      if (parsed.ok) {
        const [raw] = parsed.stmts ?? [];
        return { start, end, node: raw?.stmt ?? null, byteBase, error: null };
      }
      const offset = start + Buffer.from(text, 'utf8').subarray(0, parsed.cursor).toString('utf8').length;
      return { start, end, node: null, byteBase, error: { message: parsed.message, offset } };
    }),
  );
}

type ParseAttempt =
  | { ok: true; stmts: NonNullable<ReturnType<typeof parseSync>['stmts']> | undefined }
  | { ok: false; message: string; cursor: number };

function tryParse(text: string): ParseAttempt {
  try {
    return { ok: true, stmts: parseSync(text).stmts };
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    return { ok: false, message: (error as Error).message, cursor: details?.cursorPosition ?? 0 };
  }
}

interface Span {
  start: number;
  end: number;
  node: Node | null;
  byteBase: number;
  error: Statement['error'];
}

function assemble(tokens: Token[], spans: Span[]): Statement[] {
  const statements: Statement[] = [];
  let index = 0;
  let previousEnd = 0;
  for (const span of spans) {
    const leadingComments: Token[] = [];
    const own: Token[] = [];
    for (; index < tokens.length; index++) {
      const token = tokens[index]!;
      if (token.start >= span.end) break;
      if (token.start < span.start) {
        if (token.isComment) leadingComments.push(token);
      } else if (!token.isComment) {
        own.push(token);
      }
    }
    const first = own[0];
    const last = own[own.length - 1];
    if (!first || !last) continue;
    const end = last.text === ';' && own.length > 1 ? own[own.length - 2]!.end : last.end;
    statements.push({
      start: first.start,
      end,
      tokens: last.text === ';' ? own.slice(0, -1) : own,
      leadingComments,
      previousEnd,
      node: span.node,
      byteBase: span.byteBase,
      error: span.error,
    });
    previousEnd = last.end;
  }
  return statements;
}

function cutAtSemicolons(tokens: Token[]): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let start: number | null = null;
  let atomicDepth = 0;
  let previousKeyword: string | null = null;
  for (const token of tokens) {
    if (token.isComment) continue;
    start ??= token.start;
    if (token.keyword === 'atomic' && previousKeyword === 'begin') atomicDepth++;
    else if (atomicDepth > 0 && token.keyword === 'case') atomicDepth++;
    else if (atomicDepth > 0 && token.keyword === 'end') atomicDepth--;
    previousKeyword = token.keyword;
    if (token.text === ';' && atomicDepth === 0) {
      spans.push({ start, end: token.end });
      start = null;
    }
  }
  const last = tokens.findLast((token) => !token.isComment);
  if (start !== null && last) spans.push({ start, end: last.end });
  return spans;
}
