/**
 * Issue 9 — property tests over every wrapper of the generated client (`generated/procedures.ts`), the procedures'
 * own API: called with random, empty, NULL, oversized (10 MB), non-finite and out-of-range (int8 beyond 2^53 as a
 * bigint too), ill-formed and hostile arguments, each call either succeeds or fails with a SQLSTATE — a
 * `ProcedureError` from the server or a `ProcedureValueError` the client raised before sending — and a failed call
 * leaves every table exactly as it was.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../generated/procedures.js';
import { ProcedureError, ProcedureValueError, quoteIdentifier } from '../../generator/runtime/index.js';
import {
  hostileEvents,
  hostileItem,
  hostileList,
  hostileScalar,
  hostileText,
  holdsOversized,
  knownInstance,
  OVERSIZED,
  sensibleOr,
  SQLSTATE,
} from '../support/hostile-values.js';
import { emptyTables, snapshotTables } from '../support/table-snapshot.js';
import { randomSchemaName, useTenantSchema } from '../support/tenant-schema.js';
import { activityExecute, activityScheduled, startOrchestration } from '../support/work-items.js';

/** Calls per wrapper, the 10 MB example included. */
const RUNS = 8;
const BASE_MS = 1_800_000_000_000;

const tenant = useTenantSchema();
type Client = ReturnType<typeof createClient>;

/** Schemas the schema-management wrappers may create all start with this, so they can be found and dropped. */
const PREFIX = randomSchemaName('pw');

