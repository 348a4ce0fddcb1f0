/**
 * `npm run bench:provider`: the provider's operations through the stored procedures (generated client) and through
 * the inline-SQL baseline, side by side in one process on one server. Prints figures and ratios; asserts nothing.
 *
 * 1. Latency: one orchestration's life, step by step, the two implementations taking turns round by round so that a
 *    busy moment lands on both alike.
 * 2. Throughput: parallel dispatchers and workers driving many orchestrations to completion, per implementation.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectionFromEnvironment } from '../../test/support/embedded-postgres.js';
import { type Implementation, PostgresProvider } from '../../provider/postgres-provider.js';
import type { HistoryEvent } from '../../provider/types/history-event.js';
import type { WorkItem } from '../../provider/types/work-item.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';

const IMPLEMENTATIONS: Implementation[] = ['procedures', 'inline'];
const ROUNDS = 400;
const WARMUP = 40;
const THROUGHPUT_INSTANCES = 200;
const DISPATCHERS = 4;
const WORKERS = 4;

const start = (instance: string): WorkItem => ({
  StartOrchestration: {
    instance,
    orchestration: 'Bench',
    input: '{}',
    version: '1.0.0',
    parent_instance: null,
    parent_id: null,
    execution_id: 1,
  },
});
const started: HistoryEvent = {
  OrchestrationStarted: {
    event_id: 1,
    name: 'Bench',
    version: '1.0.0',
    input: '{}',
    parent_instance: null,
    parent_id: null,
  },
};
const scheduled: HistoryEvent = { ActivityScheduled: { event_id: 2, name: 'Work', input: '1', execution_id: 1 } };
const activity = (instance: string): WorkItem => ({
  ActivityExecute: { instance, execution_id: 1, id: 2, name: 'Work', input: '1' },
});
const completedEvents: HistoryEvent[] = [
  { ActivityCompleted: { event_id: 3, source_event_id: 2, result: '"ok"' } },
  { OrchestrationCompleted: { event_id: 4, output: '"done"' } },
];

/** One orchestration's life; each step is timed on its own. */
const steps: { name: string; run: (provider: PostgresProvider, instance: string) => Promise<unknown> }[] = [
  { name: 'enqueue start', run: (p, instance) => p.enqueueOrchestratorWork(start(instance)) },
  {
    name: 'turn 1: fetch + ack (2 events, 1 activity)',
    run: async (p, instance) => {
      const fetched = await p.fetchOrchestrationItem();
      if (fetched?.item.instance !== instance) throw new Error('unexpected fetch result');
      await p.ackOrchestrationItem(fetched.lockToken, 1, [started, scheduled], [activity(instance)], [], {
        orchestrationName: 'Bench',
        orchestrationVersion: '1.0.0',
      });
    },
  },
  {
    name: 'worker: dequeue + ack',
    run: async (p, instance) => {
      const lease = await p.dequeueWorkerPeekLock();
      if (!lease) throw new Error('no activity');
      await p.ackWorker(lease.lockToken, { ActivityCompleted: { instance, execution_id: 1, id: 2, result: '"ok"' } });
    },
  },
  {
    name: 'turn 2: fetch + ack (complete)',
    run: async (p) => {
      const item = await p.fetchOrchestrationItem();
      if (!item) throw new Error('no completion');
      await p.ackOrchestrationItem(item.lockToken, 1, completedEvents, [], [], {
        status: 'Completed',
        output: '"done"',
      });
    },
  },
  { name: 'read history (4 events)', run: (p, instance) => p.read(instance) },
  { name: 'latest execution id', run: (p, instance) => p.latestExecutionId(instance) },
  { name: 'instance info', run: (p, instance) => p.getInstanceInfo(instance) },
  { name: 'idle fetch (no work)', run: (p) => p.fetchOrchestrationItem() },
  { name: 'idle dequeue (no work)', run: (p) => p.dequeueWorkerPeekLock() },
];

