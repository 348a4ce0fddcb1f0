/** Conversions of what node-postgres returns (int8 and counts as strings, timestamptz as Date). */

export function toNumber(value: string | number): number {
  return typeof value === 'number' ? value : Number(value);
}

export function toNullableNumber(value: string | number | null | undefined): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

export function toEpochMs(value: Date): number {
  return value.getTime();
}

/** What PostgreSQL's `->>` yields for a JSON value: the string itself, other values as JSON text, null for null. */
export function jsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** PostgreSQL's `value -> key`: the member of an object, undefined for anything else (stored rows may be corrupt). */
export function member(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
