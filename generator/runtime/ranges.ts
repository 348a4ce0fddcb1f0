import type { Decoder } from './decoders.js';
import type { Encoder } from './encoders.js';
import { hexOf, LiteralSyntaxError } from './postgres-literals.js';
import { ProcedureValueError } from './procedure-error.js';

/**
 * A range value as decoded, with typed bounds: `{ empty: true }`, or its bounds with whether each is included. A
 * null bound is unbounded. A multirange is an array of ranges, in the order the server returns them.
 */
export type Range<T> =
  | { empty: true }
  | { empty: false; lower: T | null; upper: T | null; lowerInclusive: boolean; upperInclusive: boolean };

/**
 * A range as an argument: `{ empty: true }`, or bounds (left out or null: unbounded) with their inclusivity,
 * PostgreSQL's default `[)` when left out.
 */
export type RangeInput<T> =
  | { empty: true }
  | { empty?: false; lower?: T | null; upper?: T | null; lowerInclusive?: boolean; upperInclusive?: boolean };

/** A range's text form split into bound texts: `[1,5)`, `(,"a b"]`, `empty`. Null bounds are unbounded. */
export interface RangeLiteral {
  empty: boolean;
  lower: string | null;
  upper: string | null;
  lowerInclusive: boolean;
  upperInclusive: boolean;
}

function malformed(text: string, position: number): never {
  throw new LiteralSyntaxError(`Malformed range literal at offset ${position}: ${text}`);
}

/** Reads one bound starting at `position`; returns its text (null when absent) and where it ended. */
function readBound(text: string, position: number, stops: string): { value: string | null; end: number } {
  let value = '';
  let written = false;
  let index = position;
  while (index < text.length && !stops.includes(text[index]!)) {
    const char = text[index]!;
    if (char === '"') {
      written = true;
      index += 1;
      while (index < text.length) {
        const inner = text[index]!;
        if (inner === '\\') {
          value += text[index + 1] ?? malformed(text, index);
          index += 2;
        } else if (inner === '"') {
          // A doubled quote inside quotes is a literal quote.
          if (text[index + 1] === '"') {
            value += '"';
            index += 2;
          } else break;
        } else {
          value += inner;
          index += 1;
        }
      }
      if (text[index] !== '"') malformed(text, index);
      index += 1;
    } else if (char === '\\') {
      value += text[index + 1] ?? malformed(text, index);
      written = true;
      index += 2;
    } else {
      value += char;
      written = true;
      index += 1;
    }
  }
  return { value: written ? value : null, end: index };
}

/** Parses one range starting at `start`; returns it and the offset after its closing bracket. */
function parseRangeAt(text: string, start: number): { range: RangeLiteral; end: number } {
  if (text.startsWith('empty', start)) {
    return {
      range: { empty: true, lower: null, upper: null, lowerInclusive: false, upperInclusive: false },
      end: start + 5,
    };
  }
  const open = text[start];
  if (open !== '[' && open !== '(') malformed(text, start);
  const lower = readBound(text, start + 1, ',');
  if (text[lower.end] !== ',') malformed(text, lower.end);
  const upper = readBound(text, lower.end + 1, '])');
  const close = text[upper.end];
  if (close !== ']' && close !== ')') malformed(text, upper.end);
  return {
    range: {
      empty: false,
      lower: lower.value,
      upper: upper.value,
      lowerInclusive: open === '[',
      upperInclusive: close === ']',
    },
    end: upper.end + 1,
  };
}

export function parseRangeLiteral(text: string): RangeLiteral {
  const { range, end } = parseRangeAt(text, 0);
  return end === text.length ? range : malformed(text, end);
}

/** `{}` or `{[1,3),[5,7)}`. */
export function parseMultirangeLiteral(text: string): RangeLiteral[] {
  if (text[0] !== '{') malformed(text, 0);
  const ranges: RangeLiteral[] = [];
  let position = 1;
  if (text[position] === '}') return position + 1 === text.length ? ranges : malformed(text, position + 1);
  for (;;) {
    while (text[position] === ' ') position += 1;
    const { range, end } = parseRangeAt(text, position);
    ranges.push(range);
    position = end;
    if (text[position] === ',') position += 1;
    else if (text[position] === '}' && position + 1 === text.length) return ranges;
    else malformed(text, position);
  }
}

function quoteBound(value: string | Uint8Array): string {
  const text = typeof value === 'string' ? value : hexOf(value);
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function wrongRange(procedure: string, field: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new ProcedureValueError(procedure, field, `expected a range, got ${typeof value} ${shown.slice(0, 80)}`);
}

function decodeLiteral<T>(literal: RangeLiteral, element: Decoder<T>, procedure: string, field: string): Range<T> {
  if (literal.empty) return { empty: true };
  return {
    empty: false,
    lower: literal.lower === null ? null : element(literal.lower, procedure, `${field}.lower`),
    upper: literal.upper === null ? null : element(literal.upper, procedure, `${field}.upper`),
    lowerInclusive: literal.lowerInclusive,
    upperInclusive: literal.upperInclusive,
  };
}

/** A range's decoder from its subtype's: each bound is decoded as the subtype. */
export function rangeDecoder<T>(element: Decoder<T>): Decoder<Range<T>> {
  return (value, procedure, field) => {
    if (typeof value !== 'string') return wrongRange(procedure, field, value);
    try {
      return decodeLiteral(parseRangeLiteral(value), element, procedure, field);
    } catch (error) {
      if (error instanceof LiteralSyntaxError) return wrongRange(procedure, field, value);
      throw error;
    }
  };
}

export function multirangeDecoder<T>(element: Decoder<T>): Decoder<Range<T>[]> {
  return (value, procedure, field) => {
    if (typeof value !== 'string') return wrongRange(procedure, field, value);
    try {
      return parseMultirangeLiteral(value).map((literal, index) =>
        decodeLiteral(literal, element, procedure, `${field}[${index + 1}]`),
      );
    } catch (error) {
      if (error instanceof LiteralSyntaxError) return wrongRange(procedure, field, value);
      throw error;
    }
  };
}

function formatRange<T>(value: RangeInput<T>, element: Encoder<T>, procedure: string, field: string): string {
  if (typeof value !== 'object' || value === null) return wrongRange(procedure, field, value);
  if (value.empty === true) return 'empty';
  const bound = (bound: T | null | undefined, which: string) =>
    bound === null || bound === undefined ? '' : quoteBound(element(bound, procedure, `${field}.${which}`));
  const open = (value.lowerInclusive ?? true) ? '[' : '(';
  const close = (value.upperInclusive ?? false) ? ']' : ')';
  return `${open}${bound(value.lower, 'lower')},${bound(value.upper, 'upper')}${close}`;
}

/** A range argument, every bound quoted so no bound text can change the structure. */
export function rangeEncoder<T>(element: Encoder<T>): Encoder<RangeInput<T>> {
  return (value, procedure, field) => formatRange(value, element, procedure, field);
}

export function multirangeEncoder<T>(element: Encoder<T>): Encoder<readonly RangeInput<T>[]> {
  return (value, procedure, field) => {
    if (!Array.isArray(value)) return wrongRange(procedure, field, value);
    const ranges = value.map((range: RangeInput<T>, index) =>
      formatRange(range, element, procedure, `${field}[${index + 1}]`),
    );
    return `{${ranges.join(',')}}`;
  };
}