afterAll(async () => {
  const created = await tenant.pool.query<{ name: string }>(
    'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
    [PREFIX],
  );
  for (const { name } of created.rows) {
    await tenant.pool.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`);
  }
});

const ORCHESTRATION_TOKEN = Symbol('orchestration lock token');
const WORKER_TOKEN = Symbol('worker lock token');

/** int8 arguments: numbers of every kind, and bigints (which the client sends as they are) inside and beyond 2^53. */
const int8 = (sensible: fc.Arbitrary<number>) =>
  fc.oneof(
    { weight: 3, arbitrary: sensible },
    { weight: 1, arbitrary: hostileScalar },
    { weight: 1, arbitrary: fc.constantFrom(2n ** 53n, 2n ** 63n - 1n, -1n, 1n) },
  );
const nowMs = int8(fc.integer({ min: BASE_MS, max: BASE_MS + 60_000 }));
const executionId = int8(fc.integer({ min: 1, max: 3 }));
const delayMs = int8(fc.integer({ min: 0, max: 5_000 }));
const lockTimeoutMs = int8(fc.integer({ min: 1, max: 30_000 }));
/** int4 arguments (version parts): small numbers, and the edges of the type. */
const versionPart = fc.oneof(
  { weight: 3, arbitrary: fc.nat(5) },
  { weight: 1, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 31 - 1, 2 ** 31) },
);
const token = fc.oneof(fc.constantFrom(ORCHESTRATION_TOKEN, WORKER_TOKEN), hostileScalar);
const instanceId = sensibleOr(knownInstance);
const text = sensibleOr(fc.string({ maxLength: 8 }));
const schemaName = fc.oneof(
  { weight: 3, arbitrary: hostileText.map((suffix) => `${PREFIX}${suffix}`) },
  { weight: 1, arbitrary: fc.constant('tenant') },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 1, '') },
);

/** A params object with any of its keys left out, or no object at all. */
function params(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.record(fields, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, {}, 'params') },
  );
}

interface WrapperCase {
  params: fc.Arbitrary<unknown>;
  /** Params with 10 MB values, run first (each costs half a second or more: three wrappers stand for the rest). */
  oversized?: Record<string, unknown>;
}

const noParams: WrapperCase = { params: fc.constantFrom(undefined, {}, null) };

const WRAPPERS: Record<string, WrapperCase> = {
  createSchema: { params: params({ schemaName }), oversized: { schemaName: `${PREFIX}${OVERSIZED}` } },
  initializeTables: { params: params({ schemaName }) },
  createIndexes: { params: params({ schemaName }) },
  listInstances: noParams,
  listExecutions: { params: params({ instanceId }) },
  getLatestExecutionId: { params: params({ instanceId }) },
  readHistory: { params: params({ instanceId, executionId }) },
  readCurrentHistory: { params: params({ instanceId }) },
  getInstanceInfo: { params: params({ instanceId }) },
  getExecutionInfo: { params: params({ instanceId, executionId }) },
  listInstancesByStatus: { params: params({ status: text }) },
  getSystemMetrics: noParams,
  getQueueDepths: { params: params({ nowMs }) },
  enqueueWorkerWork: { params: params({ workItem: hostileItem, nowMs }) },
  appendHistory: {
    params: params({ instanceId, executionId, events: hostileEvents, nowMs }),
    oversized: {
      instanceId: 'A',
      executionId: 1,
      events: [{ ActivityScheduled: { ...activityScheduled(1).ActivityScheduled, input: OVERSIZED } }],
      nowMs: BASE_MS,
    },
  },
  enqueueOrchestratorWork: {
    params: params({ workItem: hostileItem, nowMs, delayMs }),
    oversized: { workItem: startOrchestration(OVERSIZED), nowMs: BASE_MS },
  },
  fetchWorkItem: {
    params: params({
      nowMs,
      lockTimeoutMs,
      ownerId: text,
      sessionLockTimeoutMs: lockTimeoutMs,
      tagMode: sensibleOr(fc.constantFrom('default_only', 'tags', 'default_and', 'any', 'gpu')),
      tags: hostileList(text),
    }),
  },
  ackWorkItem: { params: params({ lockToken: token, completion: hostileItem, nowMs }) },
  fetchWorkItems: {
    params: params({
      nowMs,
      lockTimeoutMs,
      maxItems: sensibleOr(fc.integer({ min: 1, max: 3 })),
      tagMode: sensibleOr(fc.constantFrom('default_only', 'tags', 'any')),
      tags: hostileList(text),
    }),
  },
  ackWorkItems: {
    params: params({
      lockTokens: hostileList(token),
      completions: hostileList(fc.oneof(fc.constant(null), hostileItem)),
      nowMs,
    }),
  },
  renewWorkItemLock: { params: params({ lockToken: token, nowMs, extendMs: lockTimeoutMs }) },
  abandonWorkItem: {
    params: params({ lockToken: token, nowMs, delayMs, ignoreAttempt: sensibleOr(fc.boolean()) }),
  },
  renewSessionLock: {
    params: params({ ownerIds: hostileList(text), nowMs, extendMs: lockTimeoutMs, idleTimeoutMs: delayMs }),
  },
  cleanupOrphanedSessions: { params: params({ nowMs, idleTimeoutMs: delayMs }) },
  fetchOrchestrationItem: {
    params: params({
      nowMs,
      lockTimeoutMs,
      minMajor: versionPart,
      minMinor: versionPart,
      minPatch: versionPart,
      maxMajor: versionPart,
      maxMinor: versionPart,
      maxPatch: versionPart,
      orphanRetryMs: delayMs,
    }),
  },
  ackOrchestrationItem: {
    params: params({
      lockToken: token,
      nowMs,
      executionId,
      historyDelta: hostileEvents,
      workerItems: hostileList(hostileItem),
      orchestratorItems: hostileList(hostileItem),
      status: sensibleOr(fc.constantFrom('Running', 'Completed', 'Failed', 'Paused')),
      output: text,
      orchestrationName: text,
      orchestrationVersion: text,
      parentInstanceId: text,
      pinnedMajor: versionPart,
      pinnedMinor: versionPart,
      pinnedPatch: versionPart,
      cancelledActivities: sensibleOr(
        fc.array(fc.record({ instance: instanceId, execution_id: executionId, activity_id: versionPart })),
      ),
    }),
  },
  abandonOrchestrationItem: {
    params: params({ lockToken: token, nowMs, delayMs, ignoreAttempt: sensibleOr(fc.boolean()) }),
  },
  renewOrchestrationItemLock: { params: params({ lockToken: token, nowMs, extendMs: lockTimeoutMs }) },
  procedureFingerprint: noParams,
  // Contract v2 management (0010)
  getCustomStatus: { params: params({ instanceId, lastSeenVersion: executionId }) },
  getKvValue: { params: params({ instanceId, key: text }) },
  getKvAllValues: { params: params({ instanceId }) },
  getInstanceStats: { params: params({ instanceId }) },
  listChildren: { params: params({ instanceId }) },
  getParentId: { params: params({ instanceId }) },
  getInstanceTree: { params: params({ instanceId }) },
  deleteInstancesAtomic: { params: params({ instanceIds: hostileList(instanceId), force: sensibleOr(fc.boolean()) }) },
  deleteInstance: { params: params({ instanceId, force: sensibleOr(fc.boolean()) }) },
  deleteInstanceBulk: {
    params: params({ instanceIds: hostileList(instanceId), completedBeforeMs: nowMs, limit: executionId }),
  },
  pruneExecutions: { params: params({ instanceId, keepLast: executionId, completedBeforeMs: nowMs }) },
  pruneExecutionsBulk: {
    params: params({
      instanceIds: hostileList(instanceId),
      completedBeforeMs: nowMs,
      limit: executionId,
      keepLast: executionId,
      pruneCompletedBeforeMs: nowMs,
    }),
  },
  // Long polling (0011)
  nextVisibleAt: { params: params({ nowMs, horizonMs: delayMs }) },
};

/** Not called here: dropping every table and function is its job (test/procedures/schema-management.test.ts). */
const NOT_CALLED = ['cleanupSchema'];
/** The client's own members that are not procedure wrappers. */
const NOT_WRAPPERS = ['fingerprint', 'checkFingerprint', 'assertFingerprint'];

interface Tokens {
  orchestration: string;
  worker: string;
}

async function seed(client: Client): Promise<Tokens> {
  await emptyTables(tenant);
  for (const id of ['A', 'B']) {
    await client.enqueueOrchestratorWork({ workItem: startOrchestration(id), nowMs: BASE_MS });
  }
  const item = await client.fetchOrchestrationItem({ nowMs: BASE_MS, lockTimeoutMs: 30_000 });
  await client.enqueueWorkerWork({ workItem: activityExecute('A', 1), nowMs: BASE_MS });
  const lease = await client.fetchWorkItem({ nowMs: BASE_MS, lockTimeoutMs: 30_000 });
  return { orchestration: item!.lockToken, worker: lease!.lockToken };
}

/**
 * The generated token markers replaced by live tokens (also in lists: `ackWorkItems`' tokens), and 'tenant' by the
 * tenant's schema name.
 */
function resolve(value: unknown, tokens: Tokens): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const live = (inner: unknown): unknown =>
    inner === ORCHESTRATION_TOKEN ? tokens.orchestration : inner === WORKER_TOKEN ? tokens.worker : inner;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      Array.isArray(inner) ? inner.map(live) : key === 'schemaName' && inner === 'tenant' ? tenant.name : live(inner),
    ]),
  );
}

describe('every generated wrapper with hostile arguments', () => {
  it('covers every wrapper', () => {
    const client = createClient(tenant.pool, { schema: tenant.name });
    const wrappers = Object.keys(client).filter((key) => !NOT_WRAPPERS.includes(key));
    expect([...Object.keys(WRAPPERS), ...NOT_CALLED].sort()).toEqual(wrappers.sort());
  });

  it.each(Object.keys(WRAPPERS))(
    '%s succeeds or fails with a SQLSTATE, changing nothing when it fails',
    async (name) => {
      const client = createClient(tenant.pool, { schema: tenant.name });
      let tokens = await seed(client);
      const wrapper = (params: unknown) =>
        (client[name as keyof Client] as (this: void, params?: unknown) => Promise<unknown>)(params);
      const { params: arbitrary, oversized } = WRAPPERS[name]!;

      await fc.assert(
        fc.asyncProperty(arbitrary, async (generated) => {
          const args = resolve(generated, tokens);
          const before = await snapshotTables(tenant);
          const outcome = await wrapper(args).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          );
          if (outcome.ok) {
            const found = outcome.value as { lockToken?: unknown } | null;
            if (name === 'fetchOrchestrationItem' && typeof found?.lockToken === 'string') {
              tokens = { ...tokens, orchestration: found.lockToken };
            }
            if (name === 'dequeueWorkerPeekLock' && typeof found?.lockToken === 'string') {
              tokens = { ...tokens, worker: found.lockToken };
            }
            if (holdsOversized(args)) tokens = await seed(client);
            return;
          }
          const { error } = outcome;
          const isClientError = error instanceof ProcedureError || error instanceof ProcedureValueError;
          expect(isClientError, String(error)).toBe(true);
          expect((error as ProcedureError).sqlstate, (error as Error).message).toMatch(SQLSTATE);
          expect(await snapshotTables(tenant)).toEqual(before);
        }),
        { numRuns: RUNS, examples: oversized ? [[oversized]] : [] },
      );
    },
  );
});
