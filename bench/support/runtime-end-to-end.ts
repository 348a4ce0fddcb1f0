/**
 * The runtime end to end (issue 11), with the provider long-polling (contract v2 §3.15):
 *  - hello world (one activity): start → Completed as the client sees it, sequential runs;
 *  - fan-out/fan-in: concurrent orchestrations × no-op activities at the default concurrency: orchestrations/s,
 *    activities/s, and where the time goes — CPU of this process (runtime, client, provider) against CPU of the
 *    database server's processes (from /proc, for the backends `pg_stat_activity` lists; Linux, local server only).
 * Shared by `npm run bench:runtime` and scenario 8 of `npm run bench`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { defineActivity, defineOrchestration, Runtime } from '../../orchestration/index.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { percentiles, type Percentiles } from '../stats.js';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux
/** The runtime's defaults, passed explicitly so the figures can name them. */
const CONCURRENCY = { orchestrationConcurrency: 4, workerConcurrency: 8 };

export interface RuntimeSizes {
  helloRuns: number;
  warmup: number;
  orchestrations: number;
  activities: number;
}

export interface RuntimeFigures {
  hello: { runs: number; latencyMs: Percentiles };
  fanOut: {
    orchestrations: number;
    activities: number;
    orchestrationConcurrency: number;
    workerConcurrency: number;
    seconds: number;
    orchestrationsPerSecond: number;
    activitiesPerSecond: number;
    runtimeCpuSeconds: number;
    databaseCpuSeconds: number;
    metrics: unknown;
  };
}

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

export async function measureRuntime(
  connectionString: string,
  sizes: RuntimeSizes,
  onPart: (part: 'hello' | 'fan-out') => void = () => {},
): Promise<RuntimeFigures> {
  const noop = defineActivity('Noop', () => null);
  const hello = defineOrchestration('Hello', function* (ctx, name: string) {
    return `Hello, ${yield* ctx.scheduleActivity(noop, undefined)}${name}!`;
  });
  const fan = defineOrchestration('Fan', function* (ctx) {
    const tasks = Array.from({ length: sizes.activities }, () => ctx.scheduleActivity(noop, undefined));
    return (yield* ctx.all(tasks)).length;
  });

  // Connections stay open, so that their backends' CPU is counted from start to end.
  const pool = new pg.Pool({ connectionString, max: 30, idleTimeoutMillis: 0 });
  pool.on('error', () => {});
  const schema = `bench_runtime_${randomUUID().slice(0, 8)}`;
  try {
    const provider = await PostgresProvider.create({ pool, schema, longPoll: { enabled: true } });
    const runtime = new Runtime(provider, {
      logLevel: 'error',
      dispatcherLongPollTimeoutMs: 5_000,
      ...CONCURRENCY,
    }).register(noop, hello, fan);
    await runtime.start();
    try {
      const latencies: number[] = [];
      for (let i = 0; i < sizes.warmup + sizes.helloRuns; i++) {
        const began = performance.now();
        await runtime.client.startOrchestration(`h-${i}`, hello, 'World');
        const status = await runtime.client.waitForOrchestration(`h-${i}`);
        if (status.status !== 'Completed') throw new Error(`h-${i}: ${JSON.stringify(status)}`);
        if (i >= sizes.warmup) latencies.push(performance.now() - began);
      }
      onPart('hello');

      const { orchestrations, activities } = sizes;
      const dbBefore = await serverCpu(pool);
      const cpuBefore = process.cpuUsage();
      const began = performance.now();
      await Promise.all(
        Array.from({ length: orchestrations }, (_, i) => runtime.client.startOrchestration(`f-${i}`, fan, undefined)),
      );
      for (let i = 0; i < orchestrations; i++) {
        const status = await runtime.client.waitForOrchestration(`f-${i}`, 300_000);
        if (status.status !== 'Completed') throw new Error(`f-${i}: ${JSON.stringify(status)}`);
      }
      const seconds = (performance.now() - began) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const databaseCpuSeconds = cpuBetween(dbBefore, await serverCpu(pool));
      onPart('fan-out');
      return {
        hello: { runs: sizes.helloRuns, latencyMs: percentiles(latencies) },
        fanOut: {
          orchestrations,
          activities,
          ...CONCURRENCY,
          seconds,
          orchestrationsPerSecond: orchestrations / seconds,
          activitiesPerSecond: (orchestrations * activities) / seconds,
          runtimeCpuSeconds: (cpu.user + cpu.system) / 1e6,
          databaseCpuSeconds,
          metrics: runtime.metricsSnapshot(),
        },
      };
    } finally {
      await runtime.shutdown();
      await provider.close();
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await pool.end();
  }
}
