/** `npm run bench -- [options]`: which scenarios, how big, how long. `--quick` shrinks every default. */
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';

export interface BenchOptions {
  quick: boolean;
  /** Scenario ids or numbers to run; empty: all. */
  scenarios: string[];
  /** Timed samples per latency figure. */
  rounds: number;
  /** Seconds of each throughput run. */
  durationSeconds: number;
  dispatchers: number[];
  /** pgbench clients, and the TypeScript turn loops set against them. */
  clients: number[];
  /** Worker concurrency for the queue-vs-graphile-worker scenario, and jobs per run. */
  peerConcurrency: number[];
  peerJobs: number;
  historySizes: number[];
  backlogSizes: number[];
  queuedSizes: number[];
  /** Milliseconds the proxy adds per direction. */
  delaysMs: number[];
  /** Also run the throughput scenario with fsync=off (embedded server only). */
  fsyncOffRow: boolean;
  outDir: string;
}

const list = (value: string): number[] =>
  value.split(',').map((part) => {
    const number = Number(part);
    if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError(`not a number: ${part}`);
    return number;
  });

const positive = (value: string): number => {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`not a positive number: ${value}`);
  return number;
};

export function parseOptions(argv: string[], benchDir: string): BenchOptions {
  const program = new Command('bench')
    .description('Provider benchmark on a durable PostgreSQL (embedded unless DATABASE_URL is set).')
    .option('--quick', 'small sizes and short runs (under a minute; the CI smoke test)', false)
    .option('--scenarios <list>', 'comma-separated ids or numbers (default: all), e.g. per-operation,6')
    .option('--rounds <n>', 'timed samples per latency figure', positive)
    .option('--duration <seconds>', 'length of each throughput run', positive)
    .option('--dispatchers <list>', 'dispatcher (and worker) counts for the throughput scenario', list)
    .option('--clients <list>', 'pgbench clients (and TypeScript turn loops)', list)
    .option('--peer-concurrency <list>', 'worker concurrency against graphile-worker', list)
    .option('--peer-jobs <n>', 'jobs per worker-queue run', positive)
    .option('--history <list>', 'history lengths for the scale curve', list)
    .option('--backlog <list>', 'messages waiting on a locked instance (and leased items)', list)
    .option('--queued <list>', 'queued instances for the scale curve', list)
    .option('--delays <list>', 'milliseconds the proxy adds per direction', list)
    .option('--no-fsync-off-row', 'skip the fsync=off throughput row')
    .option('--out <dir>', 'folder for the JSON file and the charts');
  program.parse(argv, { from: 'node' });
  const given = program.opts<Record<string, unknown>>();
  const quick = given.quick === true;
  const pick = <T>(key: string, full: T, small: T): T => (given[key] as T | undefined) ?? (quick ? small : full);
  return {
    quick,
    scenarios: typeof given.scenarios === 'string' ? given.scenarios.split(',').map((s) => s.trim()) : [],
    rounds: pick('rounds', 300, 25),
    durationSeconds: pick('duration', 5, 1),
    dispatchers: pick('dispatchers', [1, 4, 16], [1, 4]),
    clients: pick('clients', [1, 8], [8]),
    peerConcurrency: pick('peerConcurrency', [1, 4, 24], [4]),
    peerJobs: pick('peerJobs', 3000, 200),
    historySizes: pick('history', [100, 1000, 5000, 20000], [100, 1000]),
    backlogSizes: pick('backlog', [0, 500, 2000, 5000], [0, 500]),
    queuedSizes: pick('queued', [1000, 10000, 100000], [1000, 3000]),
    delaysMs: pick('delays', [0, 1], [0, 1]),
    fsyncOffRow: given.fsyncOffRow !== false,
    outDir: resolve(
      (given.out as string | undefined) ??
        (quick ? resolve(benchDir, 'results', 'quick') : resolve(benchDir, 'results')),
    ),
  };
}
