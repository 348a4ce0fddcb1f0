/**
 * Arbitraries for the property tests of the provider and the generated client: every kind of value a caller could
 * pass where an id, a time, a string or a JSON document is expected — random, empty, NULL, oversized, non-finite and
 * out-of-range numbers, ill-formed strings and hostile identifiers — mixed with values that make calls succeed, so the
 * tests reach the writes as well as the refusals.
 */
import fc from 'fast-check';
import { activityCompleted, activityScheduled, externalRaised, orchestrationStarted } from './work-items.js';

/** 10 MB of text: past every index's row limit, well inside jsonb's. */
export const OVERSIZED = 'x'.repeat(10 * 1024 * 1024);

/** Strings that have broken SQL builders, quoting or encodings somewhere. */
const NASTY_TEXT = [
  '',
  ' ',
  '\uD800',
  'a\uDC00b',
  '\uDBFF',
  '\u0000',
  'A\u0000',
  "'; DROP TABLE instances; --",
  '"',
  '""',
  '$$',
  '$x$ $$ $x$',
  '\\',
  '%I',
  '%s %1$I',
  '{schema}',
  'public.instances',
  'NULL',
  'Ünïcødé 😀',
  '\r\n\t',
];

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(...NASTY_TEXT),
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    -1,
    0.5,
    1,
    2 ** 53,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
);

/** Anything at all where one value is expected. */
export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  hostileNumber,
  fc.constantFrom(null, undefined, true, false, 1n, 2n ** 70n, -(2n ** 64n), [], {}, new Date(Number.NaN)),
);

const KINDS = [
  'StartOrchestration',
  'ActivityExecute',
  'ActivityCompleted',
  'ActivityFailed',
  'TimerFired',
  'ExternalRaised',
  'SubOrchCompleted',
  'SubOrchFailed',
  'CancelInstance',
  'ContinueAsNew',
  'OrchestrationStarted',
  'ActivityScheduled',
];
const FIELDS = [
  'instance',
  'parent_instance',
  'orchestration',
  'version',
  'execution_id',
  'fire_at_ms',
  'event_id',
  'id',
  'name',
  'input',
  'details',
];

/** Instance ids the seeded state knows, so some calls find what they look for. */
export const knownInstance = fc.constantFrom('A', 'B', 'C');

/** `{ Kind: { field: value, ... } }` with known and unknown kinds and fields, sensible and hostile values. */
export const workItemLike: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KINDS) }, { weight: 1, arbitrary: hostileText }),
    fc.dictionary(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: hostileText }),
      fc.oneof(knownInstance, fc.integer({ min: 0, max: 3 }), hostileScalar, fc.constant(null)),
      { maxKeys: 6 },
    ),
  )
  .map(([kind, body]) => ({ [kind]: body }));

/** Work items and events the procedures accept, with a random instance and ids. */
const validItem: fc.Arbitrary<unknown> = fc
  .tuple(knownInstance, fc.integer({ min: 1, max: 6 }))
  .chain(([instance, id]) =>
    fc.constantFrom<unknown>(
      { StartOrchestration: { instance, orchestration: 'Prop', input: '{}', version: null, execution_id: 1 } },
      externalRaised(instance),
      activityCompleted(instance, id),
      { TimerFired: { instance, execution_id: 1, id, fire_at_ms: 1_800_000_000_000 + id } },
      { ActivityExecute: { instance, execution_id: 1, id, name: 'Prop', input: '' } },
    ),
  );

const validEvent: fc.Arbitrary<unknown> = fc
  .integer({ min: 1, max: 8 })
  .chain((eventId) => fc.constantFrom<unknown>(orchestrationStarted(eventId), activityScheduled(eventId)));

/** One JSON document: a sensible work item, a malformed one, or anything else. */
export const hostileItem: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: validItem },
  { weight: 3, arbitrary: workItemLike },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({ ExternalRaised: { instance: 'A', data: 1n } }, [Number.NaN]) },
);

/** A list of events or work items, or something that is not a list. */
export function hostileList(element: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(element, { maxLength: 3 }) },
    { weight: 1, arbitrary: hostileScalar },
  );
}

export const hostileEvents = hostileList(fc.oneof(validEvent, workItemLike));

/** A value for a parameter: a sensible one or anything at all. */
export function sensibleOr<T>(sensible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 2, arbitrary: sensible }, { weight: 1, arbitrary: hostileScalar });
}

/** Whether a value holds the oversized string anywhere (such a call may write 10 MB, which later snapshots would read). */
export function holdsOversized(value: unknown): boolean {
  if (value === OVERSIZED) return true;
  if (Array.isArray(value)) return value.some(holdsOversized);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, inner]) => key === OVERSIZED || holdsOversized(inner));
  }
  return false;
}

/** Five-character SQLSTATE. */
export const SQLSTATE = /^[0-9A-Z]{5}$/;
