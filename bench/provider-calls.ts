/**
 * Every provider call the benchmark makes, in one place: the provider's API (and the procedures' SQL, for seeding
 * and for pgbench) is changing to contract v2, and porting the benchmark should be a few lines here.
 */
import type pg from 'pg';
import { quoteIdentifier } from '../generator/runtime/quote-identifier.js';
import type { Implementation, PostgresProvider } from '../provider/postgres-provider.js';
import type { HistoryEvent } from '../provider/types/history-event.js';
import type { ExecutionMetadata } from '../provider/types/provider-types.js';
import type { ActivityCompletion, WorkItem } from '../provider/types/work-item.js';

export interface FetchedTurn {
  instance: string;
  messages: WorkItem[];
  historyLength: number;
  lockToken: string;
}

export interface LeasedWork {
  item: WorkItem;
  lockToken: string;
}

/**
 * The worker queue's v2 calls (`fetchWorkItem`, `ackWorkItem`) exist only as procedures; the inline baseline keeps
 * the v1 pair. Providers are registered here when opened, so each call below picks its implementation's own API.
 */
const inlineProviders = new WeakSet<PostgresProvider>();

export function registerProvider(provider: PostgresProvider, implementation: Implementation): void {
  if (implementation === 'inline') inlineProviders.add(provider);
}

export async function fetchTurn(provider: PostgresProvider): Promise<FetchedTurn | null> {
  const fetched = await provider.fetchOrchestrationItem();
  if (!fetched) return null;
  return {
    instance: fetched.item.instance,
    messages: fetched.item.messages,
    historyLength: fetched.item.history.length,
    lockToken: fetched.lockToken,
  };
}

export function ackTurn(
  provider: PostgresProvider,
  lockToken: string,
  events: HistoryEvent[],
  workerItems: WorkItem[],
  metadata: ExecutionMetadata,
): Promise<void> {
  return provider.ackOrchestrationItem(lockToken, 1, events, workerItems, [], metadata);
}

export function enqueueOrchestratorMessage(provider: PostgresProvider, item: WorkItem): Promise<void> {
  return provider.enqueueOrchestratorWork(item);
}

export async function fetchWork(provider: PostgresProvider): Promise<LeasedWork | null> {
  const lease = inlineProviders.has(provider)
    ? await provider.dequeueWorkerPeekLock()
    : await provider.fetchWorkItem(provider.lockTimeoutMs);
  return lease ? { item: lease.item, lockToken: lease.lockToken } : null;
}

export function ackWork(provider: PostgresProvider, lockToken: string, completion: ActivityCompletion): Promise<void> {
  return inlineProviders.has(provider)
    ? provider.ackWorker(lockToken, completion)
    : provider.ackWorkItem(lockToken, completion);
}

/** The reads the per-operation table times. */
export const reads = {
  history: (provider: PostgresProvider, instance: string) => provider.read(instance),
  latestExecutionId: (provider: PostgresProvider, instance: string) => provider.latestExecutionId(instance),
  instanceInfo: (provider: PostgresProvider, instance: string) => provider.getInstanceInfo(instance),
};

// --- SQL: bulk seeding in one statement (one commit), through the same procedures ---------------------------------

const nowMs = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * Statistics for a freshly seeded table, as autovacuum would gather within its next minute: without them the plans of
 * the first calls follow the previous run's shape (say, one instance with 5,000 messages) and the curve would measure
 * stale statistics instead of the store.
 */
async function analyze(db: pg.Pool, schema: string, table: string): Promise<void> {
  await db.query(`ANALYZE ${quoteIdentifier(schema)}.${quoteIdentifier(table)}`);
}

/** `count` messages (`$2`, JSON, `%` in any string replaced by the row number) on the orchestrator queue. */
export async function seedOrchestratorMessages(
  db: pg.Pool,
  schema: string,
  template: WorkItem,
  count: number,
): Promise<void> {
  await db.query(
    `SELECT ${quoteIdentifier(schema)}.sp_enqueue_orchestrator_work(replace($2::text, '%', i::text)::jsonb, ${nowMs})
       FROM generate_series(1, $1::int) AS i`,
    [count, JSON.stringify(template)],
  );
  await analyze(db, schema, 'orchestrator_queue');
}

/** `count` items on the worker queue, like `seedOrchestratorMessages`. */
export async function seedWorkItems(db: pg.Pool, schema: string, template: WorkItem, count: number): Promise<void> {
  await db.query(
    `SELECT ${quoteIdentifier(schema)}.sp_enqueue_worker_work(replace($2::text, '%', i::text)::jsonb, ${nowMs})
       FROM generate_series(1, $1::int) AS i`,
    [count, JSON.stringify(template)],
  );
  await analyze(db, schema, 'worker_queue');
}

/** Leases `count` worker items in one statement and keeps them leased (no ack): the backlog an idle dequeue passes. */
export async function leaseWorkItems(db: pg.Pool, schema: string, count: number): Promise<void> {
  await db.query(
    // `0 * i` ties the call to the row: an uncorrelated subquery would run once.
    `SELECT (SELECT lock_token FROM ${quoteIdentifier(schema)}.sp_fetch_work_item(${nowMs} + 0 * i, 3600000))
       FROM generate_series(1, $1::int) AS i`,
    [count],
  );
  await analyze(db, schema, 'worker_queue');
}

// --- pgbench: one turn (enqueue a start, fetch a turn, ack it complete) as the provider sends it ------------------

/**
 * A pgbench script (run with `-M prepared`, where `:name` is a parameter) for the same turn `turnLoop` drives from
 * TypeScript: the same procedures with the same arguments.
 */
export function pgbenchTurnScript(schema: string, events: HistoryEvent[]): string {
  const s = quoteIdentifier(schema);
  // pgbench reads `:name` as a variable even inside a literal: a space after every JSON colon keeps it text.
  const eventsLiteral = JSON.stringify(events, null, 1).replace(/\n\s*/g, ' ').replaceAll("'", "''");
  return [
    `\\set r random(1, 999999999999)`,
    `SELECT ${s}.sp_enqueue_orchestrator_work(jsonb_build_object('StartOrchestration', jsonb_build_object(` +
      `'instance', 'pgb-' || :client_id::text || '-' || :r::text, 'orchestration', 'Bench', 'input', '{}', ` +
      `'version', '1.0.0', 'parent_instance', NULL, 'parent_id', NULL, 'execution_id', 1)), ${nowMs}, NULL::bigint);`,
    `SELECT coalesce(f.lock_token, '') AS lock_token, (f.lock_token IS NOT NULL)::int AS got ` +
      `FROM (SELECT 1) AS one LEFT JOIN LATERAL ${s}.sp_fetch_orchestration_item(${nowMs}, 30000) AS f ON true \\gset`,
    `\\if :got`,
    `SELECT ${s}.sp_ack_orchestration_item(:lock_token, ${nowMs}, 1, '${eventsLiteral}'::jsonb, '[]'::jsonb, ` +
      `'[]'::jsonb, 'Completed', '"done"', 'Bench', '1.0.0');`,
    `\\endif`,
    '',
  ].join('\n');
}
