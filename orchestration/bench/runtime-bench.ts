/**
 * `npx tsx orchestration/bench/runtime-bench.ts`: hello-world latency (start → Completed as the client sees it) and
 * fan-out/fan-in throughput (100 orchestrations × 10 no-op activities) at the default concurrency.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { connectionFromEnvironment } from '../../test/support/embedded-postgres.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { quoteIdentifier } from 'pg-sproc-gen/runtime';
import { defineActivity, defineOrchestration, Runtime } from '../index.js';

const noop = defineActivity('Noop', () => null);
const hello = defineOrchestration('Hello', function* (ctx) {
  return yield* ctx.scheduleActivity(noop, undefined);
});
const fan = defineOrchestration('Fan', function* (ctx) {
  return (yield* ctx.all(Array.from({ length: 10 }, () => ctx.scheduleActivity(noop, undefined)))).length;
});

const server = await connectionFromEnvironment();
const pool = new pg.Pool({ connectionString: server.connectionString, max: 30 });
pool.on('error', () => {});
const schema = `bench_${randomUUID().slice(0, 8)}`;
try {
  const provider = await PostgresProvider.create({ pool, schema });
  const runtime = new Runtime(provider, { logLevel: 'error', dispatcherPollIntervalMs: 10 }).register(noop, hello, fan);
  await runtime.start();
  const latencies: number[] = [];
  for (let i = 0; i < 50; i++) {
    const began = performance.now();
    await runtime.client.startOrchestration(`h-${i}`, hello, undefined);
    await runtime.client.waitForOrchestration(`h-${i}`);
    latencies.push(performance.now() - began);
  }
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(1);
  console.log(`hello world: p50 ${p(0.5)} ms, p90 ${p(0.9)} ms (50 sequential, short polling)`);

  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  await Promise.all(Array.from({ length: 100 }, (_, i) => runtime.client.startOrchestration(`f-${i}`, fan, undefined)));
  for (let i = 0; i < 100; i++) await runtime.client.waitForOrchestration(`f-${i}`, 120_000);
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `fan-out: 100 × 10 in ${seconds.toFixed(2)} s → ${(100 / seconds).toFixed(1)} orchestrations/s, ` +
      `${(1000 / seconds).toFixed(0)} activities/s; runtime process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`,
  );
  await runtime.shutdown();
  await pool.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
} finally {
  await pool.end();
  await server.stop();
}
