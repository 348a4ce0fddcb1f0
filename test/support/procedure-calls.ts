import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import pg from 'pg';
import { beforeEach, expect } from 'vitest';
import { emptyTables, snapshotTables } from './table-snapshot.js';
import { type TenantSchema, useTenantSchema } from './tenant-schema.js';

/** A fixed "now" for every test: the procedures never read the database clock, so time is whatever we pass. */
export const BASE_MS = 1_800_000_000_000;

/** Lock timeout used by tests that do not care about its length. */
export const LOCK_MS = 30_000;

/**
 * JSONB parameters go in as JSON text: node-postgres would turn a JS array into a PostgreSQL array literal, and a
 * JSON text is what the generated client sends too.
 */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

/** `SELECT * FROM <tenant>.<procedure>($1, …)` with the arguments as parameters. */
export async function call<Row extends pg.QueryResultRow = Record<string, unknown>>(
  tenant: TenantSchema,
  procedure: string,
  ...args: unknown[]
): Promise<pg.QueryResult<Row>> {
  const placeholders = args.map((_, i) => `$${i + 1}`).join(', ');
  return tenant.pool.query<Row>(`SELECT * FROM ${tenant.quoted}.${quoteIdentifier(procedure)}(${placeholders})`, args);
}

/** The rejection of a call, failing the test when the call succeeds or fails with something other than SQL. */
export async function sqlError(promise: Promise<unknown>): Promise<pg.DatabaseError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected the call to fail, it returned ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(pg.DatabaseError);
  return outcome.error as pg.DatabaseError;
}

export interface ExpectedFailure {
  code: string;
  /** Exact message text, or a pattern where only part of it is fixed. */
  message?: string | RegExp;
}

/**
 * Runs a call that must fail with `expected`, and asserts that every provider table is exactly as it was before.
 */
export async function expectFailureChangesNothing(
  tenant: TenantSchema,
  run: () => Promise<unknown>,
  expected: ExpectedFailure,
): Promise<pg.DatabaseError> {
  const before = await snapshotTables(tenant);
  const error = await sqlError(run());
  expect(error.code, error.message).toBe(expected.code);
  if (typeof expected.message === 'string') expect(error.message).toBe(expected.message);
  else if (expected.message) expect(error.message).toMatch(expected.message);
  expect(await snapshotTables(tenant)).toEqual(before);
  return error;
}

/** All rows of one provider table, ordered by the given columns. */
export async function tableRows<Row extends pg.QueryResultRow = Record<string, unknown>>(
  tenant: TenantSchema,
  table: string,
  orderBy = '1',
): Promise<Row[]> {
  const result = await tenant.pool.query<Row>(
    `SELECT * FROM ${tenant.quoted}.${quoteIdentifier(table)} ORDER BY ${orderBy}`,
  );
  return result.rows;
}

export interface FetchedItem {
  instance_id: string;
  orchestration_name: string;
  orchestration_version: string;
  execution_id: string;
  history: unknown[];
  messages: unknown[];
  lock_token: string;
  attempt_count: number;
  kv_snapshot: Record<string, { value: string; last_updated_at_ms: number }>;
}

/** The capability filter's range of sp_fetch_orchestration_item: [min, max] as (major, minor, patch) each. */
export type VersionRange = [[number, number, number], [number, number, number]];

/** One fetch; undefined when no instance is eligible. */
export async function fetchItem(
  tenant: TenantSchema,
  nowMs: number,
  lockTimeoutMs = LOCK_MS,
  options: { versions?: VersionRange | null; orphanRetryMs?: number } = {},
): Promise<FetchedItem | undefined> {
  const [min, max] = options.versions ?? [
    [null, null, null],
    [null, null, null],
  ];
  const result = await call<FetchedItem>(
    tenant,
    'sp_fetch_orchestration_item',
    nowMs,
    lockTimeoutMs,
    ...min,
    ...max,
    options.orphanRetryMs ?? 1000,
  );
  expect(result.rows.length).toBeLessThanOrEqual(1);
  return result.rows[0];
}

