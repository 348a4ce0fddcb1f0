import { LiteralSyntaxError } from './postgres-literals.js';

/**
 * Text forms of range and multirange values (`[1,5)`, `empty`, `(,"2020-01-01 00:00:00"]`, `{[1,3),[5,7)}`), as
 * the server prints and accepts them. Bounds are kept as text here; a range decoder converts them with the element
 * type's decoder.
 */

/** A range literal's parts: `empty`, or the bound texts (null = unbounded) and whether each bound is included. */
export type RangeLiteral =
  | { empty: true }
  | { empty: false; lower: string | null; upper: string | null; lowerInclusive: boolean; upperInclusive: boolean };

function malformedRange(text: string, position: number): never {
  throw new LiteralSyntaxError(`Malformed range literal at offset ${position}: ${text}`);
}

const isSpace = (character: string | undefined) =>
  character === ' ' || character === '\t' || character === '\n' || character === '\r';

/**
 * Reads one bound starting at `position`, up to (not including) one of `stops` outside quotes. An empty bound is
 * unbounded (null); `""` is an empty string. Inside quotes `""` and `\x` stand for `"` and `x`; outside them `\x`
 * stands for `x`, as in PostgreSQL's range_parse.
 */
function readBound(text: string, position: number, stops: string): { value: string | null; end: number } {
  let value = '';
  let written = false;
  let index = position;
  while (index < text.length && !stops.includes(text[index]!)) {
    const character = text[index]!;
    written = true;
    if (character === '"') {
      index += 1;
      for (;;) {
        if (index >= text.length) malformedRange(text, index);
        const inner = text[index]!;
        if (inner === '"' && text[index + 1] === '"') {
          value += '"';
          index += 2;
        } else if (inner === '"') {
          index += 1;
          break;
        } else if (inner === '\\') {
          if (index + 1 >= text.length) malformedRange(text, index);
          value += text[index + 1];
          index += 2;
        } else {
          value += inner;
          index += 1;
        }
      }
    } else if (character === '\\') {
      if (index + 1 >= text.length) malformedRange(text, index);
      value += text[index + 1];
      index += 2;
    } else {
      value += character;
      index += 1;
    }
  }
  return { value: written ? value : null, end: index };
}

/** Parses one range literal starting at `start`; returns the range and the offset just after it. */
function parseRangeAt(text: string, start: number): { range: RangeLiteral; end: number } {
  let position = start;
  while (isSpace(text[position])) position += 1;
  if (text.slice(position, position + 5).toLowerCase() === 'empty') {
    return { range: { empty: true }, end: position + 5 };
  }
  const open = text[position];
  if (open !== '[' && open !== '(') malformedRange(text, position);
  const lower = readBound(text, position + 1, ',');
  if (text[lower.end] !== ',') malformedRange(text, lower.end);
  const upper = readBound(text, lower.end + 1, ')]');
  const close = text[upper.end];
  if (close !== ')' && close !== ']') malformedRange(text, upper.end);
  return {
    range: {
      empty: false,
      lower: lower.value,
      upper: upper.value,
      lowerInclusive: open === '[' && lower.value !== null,
      upperInclusive: close === ']' && upper.value !== null,
    },
    end: upper.end + 1,
  };
}

export function parseRangeLiteral(text: string): RangeLiteral {
  const { range, end } = parseRangeAt(text, 0);
  let position = end;
  while (isSpace(text[position])) position += 1;
  return position === text.length ? range : malformedRange(text, position);
}

/** `{}` or `{[1,3),[5,7)}`. */
export function parseMultirangeLiteral(text: string): RangeLiteral[] {
  let position = 0;
  const skipSpace = () => {
    while (isSpace(text[position])) position += 1;
  };
  skipSpace();
  if (text[position] !== '{') malformedRange(text, position);
  position += 1;
  skipSpace();
  const ranges: RangeLiteral[] = [];
  if (text[position] === '}') position += 1;
  else {
    for (;;) {
      const { range, end } = parseRangeAt(text, position);
      ranges.push(range);
      position = end;
      skipSpace();
      const separator = text[position];
      position += 1;
      if (separator === '}') break;
      if (separator !== ',') malformedRange(text, position - 1);
    }
  }
  skipSpace();
  return position === text.length ? ranges : malformedRange(text, position);
}

function quoteBound(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Formats a range literal; every bound is quoted, so no bound text can change the structure. */
export function formatRangeLiteral(range: RangeLiteral): string {
  if (range.empty) return 'empty';
  const lower = range.lower === null ? '' : quoteBound(range.lower);
  const upper = range.upper === null ? '' : quoteBound(range.upper);
  return `${range.lowerInclusive ? '[' : '('}${lower},${upper}${range.upperInclusive ? ']' : ')'}`;
}

export function formatMultirangeLiteral(ranges: readonly RangeLiteral[]): string {
  return `{${ranges.map(formatRangeLiteral).join(',')}}`;
}
