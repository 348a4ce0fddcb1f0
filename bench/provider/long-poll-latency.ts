/**
 * Long-polling latency (contract v2 §3.15, issue 10: p50 under 5 ms), measured by `bench/support/long-poll-wakeup.ts`
 * on a durable server (embedded, fsync and synchronous_commit on, unless DATABASE_URL is set). Prints percentiles and
 * the server's settings; asserts nothing. `npm run bench` measures the same as scenario 8.
 *
 *   npm run bench:long-poll [-- iterations]
 */
import { cpus } from 'node:os';
import { printServer, startBenchServer } from '../support/bench-server.js';
import { measureLongPollWakeup } from '../support/long-poll-wakeup.js';
import type { Percentiles } from '../stats.js';

const ITERATIONS = Number(process.argv[2] ?? 300);
const WARMUP = 20;

const show = (figures: Percentiles) =>
  `p50 ${figures.p50.toFixed(2)}, p90 ${figures.p90.toFixed(2)}, p99 ${figures.p99.toFixed(2)}, max ${figures.max.toFixed(2)} ms`;

const server = await startBenchServer();
try {
  await printServer(server);
  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`);
  console.log(`${ITERATIONS} rounds after ${WARMUP} warm-up, one waiting fetch at a time\n`);
  await measureLongPollWakeup(server.connectionString, { rounds: ITERATIONS, warmup: WARMUP }, (figures) => {
    console.log(figures.name);
    console.log(`  enqueue → fetch returns: ${show(figures.wakeupMs)}`);
    console.log(`  the enqueue call alone:  ${show(figures.enqueueMs)}`);
  });
} finally {
  await server.stop();
}
