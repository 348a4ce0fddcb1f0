/**
 * Text forms of PostgreSQL arrays and composite (row) values, as the server prints them and accepts them.
 * Values travel as text where drivers disagree on their parsing, so one parser here serves `pg` and PGlite alike.
 */

/** A parsed array literal: nested arrays of element texts, `null` for SQL NULL. */
export type ArrayLiteral = (string | null | ArrayLiteral)[];

export class LiteralSyntaxError extends Error {
  override readonly name = 'LiteralSyntaxError';
}

/** Parses `{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}` and the `[0:1]={...}` form with explicit bounds. */
export function parseArrayLiteral(text: string): ArrayLiteral {
  let position = 0;
  if (text.startsWith('[')) {
    position = text.indexOf('=') + 1;
    if (position === 0) throw new LiteralSyntaxError(`Malformed array literal: ${text}`);
  }

  function fail(): never {
    throw new LiteralSyntaxError(`Malformed array literal at offset ${position}: ${text}`);
  }

  function parseArray(): ArrayLiteral {
    if (text[position] !== '{') fail();
    position += 1;
    const items: ArrayLiteral = [];
    if (text[position] === '}') {
      position += 1;
      return items;
    }
    for (;;) {
      items.push(parseItem());
      const next = text[position];
      position += 1;
      if (next === '}') return items;
      if (next !== ',') fail();
    }
  }

  function parseItem(): string | null | ArrayLiteral {
    const first = text[position];
    if (first === '{') return parseArray();
    if (first === '"') {
      position += 1;
      let value = '';
      for (;;) {
        const character = text[position];
        if (character === undefined) fail();
        position += 1;
        if (character === '"') return value;
        if (character === '\\') {
          const escaped = text[position];
          if (escaped === undefined) fail();
          value += escaped;
          position += 1;
        } else {
          value += character;
        }
      }
    }
    const start = position;
    while (position < text.length && text[position] !== ',' && text[position] !== '}') position += 1;
    const raw = text.slice(start, position).trim();
    if (raw.length === 0) fail();
    return raw.toUpperCase() === 'NULL' ? null : raw;
  }

  const result = parseArray();
  if (position !== text.length) fail();
  return result;
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

/** Formats an array literal; every element is quoted, so no element text can change the structure. */
export function formatArrayLiteral(elements: readonly LiteralElement[]): string {
  const parts = elements.map((element) => {
    if (element === null) return 'NULL';
    if (Array.isArray(element)) return formatArrayLiteral(element);
    return quoteArrayElement(elementText(element as string | Uint8Array));
  });
  return `{${parts.join(',')}}`;
}

/** Formats a composite literal; an empty field is NULL, every other field is quoted. */
export function formatRecordLiteral(fields: readonly (string | Uint8Array | null)[]): string {
  const parts = fields.map((field) =>
    field === null ? '' : `"${elementText(field).replaceAll('\\', '\\\\').replaceAll('"', '""')}"`,
  );
  return `(${parts.join(',')})`;
}