export interface Turn {
  executionId?: number;
  delta?: unknown[];
  workerItems?: unknown[];
  orchestratorItems?: unknown[];
  status?: string | null;
  output?: string | null;
  name?: string | null;
  version?: string | null;
  parentInstanceId?: string | null;
  pinned?: [number, number, number] | null;
  cancelled?: unknown;
}

/** The metadata of a first turn that creates the instance row (v2: only name AND version do). */
export const FIRST_TURN = { name: 'TestOrch', version: '1.0.0' } as const satisfies Turn;

/** sp_ack_orchestration_item with every parameter spelled out; omitted parts are an empty turn. */
export function ackItem(tenant: TenantSchema, lockToken: string | null, nowMs: number, turn: Turn = {}) {
  return call(
    tenant,
    'sp_ack_orchestration_item',
    lockToken,
    nowMs,
    turn.executionId ?? 1,
    json(turn.delta ?? []),
    json(turn.workerItems ?? []),
    json(turn.orchestratorItems ?? []),
    turn.status ?? null,
    turn.output ?? null,
    turn.name ?? null,
    turn.version ?? null,
    turn.parentInstanceId ?? null,
    ...(turn.pinned ?? [null, null, null]),
    turn.cancelled === undefined ? json([]) : turn.cancelled === null ? null : json(turn.cancelled),
  );
}

/** sp_enqueue_orchestrator_work; returns the new queue id as node-postgres gives it (int8 → string). */
export async function enqueueOrchestrator(
  tenant: TenantSchema,
  item: unknown,
  nowMs: number,
  delayMs: number | null = null,
): Promise<string> {
  const result = await call<{ sp_enqueue_orchestrator_work: string }>(
    tenant,
    'sp_enqueue_orchestrator_work',
    json(item),
    nowMs,
    delayMs,
  );
  return result.rows[0]!.sp_enqueue_orchestrator_work;
}

/** sp_enqueue_worker_work; returns the new queue id (string). */
export async function enqueueWorker(tenant: TenantSchema, item: unknown, nowMs: number): Promise<string> {
  const result = await call<{ sp_enqueue_worker_work: string }>(tenant, 'sp_enqueue_worker_work', json(item), nowMs);
  return result.rows[0]!.sp_enqueue_worker_work;
}

/** sp_append_history with events given as JS values. */
export function appendHistory(
  tenant: TenantSchema,
  instanceId: string,
  executionId: number,
  events: unknown[],
  nowMs = BASE_MS,
) {
  return call(tenant, 'sp_append_history', instanceId, executionId, json(events), nowMs);
}

/** Fetches the next item, checks it belongs to `instanceId`, and acks it with `turn`; returns the fetched item. */
export async function runTurn(
  tenant: TenantSchema,
  instanceId: string,
  nowMs: number,
  turn: Turn = {},
): Promise<FetchedItem> {
  const item = await fetchItem(tenant, nowMs);
  expect(item?.instance_id).toBe(instanceId);
  await ackItem(tenant, item!.lock_token, nowMs, turn);
  return item!;
}

/**
 * Enqueues a start and commits its first (empty) turn at `nowMs` with the start's name and version, so the instance
 * row exists from `nowMs` on (contract v2: an instance is created by its first ack, not by the enqueue).
 */
export async function startInstance(
  tenant: TenantSchema,
  start: { StartOrchestration: { instance: string; orchestration: string; version: string | null } },
  nowMs = BASE_MS,
): Promise<void> {
  const { instance, orchestration, version } = start.StartOrchestration;
  await enqueueOrchestrator(tenant, start, nowMs);
  await runTurn(tenant, instance, nowMs, { name: orchestration, version: version ?? '1.0.0' });
}

/** The start of a test file on the procedures: a migrated schema of its own, every table emptied before each test. */
export function useEmptyTenantSchema(options: Parameters<typeof useTenantSchema>[0] = {}): TenantSchema {
  const tenant = useTenantSchema(options);
  beforeEach(() => emptyTables(tenant));
  return tenant;
}
