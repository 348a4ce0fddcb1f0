import { toProcedureError } from './procedure-error.js';
import type { Queryable } from './queryable.js';

export interface FingerprintCheck {
  matches: boolean;
  /** The fingerprint of the SQL the client was generated from. */
  expected: string;
  /** What the database recorded, or null when the fingerprint function returned NULL. */
  actual: string | null;
}

export class FingerprintMismatchError extends Error {
  override readonly name = 'FingerprintMismatchError';
  constructor(readonly check: FingerprintCheck) {
    super(
      `The database's procedures (fingerprint ${check.actual ?? 'none recorded'}) differ from the ones this client ` +
        `was generated from (fingerprint ${check.expected}); run the migrations or regenerate the client`,
    );
  }
}

export function compareFingerprints(expected: string, actual: string | null): FingerprintCheck {
  return { matches: actual !== null && actual.toLowerCase() === expected.toLowerCase(), expected, actual };
}

/** Runs `text` (a generated `SELECT <schema>.<fingerprint function>() AS value`) and compares its result. */
export async function readFingerprint(db: Queryable, text: string, expected: string): Promise<FingerprintCheck> {
  let rows: { value?: unknown }[];
  try {
    rows = (await db.query(text, [])).rows as { value?: unknown }[];
  } catch (error) {
    throw toProcedureError('fingerprint', error);
  }
  const value = rows[0]?.value;
  return compareFingerprints(expected, typeof value === 'string' ? value : null);
}

export async function assertFingerprint(db: Queryable, text: string, expected: string): Promise<void> {
  const check = await readFingerprint(db, text, expected);
  if (!check.matches) throw new FingerprintMismatchError(check);
}
