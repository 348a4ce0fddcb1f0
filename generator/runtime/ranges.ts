import type { Decoder } from './decoders.js';
import type { Encoder } from './encoders.js';
import { ProcedureValueError } from './procedure-error.js';
import { LiteralSyntaxError } from './postgres-literals.js';
import {
  formatMultirangeLiteral,
  formatRangeLiteral,
  parseMultirangeLiteral,
  parseRangeLiteral,
  type RangeLiteral,
} from './range-literals.js';

/**
 * A range value as decoded: `{ empty: true }`, or its bounds with whether each is included. A null bound is
 * unbounded (PostgreSQL never marks an unbounded side inclusive). Discrete ranges come back canonical: `[1,5]`
 * of int4range reads as lower 1 inclusive, upper 6 exclusive.
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

function invalid(procedure: string, field: string, expected: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new ProcedureValueError(procedure, field, `expected ${expected}, got ${typeof value} ${shown.slice(0, 80)}`);
}

function decodeParsed<T>(literal: RangeLiteral, element: Decoder<T>, procedure: string, field: string): Range<T> {
  if (literal.empty) return { empty: true };
  return {
    empty: false,
    lower: literal.lower === null ? null : element(literal.lower, procedure, `${field}.lower`),
    upper: literal.upper === null ? null : element(literal.upper, procedure, `${field}.upper`),
    lowerInclusive: literal.lowerInclusive,
    upperInclusive: literal.upperInclusive,
  };
}

function parseOrInvalid<R>(parse: (text: string) => R, value: unknown, what: string, procedure: string, field: string) {
  if (typeof value !== 'string') return invalid(procedure, field, what, value);
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof LiteralSyntaxError) return invalid(procedure, field, what, value);
    throw error;
  }
}

/** A range decoder over the element type's decoder; the value arrives as the range's text. */
export function rangeDecoder<T>(element: Decoder<T>): Decoder<Range<T>> {
  return (value, procedure, field) =>
    decodeParsed(parseOrInvalid(parseRangeLiteral, value, 'a range', procedure, field), element, procedure, field);
}

/** A multirange decoder: its ranges in the server's order (sorted, non-overlapping, never empty). */
export function multirangeDecoder<T>(element: Decoder<T>): Decoder<Range<T>[]> {
  return (value, procedure, field) =>
    parseOrInvalid(parseMultirangeLiteral, value, 'a multirange', procedure, field).map((literal, index) =>
      decodeParsed(literal, element, procedure, `${field}[${index + 1}]`),
    );
}

function boundText<T>(bound: T | null | undefined, element: Encoder<T>, procedure: string, field: string) {
  if (bound === null || bound === undefined) return null;
  const encoded = element(bound, procedure, field);
  return typeof encoded === 'string' ? encoded : invalid(procedure, field, 'a bound with a text form', bound);
}

function encodeParsed<T>(value: RangeInput<T>, element: Encoder<T>, procedure: string, field: string): RangeLiteral {
  if (typeof value !== 'object' || value === null) return invalid(procedure, field, 'a range object', value);
  if (value.empty === true) return { empty: true };
  return {
    empty: false,
    lower: boundText(value.lower, element, procedure, `${field}.lower`),
    upper: boundText(value.upper, element, procedure, `${field}.upper`),
    lowerInclusive: value.lowerInclusive ?? true,
    upperInclusive: value.upperInclusive ?? false,
  };
}

export function rangeEncoder<T>(element: Encoder<T>): Encoder<RangeInput<T>> {
  return (value, procedure, field) => formatRangeLiteral(encodeParsed(value, element, procedure, field));
}

export function multirangeEncoder<T>(element: Encoder<T>): Encoder<readonly RangeInput<T>[]> {
  return (value, procedure, field) =>
    Array.isArray(value)
      ? formatMultirangeLiteral(
          value.map((range: RangeInput<T>, index) => encodeParsed(range, element, procedure, `${field}[${index + 1}]`)),
        )
      : invalid(procedure, field, 'an array of ranges', value);
}
