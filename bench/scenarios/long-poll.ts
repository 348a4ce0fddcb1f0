/**
 * 8. Long-poll wake-up latency (enqueue → a waiting fetch returns) and the runtime's end-to-end figures (hello-world
 * latency, fan-out/fan-in throughput with the CPU split), on the run's server; the same measurements as
 * `npm run bench:long-poll` and `npm run bench:runtime`.
 */
import type { Scenario } from '../scenario.js';
import { formatNumber, type Percentiles } from '../stats.js';
import { measureLongPollWakeup } from '../support/long-poll-wakeup.js';
import { measureRuntime } from '../support/runtime-end-to-end.js';

const ms = (value: number) => `${formatNumber(value)} ms`;
const latencyRow = (label: string, figures: Percentiles) => [
  label,
  ms(figures.p50),
  ms(figures.p90),
  ms(figures.p99),
  ms(figures.max),
];

export const longPoll: Scenario = {
  id: 'long-poll',
  number: 8,
  title: 'Long-poll wake-up and runtime end to end',
  // One per queue, then hello world and fan-out.
  steps: () => 4,
  async run({ options, progress, connectionString }) {
    const warmup = options.quick ? 5 : 20;
    const wakeup = await measureLongPollWakeup(connectionString, { rounds: options.rounds, warmup }, (figures) =>
      progress.step(`${figures.queue} queue wake-up`),
    );
    const runtime = await measureRuntime(
      connectionString,
      {
        helloRuns: options.rounds,
        warmup,
        orchestrations: options.quick ? 20 : 100,
        activities: 10,
      },
      (part) => progress.step(part),
    );
    const { fanOut } = runtime;
    const share = (seconds: number) => `${formatNumber(seconds)} s (${Math.round((100 * seconds) / fanOut.seconds)} %)`;
    return {
      id: this.id,
      title: this.title,
      notes: [
        `Wake-up: a long-polling provider's fetch waits (poll timeout 5 s) while a second provider on the same schema ` +
          `enqueues; timed from the start of the enqueue to the fetch's return (NOTIFY at commit → listener). ` +
          `${options.rounds} rounds per queue after ${warmup} warm-up.`,
        `Runtime: the orchestration runtime on a long-polling procedures provider. Hello world = one activity, start → ` +
          `Completed as the client sees it, ${options.rounds} sequential runs. Fan-out/fan-in = ${fanOut.orchestrations} ` +
          `orchestrations started together × ${fanOut.activities} no-op activities each, concurrency ` +
          `${fanOut.orchestrationConcurrency} orchestration / ${fanOut.workerConcurrency} worker slots; CPU % of one ` +
          `core over the run, the database's from /proc for the backends pg_stat_activity lists (local server only).`,
      ],
      tables: [
        {
          title: 'Latency',
          columns: ['figure', 'p50', 'p90', 'p99', 'max'],
          rows: [
            ...wakeup.map((figures) => latencyRow(`long-poll wake-up, ${figures.queue} queue`, figures.wakeupMs)),
            ...wakeup.map((figures) =>
              latencyRow(`  its enqueue call alone, ${figures.queue} queue`, figures.enqueueMs),
            ),
            latencyRow('hello-world orchestration (start → Completed)', runtime.hello.latencyMs),
          ],
        },
        {
          title: 'Fan-out/fan-in throughput',
          columns: [
            'orchestrations × activities',
            'seconds',
            'orchestrations/s',
            'activities/s',
            'CPU runtime',
            'CPU database',
          ],
          rows: [
            [
              `${fanOut.orchestrations} × ${fanOut.activities}`,
              formatNumber(fanOut.seconds),
              formatNumber(fanOut.orchestrationsPerSecond),
              formatNumber(fanOut.activitiesPerSecond),
              share(fanOut.runtimeCpuSeconds),
              share(fanOut.databaseCpuSeconds),
            ],
          ],
        },
      ],
      charts: [],
      figures: { longPollWakeup: wakeup, runtime },
    };
  },
};
