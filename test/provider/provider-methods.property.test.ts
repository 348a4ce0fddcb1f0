/**
 * Issue 9 — property tests over every provider method, in both implementations: called with random, empty, NULL,
 * oversized (10 MB), non-finite and out-of-range, ill-formed and hostile arguments, and with a clock that may return
 * anything, each call either succeeds or fails with a `ProviderError` carrying a SQLSTATE, and a failed call leaves
 * every table exactly as it was.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { PROVIDER_METHODS, type PostgresProvider, type ProviderMethod } from '../../provider/postgres-provider.js';
import { ProviderError } from '../../provider/provider-error.js';
import {
  hostileEvents,
  hostileItem,
  hostileList,
  hostileNumber,
  hostileScalar,
  holdsOversized,
  knownInstance,
  OVERSIZED,
  sensibleOr,
  SQLSTATE,
} from '../support/hostile-values.js';
import { emptyTables, snapshotTables } from '../support/table-snapshot.js';
import type { TenantSchema } from '../support/tenant-schema.js';
import { activityExecute, activityScheduled, startOrchestration } from '../support/work-items.js';
import { IMPLEMENTATIONS, providerTest } from './support/provider-factory.js';

/** Calls per method and implementation, the 10 MB example included: the whole file takes a few seconds. */
const RUNS = 8;
const BASE_MS = 1_800_000_000_000;

/** Stand-ins for the live lock tokens of the seeded state, which exist only once a test runs. */
const ORCHESTRATION_TOKEN = Symbol('orchestration lock token');
const WORKER_TOKEN = Symbol('worker lock token');

const token = fc.oneof(fc.constantFrom(ORCHESTRATION_TOKEN, WORKER_TOKEN), hostileScalar);
const instance = sensibleOr(knownInstance);
const executionId = sensibleOr(fc.integer({ min: 1, max: 3 }));
const duration = sensibleOr(fc.integer({ min: 1, max: 60_000 }));
const delay = fc.oneof(fc.constant(undefined), sensibleOr(fc.integer({ min: 0, max: 5_000 })));
const status = sensibleOr(fc.constantFrom('Running', 'Completed', 'Failed', 'ContinuedAsNew', 'Paused'));
const metadata = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        status,
        output: sensibleOr(fc.string({ maxLength: 8 })),
        orchestrationName: sensibleOr(fc.constant('Prop')),
        orchestrationVersion: sensibleOr(fc.constant('1.0.0')),
        parentInstanceId: sensibleOr(fc.constant('A')),
        pinnedVersion: sensibleOr(fc.record({ major: fc.nat(3), minor: fc.nat(3), patch: fc.nat(3) })),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: hostileScalar },
);

/** The clock mostly tells a sensible time; sometimes anything a user-supplied clock could return. */
const clockReading = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: BASE_MS, max: BASE_MS + 60_000 }) },
  { weight: 1, arbitrary: hostileNumber },
  { weight: 1, arbitrary: hostileScalar },
);

interface MethodCase {
  args: fc.Arbitrary<unknown[]>;
  /**
   * A call with 10 MB values, run first. Each costs half a second or more here, so three methods stand for the rest: a
   * turn that writes 20 MB, an enqueue whose 10 MB instance id no index takes (54000, after the start's other writes
   * in the same call), and a read looking one up. Every method meets the other hostile values.
   */
  oversized?: unknown[];
}

const none: MethodCase = { args: fc.constant([]) };
const optionalDuration = fc.oneof(fc.constant(undefined), sensibleOr(fc.integer({ min: 1, max: 60_000 })));
const version = fc.record({ major: sensibleOr(fc.nat(3)), minor: fc.nat(3), patch: fc.nat(3) });
const filter = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  hostileScalar,
  fc.record({ supportedVersions: fc.array(fc.record({ min: version, max: version }), { maxLength: 2 }) }),
);
const cancelled = fc.oneof(
  fc.constant(undefined),
  hostileScalar,
  fc.array(fc.record({ instance, executionId, activityId: sensibleOr(fc.nat(3)) }), { maxLength: 2 }),
);
const ALL_METHODS = PROVIDER_METHODS;
const byInstance: MethodCase = { args: fc.tuple(instance) };
const byExecution: MethodCase = { args: fc.tuple(instance, executionId) };

