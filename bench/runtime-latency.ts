/**
 * The runtime end to end (issue 11), with the provider long-polling (contract v2 §3.15):
 *  - hello world (one activity): start → Completed as the client sees it, sequential runs, p50/p90/p99;
 *  - fan-out/fan-in: 100 concurrent orchestrations × 10 no-op activities at the default concurrency: orchestrations/s,
 *    activities/s, and where the time goes — CPU of this process (runtime, client, provider) against CPU of the
 *    database server's processes (from /proc, for the backends `pg_stat_activity` lists; Linux only).
 * Prints figures; asserts nothing.
 *
 *   npm run bench:runtime [-- helloRuns]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { quoteIdentifier } from '../generator/runtime/quote-identifier.js';
import { defineActivity, defineOrchestration, Runtime } from '../orchestration/index.js';
import { PostgresProvider } from '../provider/postgres-provider.js';
import { connectionFromEnvironment } from '../test/support/embedded-postgres.js';

const HELLO_RUNS = Number(process.argv[2] ?? 200);
const WARMUP = 20;
const FAN_OUT = { orchestrations: 100, activities: 10 };
const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

const noop = defineActivity('Noop', () => null);
const hello = defineOrchestration('Hello', function* (ctx, name: string) {
  return `Hello, ${yield* ctx.scheduleActivity(noop, undefined)}${name}!`;
});
const fan = defineOrchestration('Fan', function* (ctx) {
  const tasks = Array.from({ length: FAN_OUT.activities }, () => ctx.scheduleActivity(noop, undefined));
  return (yield* ctx.all(tasks)).length;
});

/** CPU seconds used so far by the server's processes (backends and background workers), by pid. */
async function serverCpu(pool: pg.Pool): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields after the parenthesised command: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
    } catch {
      // A process that ended, or a server on another host: not counted.
    }
  }
  return cpu;
}

function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

const percentile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(1);

const server = await connectionFromEnvironment();
// Connections stay open, so that their backends' CPU is counted from start to end.
const pool = new pg.Pool({ connectionString: server.connectionString, max: 30, idleTimeoutMillis: 0 });
pool.on('error', (error) => console.error('pool error', error));
const schema = `bench_${randomUUID().slice(0, 8)}`;
try {
  const provider = await PostgresProvider.create({ pool, schema, longPoll: { enabled: true } });
  const runtime = new Runtime(provider, { logLevel: 'error', dispatcherLongPollTimeoutMs: 5_000 }).register(
    noop,
    hello,
    fan,
  );
  await runtime.start();

  const latencies: number[] = [];
  for (let i = 0; i < WARMUP + HELLO_RUNS; i++) {
    const began = performance.now();
    await runtime.client.startOrchestration(`h-${i}`, hello, 'World');
    const status = await runtime.client.waitForOrchestration(`h-${i}`);
    if (status.status !== 'Completed') throw new Error(`h-${i}: ${JSON.stringify(status)}`);
    if (i >= WARMUP) latencies.push(performance.now() - began);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `hello world (1 activity), start → Completed seen by the client, ${HELLO_RUNS} sequential runs, long polling: ` +
      `p50 ${percentile(latencies, 0.5)} ms, p90 ${percentile(latencies, 0.9)} ms, p99 ${percentile(latencies, 0.99)} ms`,
  );

  const { orchestrations, activities } = FAN_OUT;
  const dbBefore = await serverCpu(pool);
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  await Promise.all(
    Array.from({ length: orchestrations }, (_, i) => runtime.client.startOrchestration(`f-${i}`, fan, undefined)),
  );
  for (let i = 0; i < orchestrations; i++) await runtime.client.waitForOrchestration(`f-${i}`, 300_000);
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const dbSeconds = cpuBetween(dbBefore, await serverCpu(pool));
  const runtimeSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `fan-out/fan-in: ${orchestrations} orchestrations × ${activities} no-op activities in ${seconds.toFixed(2)} s → ` +
      `${(orchestrations / seconds).toFixed(1)} orchestrations/s, ${((orchestrations * activities) / seconds).toFixed(0)} activities/s ` +
      `(concurrency 4 orchestration / 8 worker slots)`,
  );
  console.log(
    `  CPU: runtime process ${runtimeSeconds.toFixed(2)} s (${((100 * runtimeSeconds) / seconds).toFixed(0)} % of one core), ` +
      `database ${dbSeconds.toFixed(2)} s (${((100 * dbSeconds) / seconds).toFixed(0)} %); ` +
      `metrics: ${JSON.stringify(runtime.metricsSnapshot())}`,
  );
  await runtime.shutdown();
  await provider.close();
  await pool.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
} finally {
  await pool.end();
  await server.stop();
}
