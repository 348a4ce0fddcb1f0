/**
 * `npm run bench`: the provider against the hardware limit (pgbench) and a peer queue (graphile-worker), on a durable
 * PostgreSQL — the embedded one with fsync and synchronous_commit on, unless DATABASE_URL is set. Prints a progress
 * bar (stderr), then a table per scenario; writes every figure as JSON and the charts as SVG to `bench/results/`
 * (`bench/results/quick/` for `--quick`). Measures, asserts nothing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseOptions } from './options.js';
import { Progress } from './report/progress.js';
import { renderChart } from './report/svg-chart.js';
import { formatTable } from './report/terminal-table.js';
import type { BenchContext, Scenario, ScenarioResult } from './scenario.js';
import { longPoll } from './scenarios/long-poll.js';
import { perOperation } from './scenarios/per-operation.js';
import { pgbenchLimit } from './scenarios/pgbench-limit.js';
import { queuePeer } from './scenarios/queue-peer.js';
import { roundTrip } from './scenarios/round-trip.js';
import { scaleCurves } from './scenarios/scale-curves.js';
import { throughput } from './scenarios/throughput.js';
import { wrappers } from './scenarios/wrappers.js';
import { formatSettings, startBenchServer } from './support/bench-server.js';
import { createProviders, newPool } from './support/providers.js';
import { readSettings } from './support/server-settings.js';

const SCENARIOS: Scenario[] = [
  perOperation,
  roundTrip,
  throughput,
  pgbenchLimit,
  queuePeer,
  scaleCurves,
  wrappers,
  longPoll,
];

const options = parseOptions(process.argv, import.meta.dirname);
const chosen =
  options.scenarios.length === 0
    ? SCENARIOS
    : SCENARIOS.filter((s) => options.scenarios.includes(s.id) || options.scenarios.includes(String(s.number)));
const unknown = options.scenarios.filter((name) => !SCENARIOS.some((s) => s.id === name || String(s.number) === name));
if (unknown.length > 0) {
  console.error(
    `Unknown scenario(s): ${unknown.join(', ')}. Known: ${SCENARIOS.map((s) => `${s.number} ${s.id}`).join(', ')}`,
  );
  process.exit(2);
}

const started = new Date();
const server = await startBenchServer();
const admin = newPool(server.connectionString, 4);
const results: ScenarioResult[] = [];
try {
  const settings = await readSettings(admin);
  const providers = await createProviders(admin, server.connectionString);
  const progress = new Progress(chosen.reduce((sum, scenario) => sum + scenario.steps(options), 0));
  const context: BenchContext = {
    options,
    connectionString: server.connectionString,
    admin,
    providers,
    progress,
    ownServer: server.own,
  };
  try {
    for (const scenario of chosen) {
      progress.beginScenario(`${scenario.number}. ${scenario.title}`);
      results.push(await scenario.run(context));
    }
  } finally {
    progress.finish();
    await providers.drop();
  }

  const machine = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
  const serverLabel = server.label;
  console.log(`Node ${machine.node}, ${machine.cpu} × ${machine.cores}; ${serverLabel}: ${formatSettings(settings)}`);
  for (const result of results) {
    console.log(`\n${chosen.find((s) => s.id === result.id)!.number}. ${result.title}`);
    for (const note of result.notes) console.log(`  ${note}`);
    for (const table of result.tables) console.log(`\n${formatTable(table)}`);
  }

  await mkdir(options.outDir, { recursive: true });
  const charts = results.flatMap((result) => result.charts);
  for (const chart of charts) await writeFile(join(options.outDir, chart.file), renderChart(chart));
  const json = join(options.outDir, 'bench-results.json');
  await writeFile(
    json,
    `${JSON.stringify({ started: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000, machine, server: serverLabel, settings, options, results }, null, 2)}\n`,
  );
  console.log(`\nFigures: ${json}${charts.length > 0 ? `; charts: ${charts.map((c) => c.file).join(', ')}` : ''}`);
} finally {
  await admin.end();
  await server.stop();
}