const METHODS: Record<ProviderMethod, MethodCase> = {
  fetchOrchestrationItem: { args: fc.tuple(optionalDuration, optionalDuration, filter) },
  ackOrchestrationItem: {
    args: fc.tuple(
      token,
      executionId,
      hostileEvents,
      hostileList(hostileItem),
      hostileList(hostileItem),
      metadata,
      cancelled,
    ),
    oversized: [
      ORCHESTRATION_TOKEN,
      1,
      [{ ActivityScheduled: { ...activityScheduled(1).ActivityScheduled, input: OVERSIZED } }],
      [],
      [],
      { status: 'Completed', output: OVERSIZED },
    ],
  },
  abandonOrchestrationItem: { args: fc.tuple(token, delay, fc.oneof(fc.constant(undefined), hostileScalar)) },
  renewOrchestrationItemLock: { args: fc.tuple(token, duration) },
  read: { ...byInstance, oversized: [OVERSIZED] },
  readWithExecution: byExecution,
  appendWithExecution: {
    args: fc.tuple(instance, executionId, hostileEvents),
  },
  enqueueWorkerWork: {
    args: fc.tuple(hostileItem),
  },
  dequeueWorkerPeekLock: none,
  ackWorker: {
    args: fc.tuple(token, hostileItem),
  },
  enqueueOrchestratorWork: {
    args: fc.tuple(hostileItem, delay),
    oversized: [startOrchestration(OVERSIZED)],
  },
  latestExecutionId: byInstance,
  listInstances: none,
  listExecutions: byInstance,
  listInstancesByStatus: { args: fc.tuple(status) },
  getInstanceInfo: byInstance,
  getExecutionInfo: byExecution,
  readExecution: byExecution,
  getSystemMetrics: none,
  getQueueDepths: none,
  fetchWorkItem: {
    args: fc.tuple(
      duration,
      fc.oneof(fc.constant(undefined), duration),
      fc.oneof(
        fc.constant(null),
        fc.record({ ownerId: sensibleOr(fc.constantFrom('A', 'B')), lockTimeoutMs: duration }, { requiredKeys: [] }),
        hostileScalar,
      ),
      fc.oneof(
        fc.constantFrom(undefined, 'defaultOnly', 'any', 'none'),
        fc.record({ tags: hostileList(sensibleOr(fc.constantFrom('gpu', 'cpu'))) }),
        fc.record({ defaultAnd: hostileList(sensibleOr(fc.constantFrom('gpu', 'cpu'))) }),
        hostileScalar,
      ),
    ),
  },
  ackWorkItem: { args: fc.tuple(token, fc.oneof(fc.constant(null), hostileItem)) },
  fetchWorkItems: {
    args: fc.tuple(
      sensibleOr(fc.integer({ min: 1, max: 3 })),
      duration,
      fc.oneof(fc.constantFrom(undefined, 'defaultOnly', 'any', 'none'), hostileScalar),
    ),
  },
  ackWorkItems: {
    args: fc.tuple(
      fc.oneof(
        hostileScalar,
        hostileList(
          fc.oneof(
            fc.record({ lockToken: token, completion: fc.oneof(fc.constant(null), hostileItem) }),
            hostileScalar,
          ),
        ),
      ),
    ),
  },
  renewWorkItemLock: { args: fc.tuple(token, duration) },
  abandonWorkItem: { args: fc.tuple(token, delay, sensibleOr(fc.boolean())) },
  renewSessionLock: { args: fc.tuple(hostileList(sensibleOr(fc.constantFrom('A', 'B'))), duration, duration) },
  cleanupOrphanedSessions: { args: fc.tuple(duration) },
};

