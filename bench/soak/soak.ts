/**
 * `npm run soak [-- --quick] [-- --instances N]`: a bounded real-time run of the runtime on the provider under faults.
 * Orchestrations of three activities (one fails once and is retried) and a 50–200 ms timer, driven by one runtime
 * with 8 dispatchers and 8 workers, while an admin connection terminates the provider's backends at random moments
 * and the embedded server is stopped and started once. Prints the figures, checks every invariant at the end, and
 * exits non-zero on any violation. Uses DATABASE_URL when set (then without the restart), else an embedded server.
 */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import pg from 'pg';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { Runtime } from '../../orchestration/index.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import type { ProviderEvent } from '../../provider/provider-events.js';
import {
  type EmbeddedServer,
  type RunningServer,
  startEmbeddedPostgres,
} from '../../test/support/embedded-postgres.js';
import { BackendKiller } from './backend-killer.js';
import { checkInvariants } from './check-invariants.js';
import { observedProvider } from './observed-provider.js';
import { createEffectsTable, instanceIdOf, soakApplication, timerMsOf } from './soak-workload.js';

const options = new Command()
  .name('npm run soak --')
  .option('--quick', 'the CI size: 300 orchestrations', false)
  .option('--instances <n>', 'orchestrations to run (default 10,000; 300 with --quick)', Number)
  .option('--kill-every <ms>', 'mean pause between backend kills', Number, 150)
  .option('--concurrency <n>', 'dispatchers, and workers, of the runtime', Number, 8)
  .option('--timeout <s>', 'give up waiting after this long (default 100 s with --quick, else 3 h)', Number)
  .parse()
  .opts<{ quick: boolean; instances?: number; killEvery: number; concurrency: number; timeout?: number }>();

const INSTANCES = options.instances ?? (options.quick ? 300 : 10_000);
const TIMEOUT_MS = (options.timeout ?? (options.quick ? 100 : 3 * 3600)) * 1000;
/** Short enough that a lock whose fetch answer was lost to a kill is free again soon. */
const LOCK_TIMEOUT_MS = 5_000;
/** Started but not yet completed at most: the queues stay as deep as a busy system's, not 10,000 messages deep. */
const WINDOW = 400;
/** The restart comes once this share of the orchestrations completed, and the server stays down this long. */
const RESTART_AT = 0.4;
const DOWN_MS = 1_500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`soak: ${line}`);

const embedded = !process.env.DATABASE_URL;
const server: RunningServer | EmbeddedServer = embedded
  ? await startEmbeddedPostgres({ maxConnections: 100 })
  : { connectionString: process.env.DATABASE_URL!, stop: async () => {} };
const admin = new pg.Pool({ connectionString: server.connectionString, max: 3 });
const appPool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
// Connections of these pools die with the restart; that is expected and must not end the process.
admin.on('error', () => {});
appPool.on('error', () => {});

