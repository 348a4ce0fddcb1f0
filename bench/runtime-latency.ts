/**
 * The runtime end to end (issue 11), measured by `bench/support/runtime-end-to-end.ts` on a durable server (embedded,
 * fsync and synchronous_commit on, unless DATABASE_URL is set): hello-world latency and fan-out/fan-in throughput of
 * 100 orchestrations × 10 no-op activities with the CPU split. Prints figures and the server's settings; asserts
 * nothing. `npm run bench` measures the same as scenario 8.
 *
 *   npm run bench:runtime [-- helloRuns]
 */
import { printServer, startBenchServer } from './support/bench-server.js';
import { measureRuntime } from './support/runtime-end-to-end.js';

const HELLO_RUNS = Number(process.argv[2] ?? 200);

const server = await startBenchServer();
try {
  await printServer(server);
  const { hello, fanOut } = await measureRuntime(server.connectionString, {
    helloRuns: HELLO_RUNS,
    warmup: 20,
    orchestrations: 100,
    activities: 10,
  });
  const { p50, p90, p99 } = hello.latencyMs;
  console.log(
    `hello world (1 activity), start → Completed seen by the client, ${hello.runs} sequential runs, long polling: ` +
      `p50 ${p50.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
  );
  console.log(
    `fan-out/fan-in: ${fanOut.orchestrations} orchestrations × ${fanOut.activities} no-op activities in ` +
      `${fanOut.seconds.toFixed(2)} s → ${fanOut.orchestrationsPerSecond.toFixed(1)} orchestrations/s, ` +
      `${fanOut.activitiesPerSecond.toFixed(0)} activities/s ` +
      `(concurrency ${fanOut.orchestrationConcurrency} orchestration / ${fanOut.workerConcurrency} worker slots)`,
  );
  const share = (seconds: number) => `${((100 * seconds) / fanOut.seconds).toFixed(0)} % of one core`;
  console.log(
    `  CPU: runtime process ${fanOut.runtimeCpuSeconds.toFixed(2)} s (${share(fanOut.runtimeCpuSeconds)}), ` +
      `database ${fanOut.databaseCpuSeconds.toFixed(2)} s (${share(fanOut.databaseCpuSeconds)}); ` +
      `metrics: ${JSON.stringify(fanOut.metrics)}`,
  );
} finally {
  await server.stop();
}
