/**
 * 5. The worker queue (dequeue + ack with completion) against graphile-worker on the same server: the same jobs, the
 * same concurrency; graphile-worker with batching off (like for like) and on (its local queue and batched completes).
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { performance } from 'node:perf_hooks';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import * as calls from '../provider-calls.js';
import type { Scenario } from '../scenario.js';
import { formatNumber, pause } from '../stats.js';
import * as work from '../workload.js';

const silent = new Logger(() => () => {});

/** Items per `fetchWorkItems`/`ackWorkItems` call in our batched row. */
const BATCH = 10;

async function ourQueue(
  context: Parameters<Scenario['run']>[0],
  concurrency: number,
  jobs: number,
  batched: boolean,
): Promise<number> {
  const { providers, admin } = context;
  await providers.reset('procedures');
  await calls.seedWorkItems(admin, providers.schemas.procedures, work.activityMessage('peer-%'), jobs);
  const open = await providers.open(concurrency + 2);
  try {
    const provider = open.byImplementation.procedures;
    const instanceOf = (item: unknown) => (item as { ActivityExecute: { instance: string } }).ActivityExecute.instance;
    let acked = 0;
    const begin = performance.now();
    let end = begin;
    const single = async () => {
      const lease = await calls.fetchWork(provider);
      if (!lease) return 0;
      await calls.ackWork(provider, lease.lockToken, work.completionMessage(instanceOf(lease.item)));
      return 1;
    };
    const batch = async () => {
      const leases = await provider.fetchWorkItems(BATCH, provider.lockTimeoutMs);
      if (leases.length === 0) return 0;
      const outcomes = await provider.ackWorkItems(
        leases.map((lease) => ({
          lockToken: lease.lockToken,
          completion: work.completionMessage(instanceOf(lease.item)),
        })),
      );
      return outcomes.filter((outcome) => outcome === 'acked').length;
    };
    const worker = async () => {
      while (acked < jobs) {
        const done = await (batched ? batch() : single());
        if (done === 0) {
          await pause(1);
          continue;
        }
        acked += done;
        if (acked >= jobs && end === begin) end = performance.now();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return jobs / ((end - begin) / 1000);
  } finally {
    await open.close();
  }
}

async function graphileWorker(
  connectionString: string,
  schema: string,
  concurrency: number,
  jobs: number,
  batched: boolean,
): Promise<number> {
  const utils = await makeWorkerUtils({ connectionString, schema, logger: silent });
  try {
    await utils.migrate();
    for (let first = 0; first < jobs; first += 1000) {
      await utils.addJobs(
        Array.from({ length: Math.min(1000, jobs - first) }, (_, index) => ({
          identifier: 'work',
          payload: { instance: `peer-${first + index + 1}`, execution_id: 1, id: 2, name: 'Work', input: '1' },
        })),
      );
    }
  } finally {
    await utils.release();
  }
  let done = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const begin = performance.now();
  const runner = await run({
    connectionString,
    schema,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: silent,
    taskList: {
      work: () => {
        if (++done === jobs) finished();
        return Promise.resolve();
      },
    },
    preset: {
      worker: {
        maxPoolSize: concurrency + 2,
        ...(batched
          ? { localQueue: { size: Math.max(10, 2 * concurrency) }, completeJobBatchDelay: 0, failJobBatchDelay: 0 }
          : {}),
      },
    },
  });
  await allDone;
  // Stopping flushes the completions a batched run still holds; `promise` settles once the last of them is written
  // (the schema is dropped right after, and a completion landing later failed the whole run).
  await runner.stop();
  await runner.promise;
  return jobs / ((performance.now() - begin) / 1000);
}

interface Row {
  concurrency: number;
  oursPerSecond: number;
  oursBatchedPerSecond: number;
  graphileUnbatchedPerSecond: number;
  graphileBatchedPerSecond: number;
}

export const queuePeer: Scenario = {
  id: 'peer',
  number: 5,
  title: 'The worker queue vs graphile-worker',
  steps: (options) => options.peerConcurrency.length * 4,
  async run(context) {
    const { options, admin, progress, connectionString } = context;
    const schema = `bench_graphile_worker_${process.pid}`;
    const rows: Row[] = [];
    const jobs = options.peerJobs;
    const clear = () => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    try {
      for (const concurrency of options.peerConcurrency) {
        const oursPerSecond = await ourQueue(context, concurrency, jobs, false);
        progress.step(`ours, ${concurrency}`);
        const oursBatchedPerSecond = await ourQueue(context, concurrency, jobs, true);
        progress.step(`ours batched, ${concurrency}`);
        await clear();
        const graphileUnbatchedPerSecond = await graphileWorker(connectionString, schema, concurrency, jobs, false);
        progress.step(`graphile-worker, ${concurrency}`);
        await clear();
        const graphileBatchedPerSecond = await graphileWorker(connectionString, schema, concurrency, jobs, true);
        progress.step(`graphile-worker batched, ${concurrency}`);
        rows.push({
          concurrency,
          oursPerSecond,
          oursBatchedPerSecond,
          graphileUnbatchedPerSecond,
          graphileBatchedPerSecond,
        });
      }
    } finally {
      await clear();
    }
    return {
      id: this.id,
      title: this.title,
      notes: [
        `${jobs} jobs per run, all queued before the run. Ours: dequeue + ack with completion (which enqueues the ` +
          'ActivityCompleted message), procedures. graphile-worker 0.18 (its own schema, same server): a no-op task; ' +
          'batched = localQueue of max(10, 2 × concurrency) and completeJobBatchDelay 0. Ours batched: each worker ' +
          `takes up to ${BATCH} items with fetchWorkItems and completes them with one ackWorkItems (beyond contract v2). ` +
          'Our ack notifies the orchestrator channel (contract §3.15) only while a long-poll listener is connected ' +
          '(0015; none here), since PostgreSQL serialises the commits of notifying transactions.',
      ],
      tables: [
        {
          title: 'Jobs per second',
          columns: [
            'concurrency',
            'ours',
            'graphile-worker',
            'ours/graphile',
            'ours batched',
            'graphile-worker batched',
            'ours batched/graphile batched',
          ],
          rows: rows.map((row) => [
            row.concurrency,
            formatNumber(row.oursPerSecond),
            formatNumber(row.graphileUnbatchedPerSecond),
            formatNumber(row.oursPerSecond / row.graphileUnbatchedPerSecond),
            formatNumber(row.oursBatchedPerSecond),
            formatNumber(row.graphileBatchedPerSecond),
            formatNumber(row.oursBatchedPerSecond / row.graphileBatchedPerSecond),
          ]),
        },
      ],
      charts: [
        {
          file: 'worker-queue-vs-graphile.svg',
          title: 'Worker queue vs graphile-worker: jobs/s',
          xLabel: 'concurrency',
          yLabel: 'jobs/s',
          logX: true,
          series: [
            { name: 'ours (procedures)', points: rows.map((row) => [row.concurrency, row.oursPerSecond]) },
            { name: 'ours batched', points: rows.map((row) => [row.concurrency, row.oursBatchedPerSecond]) },
            { name: 'graphile-worker', points: rows.map((row) => [row.concurrency, row.graphileUnbatchedPerSecond]) },
            {
              name: 'graphile-worker batched',
              points: rows.map((row) => [row.concurrency, row.graphileBatchedPerSecond]),
            },
          ],
        },
      ],
      figures: { jobs, rows },
    };
  },
};
