import { scanSync } from './libpg-query-module.js';
import type { SourcePositions } from './source-positions.js';

/** A token of PostgreSQL's own lexer, with offsets in UTF-16 code units into the file text. */
export interface Token {
  start: number;
  end: number;
  text: string;
  isComment: boolean;
  /** Lower-case keyword, or null for identifiers, literals and punctuation. */
  keyword: string | null;
}

/**
 * Tokenises the parsed text (psql's output with the placeholder substituted); token texts are taken from the file as
 * written, so that comments and defaults read as written. Throws (with PostgreSQL's message) when the lexer cannot
 * tokenise the text, e.g. an unterminated literal.
 */
export function tokenize(positions: SourcePositions): Token[] {
  return scanSync(positions.text).tokens.map((token) => {
    const start = positions.charOffset(token.start);
    const end = positions.charOffset(token.end);
    return {
      start,
      end,
      text: positions.originalSlice(start, end),
      isComment: token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT',
      keyword: token.keywordName === 'NO_KEYWORD' ? null : token.text.toLowerCase(),
    };
  });
}

/** The string literal after AS in a CREATE FUNCTION/PROCEDURE statement: the function body. */
export function functionBodyToken(tokens: Token[]): Token | null {
  const asIndex = tokens.findIndex((token) => token.keyword === 'as');
  if (asIndex === -1) return null;
  const body = tokens[asIndex + 1];
  return body && (body.text.startsWith('$') || body.text.startsWith("'")) ? body : null;
}