/** The live tokens a call may be given; refreshed by every fetch and dequeue that returns one. */
interface Tokens {
  orchestration: string;
  worker: string;
}

/** Two started instances, one of them fetched, and one leased activity. */
async function seed(provider: PostgresProvider, tenant: TenantSchema): Promise<Tokens> {
  await emptyTables(tenant);
  for (const id of ['A', 'B']) await provider.enqueueOrchestratorWork(startOrchestration(id));
  const item = await provider.fetchOrchestrationItem();
  await provider.enqueueWorkerWork(activityExecute('A', 1));
  const lease = await provider.dequeueWorkerPeekLock();
  return { orchestration: item!.lockToken, worker: lease!.lockToken };
}

/** The arguments with the token placeholders replaced, also inside lists and objects (the acks of `ackWorkItems`). */
function withTokens(args: unknown[], tokens: Tokens): unknown[] {
  const replace = (value: unknown): unknown => {
    if (value === ORCHESTRATION_TOKEN) return tokens.orchestration;
    if (value === WORKER_TOKEN) return tokens.worker;
    if (Array.isArray(value)) return value.map(replace);
    if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, replace(field)]));
    }
    return value;
  };
  return args.map(replace);
}

describe.each(IMPLEMENTATIONS)('every provider method with hostile arguments (%s)', (implementation) => {
  const it = providerTest(implementation);

  it('covers every method', () => {
    expect(Object.keys(METHODS).sort()).toEqual([...ALL_METHODS].sort());
  });

  for (const method of ALL_METHODS) {
    it(`${method} succeeds or fails with a SQLSTATE, changing nothing when it fails`, async ({ createProvider }) => {
      let reading: unknown = BASE_MS;
      // The readings are far from the server's clock on purpose: the skew guard has its own tests.
      const { provider, tenant } = await createProvider({
        clock: () => reading as number,
        clockSkewLimits: { clockSkewWarnMs: Number.MAX_SAFE_INTEGER, clockSkewRefuseMs: Number.MAX_SAFE_INTEGER },
      });
      let tokens = await seed(provider, tenant);
      const { args, oversized } = METHODS[method];

      await fc.assert(
        fc.asyncProperty(clockReading, args, async (clock, generated) => {
          reading = clock;
          const callArgs = withTokens(generated, tokens);
          const before = await snapshotTables(tenant);
          const call = provider[method].bind(provider) as (...args: unknown[]) => Promise<unknown>;
          const outcome = await call(...callArgs).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          );
          if (outcome.ok) {
            const found = outcome.value as { lockToken?: unknown } | null;
            if (method === 'fetchOrchestrationItem' && typeof found?.lockToken === 'string') {
              tokens = { ...tokens, orchestration: found.lockToken };
            }
            if (
              (method === 'dequeueWorkerPeekLock' || method === 'fetchWorkItem') &&
              typeof found?.lockToken === 'string'
            ) {
              tokens = { ...tokens, worker: found.lockToken };
            }
            const batch = method === 'fetchWorkItems' ? (outcome.value as { lockToken: string }[]) : [];
            if (batch.length > 0) tokens = { ...tokens, worker: batch[0]!.lockToken };
            // A successful 10 MB write would make every later snapshot read it: start over instead.
            if (holdsOversized(callArgs)) {
              reading = BASE_MS;
              tokens = await seed(provider, tenant);
            }
            return;
          }
          const { error } = outcome;
          expect(error, String(error)).toBeInstanceOf(ProviderError);
          expect((error as ProviderError).sqlstate, (error as Error).message).toMatch(SQLSTATE);
          expect(await snapshotTables(tenant)).toEqual(before);
        }),
        { numRuns: RUNS, examples: oversized ? [[BASE_MS, oversized]] : [] },
      );
    });
  }
});