const schema = `soak_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const applicationName = `${schema}_provider`;
const url = new URL(server.connectionString);
url.searchParams.set('application_name', applicationName);

const events = { retries: 0, connectionsLost: 0, retryCauses: new Map<string, number>() };
const onEvent = (event: ProviderEvent) => {
  if (event.kind === 'connection-lost') events.connectionsLost++;
  if (event.kind !== 'retry') return;
  events.retries++;
  const cause = event.error.sqlstate ?? event.error.reason.replace(/ [\d.]+:\d+$/, '');
  events.retryCauses.set(cause, (events.retryCauses.get(cause) ?? 0) + 1);
};
const runtimeErrors = { retryable: 0, other: new Map<string, number>() };

let ok: boolean;
try {
  // As the README shows: the provider owns its pool, made from a connection string.
  const provider = await PostgresProvider.create({
    connectionString: url.toString(),
    schema,
    lockTimeoutMs: LOCK_TIMEOUT_MS,
    onEvent,
  });
  const effectsTable = await createEffectsTable(admin, `${schema}_app`);
  const observed = observedProvider(provider);
  const app = soakApplication(appPool, effectsTable, observed.tally.acked);
  const runtime = new Runtime(observed.provider, {
    orchestrationConcurrency: options.concurrency,
    workerConcurrency: options.concurrency,
    dispatcherPollIntervalMs: 50,
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    onError: (error, context) => {
      if ((error as { retryable?: unknown }).retryable === true) runtimeErrors.retryable++;
      else {
        const key = `${context.operation}: ${(error as Error).message?.slice(0, 100)}`;
        runtimeErrors.other.set(key, (runtimeErrors.other.get(key) ?? 0) + 1);
      }
    },
  }).register(app.step, app.orchestration);
  const killer = new BackendKiller(admin, applicationName, options.killEvery);
  const quotedSchema = quoteIdentifier(schema);

  let completed = 0;
  let started = 0;
  let startRetries = 0;
  const began = Date.now();
  await runtime.start();
  killer.start();

  const feeder = (async () => {
    const startOne = async (n: number) => {
      for (;;) {
        try {
          await runtime.client.startOrchestration(instanceIdOf(n), app.orchestration, { n, timerMs: timerMsOf(n) });
          return;
        } catch {
          // A start that committed unseen and is sent again is a second StartOrchestration the runtime ignores.
          startRetries++;
          await sleep(100);
        }
      }
    };
    while (started < INSTANCES) {
      const batch = Math.min(INSTANCES - started, WINDOW - (started - completed), 50);
      if (batch <= 0) {
        await sleep(50);
        continue;
      }
      const first = started;
      started += batch;
      await Promise.all(Array.from({ length: batch }, (_, i) => startOne(first + i)));
    }
  })();

  let restart: { at: number; downMs: number } | 'skipped (DATABASE_URL)' | undefined = embedded
    ? undefined
    : 'skipped (DATABASE_URL)';
  let lastProgress = Date.now();
  while (completed < INSTANCES && Date.now() - began < TIMEOUT_MS) {
    await sleep(250);
    try {
      const counts = await admin.query<{ done: string }>(
        `SELECT count(*) AS done FROM ${quotedSchema}.executions WHERE status <> 'Running'`,
      );
      completed = Number(counts.rows[0]!.done);
    } catch {
      continue; // the server is down: the restart is under way
    }
    if (restart === undefined && completed >= INSTANCES * RESTART_AT) {
      const at = completed;
      killer.pause(true);
      const halted = Date.now();
      await (server as EmbeddedServer).halt();
      await sleep(DOWN_MS);
      await (server as EmbeddedServer).resume();
      restart = { at, downMs: Date.now() - halted };
      killer.pause(false);
    }
    if (!options.quick && Date.now() - lastProgress > 30_000) {
      lastProgress = Date.now();
      const seconds = (Date.now() - began) / 1000;
      log(
        `${completed}/${INSTANCES} done after ${seconds.toFixed(0)} s, ${killer.kills} kills, ${events.retries} re-issues`,
      );
    }
  }
  const elapsedMs = Date.now() - began;
  await killer.stop();
  await feeder;
  // Late timers and acks: the queues drain shortly after the last completion.
  for (let i = 0; i < 40; i++) {
    const depth = await admin.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM ${quotedSchema}.orchestrator_queue) + (SELECT count(*) FROM ${quotedSchema}.worker_queue) AS n`,
    );
    if (depth.rows[0]!.n === '0') break;
    await sleep(250);
  }
  await runtime.shutdown(10_000);

  const verdict = await checkInvariants(admin, quotedSchema, effectsTable, INSTANCES, app.tally.redelivered);
  const duplicates = verdict.duplicates + app.tally.afterAck.length;
  for (const key of app.tally.afterAck.slice(0, 20)) verdict.problems.push(`${key}: ran again after its ack`);
  const restartText =
    typeof restart === 'object' ? `1 (at ${restart.at} done, down ${restart.downMs} ms)` : (restart ?? 'not reached');
  const causes = [...events.retryCauses].map(([cause, count]) => `${cause} ×${count}`).join(', ');
  log(
    `${INSTANCES} instances, ${observed.tally.turns} turns, ${app.tally.runs + app.tally.failedOnPurpose} activities ` +
      `(${app.tally.failedOnPurpose} failed once and retried, ${app.tally.redelivered} redelivered after a lost ack), ` +
      `${verdict.effects} effects`,
  );
  log(
    `faults: ${killer.kills} backends killed, restart ${restartText}; ${events.retries} calls re-issued by the provider ` +
      `(${causes || 'none'}), ${events.connectionsLost} idle connections lost, ${runtimeErrors.retryable} retryable ` +
      `errors reached the runtime, ${startRetries} starts sent again`,
  );
  for (const [what, count] of runtimeErrors.other) log(`non-retryable error reached the runtime ×${count}: ${what}`);
  for (const problem of verdict.problems) log(`VIOLATION ${problem}`);
  ok = verdict.problems.length === 0 && duplicates === 0 && verdict.lost === 0;
  log(
    `duplicates = ${duplicates}, lost = ${verdict.lost}; elapsed ${(elapsedMs / 1000).toFixed(1)} s, ` +
      `${((INSTANCES * 1000) / elapsedMs).toFixed(1)} orchestrations/s, ` +
      `${((observed.tally.turns * 1000) / elapsedMs).toFixed(1)} turns/s — ${ok ? 'OK' : 'FAILED'}`,
  );
  await provider.close();
  if (!embedded) {
    await admin.query(`DROP SCHEMA ${quotedSchema} CASCADE`);
    await admin.query(`DROP SCHEMA ${quoteIdentifier(`${schema}_app`)} CASCADE`);
  }
} finally {
  await appPool.end();
  await admin.end();
  await server.stop();
}
// Not process.exitCode: embedded-postgres's exit hook ends the process with 0 on `beforeExit`, overriding it.
process.exit(ok ? 0 : 1);