async function latency(providers: Record<Implementation, PostgresProvider>): Promise<void> {
  const totals = new Map<string, Record<Implementation, number>>(
    steps.map((step) => [step.name, { procedures: 0, inline: 0 }]),
  );
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (const implementation of IMPLEMENTATIONS) {
      const instance = `lat-${round}`;
      for (const step of steps) {
        const begin = performance.now();
        await step.run(providers[implementation], instance);
        if (round >= WARMUP) totals.get(step.name)![implementation] += performance.now() - begin;
      }
    }
  }
  console.log(`Latency per operation, µs (${ROUNDS} rounds after ${WARMUP} warm-up, implementations taking turns)`);
  console.log(`  ${'operation'.padEnd(44)} ${'procedures'.padStart(10)} ${'inline'.padStart(10)}  inline/procedures`);
  for (const [name, total] of totals) {
    const procedures = (total.procedures / ROUNDS) * 1000;
    const inline = (total.inline / ROUNDS) * 1000;
    console.log(
      `  ${name.padEnd(44)} ${procedures.toFixed(0).padStart(10)} ${inline.toFixed(0).padStart(10)}  ${(inline / procedures).toFixed(2)}`,
    );
  }
}

/** Dispatchers and workers polling like the runtime until every orchestration has completed. */
async function throughput(provider: PostgresProvider, prefix: string): Promise<number> {
  for (let i = 0; i < THROUGHPUT_INSTANCES; i++) await provider.enqueueOrchestratorWork(start(`${prefix}-${i}`));
  let completed = 0;
  const done = () => completed >= THROUGHPUT_INSTANCES;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 1));
  const begin = performance.now();
  const dispatcher = async () => {
    while (!done()) {
      const fetched = await provider.fetchOrchestrationItem();
      if (!fetched) {
        await pause();
        continue;
      }
      const { item, lockToken } = fetched;
      const isStart = item.messages.some((message) => 'StartOrchestration' in message);
      if (isStart) {
        await provider.ackOrchestrationItem(lockToken, 1, [started, scheduled], [activity(item.instance)], [], {
          orchestrationName: 'Bench',
          orchestrationVersion: '1.0.0',
        });
      } else {
        await provider.ackOrchestrationItem(lockToken, 1, completedEvents, [], [], { status: 'Completed' });
        completed += 1;
      }
    }
  };
  const worker = async () => {
    while (!done()) {
      const lease = await provider.dequeueWorkerPeekLock();
      if (!lease) {
        await pause();
        continue;
      }
      const { instance } = (lease.item as Extract<WorkItem, { ActivityExecute: unknown }>).ActivityExecute;
      await provider.ackWorker(lease.lockToken, {
        ActivityCompleted: { instance, execution_id: 1, id: 2, result: '"ok"' },
      });
    }
  };
  await Promise.all([...Array.from({ length: DISPATCHERS }, dispatcher), ...Array.from({ length: WORKERS }, worker)]);
  return THROUGHPUT_INSTANCES / ((performance.now() - begin) / 1000);
}

const server = await connectionFromEnvironment();
const pool = new pg.Pool({ connectionString: server.connectionString, max: DISPATCHERS + WORKERS + 2 });
pool.on('error', () => {});
const schemas = IMPLEMENTATIONS.map((implementation) => `bench_provider_${implementation}_${process.pid}`);
try {
  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}\n`);
  const providers = {} as Record<Implementation, PostgresProvider>;
  for (const [index, implementation] of IMPLEMENTATIONS.entries()) {
    providers[implementation] = await PostgresProvider.create({ pool, schema: schemas[index]!, implementation });
  }
  await latency(providers);

  console.log(
    `\nThroughput: ${THROUGHPUT_INSTANCES} orchestrations (2 turns + 1 activity each), ` +
      `${DISPATCHERS} dispatchers + ${WORKERS} workers`,
  );
  const rates = {} as Record<Implementation, number>;
  for (const implementation of IMPLEMENTATIONS) {
    rates[implementation] = await throughput(providers[implementation], `tp-${implementation}`);
    console.log(`  ${implementation.padEnd(10)} ${rates[implementation].toFixed(0)} orchestrations/s`);
  }
  console.log(`  procedures/inline ${(rates.procedures / rates.inline).toFixed(2)}`);
} finally {
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await pool.end();
  await server.stop();
}
