import type { SchemaRef } from '../model/types.js';
import { SCHEMA_PLACEHOLDER } from '../runtime/schema-sources.js';

/**
 * The placeholder is not SQL, so it is replaced before parsing by an identifier of exactly the same length: every
 * offset either parser reports is then an offset in the original text too. A quoted identifier of tildes is used
 * because no real schema is plausibly called that; placeholders shorter than a quoted identifier's minimum of three
 * characters get underscores.
 */
export interface PlaceholderSubstitution {
  placeholder: string;
  /** The schema name both parsers report for the substituted identifier. */
  schemaName: string;
  apply(text: string): string;
  /** Puts the placeholder back into text read from a parser, such as a COMMENT ON string. */
  restore(text: string): string;
  schemaRef(schema: string | null | undefined): SchemaRef;
}

export function placeholderSubstitution(placeholder: string = SCHEMA_PLACEHOLDER): PlaceholderSubstitution {
  if (placeholder.length === 0) throw new Error('The schema placeholder must not be empty.');
  const quoted = placeholder.length >= 3;
  const schemaName = quoted ? '~'.repeat(placeholder.length - 2) : '_'.repeat(placeholder.length);
  const token = quoted ? `"${schemaName}"` : schemaName;
  return {
    placeholder,
    schemaName,
    apply: (text) => (text.includes(placeholder) ? text.split(placeholder).join(token) : text),
    restore: (text) => (text.includes(token) ? text.split(token).join(placeholder) : text),
    schemaRef(schema) {
      if (schema === null || schema === undefined) return { kind: 'unqualified' };
      if (schema === schemaName) return { kind: 'placeholder' };
      return { kind: 'named', name: schema };
    },
  };
}
