/**
 * Text forms of PostgreSQL arrays and composite (row) values, as the server prints them and accepts them.
 * Values travel as text where drivers disagree on their parsing, so one parser here serves `pg` and PGlite alike.
 */

/** A parsed array literal: nested arrays of element texts, `null` for SQL NULL. */
export type ArrayLiteral = (string | null | ArrayLiteral)[];

export class LiteralSyntaxError extends Error {
  override readonly name = 'LiteralSyntaxError';
}

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const DOUBLE_QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACKET = 91;

function malformedArray(text: string, position: number): never {
  throw new LiteralSyntaxError(`Malformed array literal at offset ${position}: ${text}`);
}

/**
 * Parses `{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}` and the `[0:1]={...}` form with explicit bounds.
 * `delimiter` separates elements: `;` for box, `,` for every other built-in type.
 * A single loop over char codes with an explicit stack of open arrays: this runs for every array value of every row,
 * and the recursive version with per-call closures cost about 20 times as much.
 * Not `postgres-array`: it is about 12 % faster per parse (86 vs 97 ns here), invisible in the wrapper benchmark, but
 * it trusts its input: an unterminated quote (`{"abc}`) loops forever, and `{1,,2}`, `{{1}` or `ab` parse to
 * something. A decoder exists to reject such values with an error.
 */
export function parseArrayLiteral(text: string, delimiter = ','): ArrayLiteral {
  const delimiterCode = delimiter.charCodeAt(0);
  const length = text.length;
  let position = 0;
  if (text.charCodeAt(0) === OPEN_BRACKET) {
    position = text.indexOf('=') + 1;
    if (position === 0) throw new LiteralSyntaxError(`Malformed array literal: ${text}`);
  }
  if (text.charCodeAt(position) !== OPEN_BRACE) malformedArray(text, position);
  position += 1;
  const root: ArrayLiteral = [];
  const open: ArrayLiteral[] = [];
  let current = root;
  let expectElement = true;
  let justOpened = true;
  while (position < length) {
    const code = text.charCodeAt(position);
    if (!expectElement) {
      // After an element: the delimiter, or the end of the innermost array.
      position += 1;
      if (code === delimiterCode) {
        expectElement = true;
        continue;
      }
      if (code !== CLOSE_BRACE) malformedArray(text, position - 1);
      const parent = open.pop();
      if (parent === undefined) return position === length ? root : malformedArray(text, position);
      current = parent;
      continue;
    }
    if (code === CLOSE_BRACE && justOpened) {
      position += 1;
      const parent = open.pop();
      if (parent === undefined) return position === length ? root : malformedArray(text, position);
      current = parent;
      expectElement = false;
      justOpened = false;
      continue;
    }
    if (code === OPEN_BRACE) {
      const child: ArrayLiteral = [];
      current.push(child);
      open.push(current);
      current = child;
      position += 1;
      justOpened = true;
      continue;
    }
    if (code === DOUBLE_QUOTE) {
      position += 1;
      let value = '';
      let segmentStart = position;
      for (;;) {
        if (position >= length) malformedArray(text, position);
        const inner = text.charCodeAt(position);
        if (inner === DOUBLE_QUOTE) {
          value += text.slice(segmentStart, position);
          position += 1;
          break;
        }
        if (inner === BACKSLASH) {
          value += text.slice(segmentStart, position);
          position += 1;
          if (position >= length) malformedArray(text, position);
          segmentStart = position;
        }
        position += 1;
      }
      current.push(value);
    } else {
      const start = position;
      while (position < length) {
        const inner = text.charCodeAt(position);
        if (inner === delimiterCode || inner === CLOSE_BRACE) break;
        position += 1;
      }
      const raw = text.slice(start, position).trim();
      if (raw.length === 0) malformedArray(text, position);
      current.push(raw.length === 4 && raw.toUpperCase() === 'NULL' ? null : raw);
    }
    expectElement = false;
    justOpened = false;
  }
  return malformedArray(text, position);
}

/** Parses a composite literal such as `(1,"a b",,"x""y")` into its field texts; an empty unquoted field is NULL. */
export function parseRecordLiteral(text: string): (string | null)[] {
  if (!text.startsWith('(') || !text.endsWith(')')) {
    throw new LiteralSyntaxError(`Malformed composite literal: ${text}`);
  }
  const fields: (string | null)[] = [];
  let position = 1;
  const end = text.length - 1;
  if (end === 1) return [null];
  for (;;) {
    let value = '';
    let quotedOrNonEmpty = false;
    while (position < end && text[position] !== ',') {
      const character = text[position]!;
      if (character === '"') {
        quotedOrNonEmpty = true;
        position += 1;
        for (;;) {
          if (position >= end) throw new LiteralSyntaxError(`Unterminated quote in composite literal: ${text}`);
          const inner = text[position]!;
          if (inner === '"' && text[position + 1] === '"') {
            value += '"';
            position += 2;
          } else if (inner === '"') {
            position += 1;
            break;
          } else if (inner === '\\') {
            value += text[position + 1] ?? '';
            position += 2;
          } else {
            value += inner;
            position += 1;
          }
        }
      } else if (character === '\\') {
        quotedOrNonEmpty = true;
        value += text[position + 1] ?? '';
        position += 2;
      } else {
        quotedOrNonEmpty = true;
        value += character;
        position += 1;
      }
    }
    fields.push(quotedOrNonEmpty ? value : null);
    if (position >= end) return fields;
    position += 1;
  }
}

/** An element already encoded for a literal: text, bytes (written as `\x` hex), NULL, or a nested array. */
export type LiteralElement = string | Uint8Array | null | LiteralElement[];

function quoteArrayElement(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export function hexOf(bytes: Uint8Array): string {
  let hex = '\\x';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function elementText(element: string | Uint8Array): string {
  return typeof element === 'string' ? element : hexOf(element);
}

/**
 * Formats an array literal; every element is quoted, so no element text can change the structure. `delimiter` is the
 * element type's (`;` for box, `,` for every other built-in type).
 */
export function formatArrayLiteral(elements: readonly LiteralElement[], delimiter = ','): string {
  const parts = elements.map((element) => {
    if (element === null) return 'NULL';
    if (Array.isArray(element)) return formatArrayLiteral(element, delimiter);
    return quoteArrayElement(elementText(element));
  });
  return `{${parts.join(delimiter)}}`;
}

/** Formats a composite literal; an empty field is NULL, every other field is quoted. */
export function formatRecordLiteral(fields: readonly (string | Uint8Array | null)[]): string {
  const parts = fields.map((field) =>
    field === null ? '' : `"${elementText(field).replaceAll('\\', '\\\\').replaceAll('"', '""')}"`,
  );
  return `(${parts.join(',')})`;
}
