/**
 * Long-poll wake-up latency (contract v2 §3.15): the time from the start of an enqueue to the return of a fetch that
 * was already waiting for work. The consumer is a long-polling provider, the producer a second provider on the same
 * schema (as another process would be), so the wake-up goes through NOTIFY at the enqueue's commit and the
 * consumer's listener. Shared by `npm run bench:long-poll` and scenario 8 of `npm run bench`.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { pause, percentiles, type Percentiles } from '../stats.js';
import { newPool } from './providers.js';

/** Long enough never to end a wait: a fetch that times out is reported as a failure. */
const POLL_TIMEOUT_MS = 5_000;
/** Fetched items are never acked: their locks must outlast the run. */
const LOCK_TIMEOUT_MS = 600_000;
/** Time for the fetch to make its first (empty) attempt and start waiting before the enqueue. */
const SETTLE_MS = 5;

export interface WakeupFigures {
  queue: 'worker' | 'orchestrator';
  name: string;
  rounds: number;
  /** Enqueue start → the waiting fetch returns, ms. */
  wakeupMs: Percentiles;
  /** The enqueue call alone, ms. */
  enqueueMs: Percentiles;
}

interface Case {
  queue: WakeupFigures['queue'];
  name: string;
  /** Starts a waiting fetch; resolves to the id of what it fetched (null on timeout). */
  fetch: (consumer: PostgresProvider) => Promise<string | null>;
  enqueue: (producer: PostgresProvider, id: string) => Promise<void>;
}

const CASES: Case[] = [
  {
    queue: 'worker',
    name: 'worker queue: enqueueWorkerWork → waiting fetchWorkItem',
    fetch: async (consumer) => {
      const lease = await consumer.fetchWorkItem(LOCK_TIMEOUT_MS, POLL_TIMEOUT_MS);
      return lease ? (lease.item as { ActivityExecute: { instance: string } }).ActivityExecute.instance : null;
    },
    enqueue: (producer, id) =>
      producer.enqueueWorkerWork({ ActivityExecute: { instance: id, execution_id: 1, id: 1, name: 'A', input: '' } }),
  },
  {
    queue: 'orchestrator',
    name: 'orchestrator queue: enqueueOrchestratorWork → waiting fetchOrchestrationItem',
    fetch: async (consumer) =>
      (await consumer.fetchOrchestrationItem(LOCK_TIMEOUT_MS, POLL_TIMEOUT_MS))?.item.instance ?? null,
    enqueue: (producer, id) =>
      producer.enqueueOrchestratorWork({
        StartOrchestration: {
          instance: id,
          orchestration: 'Bench',
          input: '{}',
          version: null,
          parent_instance: null,
          parent_id: null,
          execution_id: 1,
        },
      }),
  },
];

async function measureCase(
  benchCase: Case,
  consumer: PostgresProvider,
  producer: PostgresProvider,
  rounds: number,
  warmup: number,
): Promise<WakeupFigures> {
  const wakeups: number[] = [];
  const enqueues: number[] = [];
  for (let round = 0; round < warmup + rounds; round++) {
    const id = `lp-${round}`;
    const fetched = benchCase.fetch(consumer).then((got) => ({ got, at: performance.now() }));
    await pause(SETTLE_MS);
    const begin = performance.now();
    await benchCase.enqueue(producer, id);
    const enqueued = performance.now();
    const { got, at } = await fetched;
    if (got !== id) throw new Error(`round ${round}: the waiting fetch returned ${got} instead of ${id}`);
    if (round >= warmup) {
      wakeups.push(at - begin);
      enqueues.push(enqueued - begin);
    }
  }
  return {
    queue: benchCase.queue,
    name: benchCase.name,
    rounds,
    wakeupMs: percentiles(wakeups),
    enqueueMs: percentiles(enqueues),
  };
}

/** Both queues, one waiting fetch at a time, on a schema of its own (dropped at the end). */
export async function measureLongPollWakeup(
  connectionString: string,
  sizes: { rounds: number; warmup: number },
  onCase: (figures: WakeupFigures) => void = () => {},
): Promise<WakeupFigures[]> {
  const pool = newPool(connectionString, 8);
  const schema = `bench_long_poll_${randomUUID().slice(0, 8)}`;
  try {
    const consumer = await PostgresProvider.create({
      pool,
      schema,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      longPoll: { enabled: true },
    });
    const producer = await PostgresProvider.create({ pool, schema, migrate: false });
    try {
      const figures: WakeupFigures[] = [];
      for (const benchCase of CASES) {
        figures.push(await measureCase(benchCase, consumer, producer, sizes.rounds, sizes.warmup));
        onCase(figures.at(-1)!);
      }
      return figures;
    } finally {
      await consumer.close();
      await producer.close();
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await pool.end();
  }
}
