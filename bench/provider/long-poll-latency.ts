/**
 * Long-polling latency (contract v2 §3.15, issue 10: p50 under 5 ms): the time from the start of an enqueue to the
 * return of a fetch that was already waiting for work. The consumer is a long-polling provider, the producer a second
 * provider on the same schema (as another process would be), so the wake-up goes through NOTIFY at the enqueue's
 * commit and the consumer's listener. Prints percentiles; asserts nothing.
 *
 *   npm run bench:long-poll [-- iterations]
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { connectionFromEnvironment } from '../../test/support/embedded-postgres.js';

const ITERATIONS = Number(process.argv[2] ?? 300);
const WARMUP = 20;
/** Long enough never to end a wait: a fetch that times out is reported as a failure. */
const POLL_TIMEOUT_MS = 5_000;
/** Fetched items are never acked: their locks must outlast the run. */
const LOCK_TIMEOUT_MS = 600_000;
/** Time for the fetch to make its first (empty) attempt and start waiting before the enqueue. */
const SETTLE_MS = 5;

interface Case {
  name: string;
  /** Starts a waiting fetch; resolves to the id of what it fetched (null on timeout). */
  fetch: (consumer: PostgresProvider) => Promise<string | null>;
  enqueue: (producer: PostgresProvider, id: string) => Promise<void>;
}

const cases: Case[] = [
  {
    name: 'worker queue: enqueueWorkerWork → waiting fetchWorkItem',
    fetch: async (consumer) => {
      const lease = await consumer.fetchWorkItem(LOCK_TIMEOUT_MS, POLL_TIMEOUT_MS);
      return lease ? (lease.item as { ActivityExecute: { instance: string } }).ActivityExecute.instance : null;
    },
    enqueue: (producer, id) =>
      producer.enqueueWorkerWork({ ActivityExecute: { instance: id, execution_id: 1, id: 1, name: 'A', input: '' } }),
  },
  {
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(benchCase: Case, consumer: PostgresProvider, producer: PostgresProvider): Promise<void> {
  const latencies: number[] = [];
  const enqueueCalls: number[] = [];
  for (let round = 0; round < WARMUP + ITERATIONS; round++) {
    const id = `lp-${round}-${process.pid}`;
    const fetched = benchCase.fetch(consumer).then((got) => ({ got, at: performance.now() }));
    await sleep(SETTLE_MS);
    const begin = performance.now();
    await benchCase.enqueue(producer, id);
    const enqueued = performance.now();
    const { got, at } = await fetched;
    if (got !== id) throw new Error(`round ${round}: the waiting fetch returned ${got} instead of ${id}`);
    if (round >= WARMUP) {
      latencies.push(at - begin);
      enqueueCalls.push(enqueued - begin);
    }
  }
  const show = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return [50, 90, 99]
      .map((p) => `p${p} ${percentile(sorted, p).toFixed(2)}`)
      .concat(`max ${sorted.at(-1)!.toFixed(2)} ms`)
      .join(', ');
  };
  console.log(benchCase.name);
  console.log(`  enqueue → fetch returns: ${show(latencies)}`);
  console.log(`  the enqueue call alone:  ${show(enqueueCalls)}`);
}

const server = await connectionFromEnvironment();
const pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
pool.on('error', () => {});
const schema = `bench_long_poll_${process.pid}`;
try {
  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`);
  console.log(`${ITERATIONS} rounds after ${WARMUP} warm-up, one waiting fetch at a time\n`);
  const consumer = await PostgresProvider.create({
    pool,
    schema,
    lockTimeoutMs: LOCK_TIMEOUT_MS,
    longPoll: { enabled: true },
  });
  const producer = await PostgresProvider.create({ pool, schema, migrate: false });
  try {
    for (const benchCase of cases) await measure(benchCase, consumer, producer);
  } finally {
    await consumer.close();
    await producer.close();
  }
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await pool.end();
  await server.stop();
}
