/**
 * Upgrade test (issue 10): a schema migrated with the v1 files (0001…0006) and filled by a v1-era process is migrated
 * to contract v2 while that process's dispatcher is running, and a v2 runtime then finishes every instance.
 *
 * What "migrate while a dispatcher is running" means here. Contract v2 §1.10 step 4: a v1 and a v2 process never
 * share a schema — the fingerprint check makes a v2 provider refuse an unmigrated schema and a v1 provider a migrated
 * one, and the upgrade is "stop, migrate, start v2". The v1 process we model is the orchestration runtime's real
 * dispatcher on the v1 procedures, called with plain SQL (`V1SqlProvider`; the generated client speaks v2 now), so
 * the histories, queue items and instance rows are exactly what that runtime writes, minus the fields v2 added
 * (§2). Nobody stops it before the migration, which shows:
 *  1. the migration serialises with a v1 call in flight: it waits for the call's transaction (table locks), and the
 *     call's rows are then upgraded with the rest;
 *  2. what the still-running v1 process can do afterwards: the v1 worker procedures are gone, so a v1 worker's ack of
 *     its lease (and its next dequeue) fails with 42883 and writes nothing; the v1 orchestrator calls, however, keep
 *     resolving — the v2 fetch/ack/abandon/enqueue take the v1 parameters first and default the rest — so a v1
 *     dispatcher left running is not stopped by the migration (only a restart, through the fingerprint check, stops
 *     it). Nothing is visible to it here, so it only polls; the v1 turn that fetched before the migration is taken
 *     to have died with its process and is never acked;
 *  3. a v2 runtime (`Runtime` on `PostgresProvider`) started afterwards finishes every instance: expected outputs, no
 *     message lost, every activity run exactly once (side effects counted across both processes), the instance locked
 *     by the v1 turn resumes once its lock expires, the timer fires, the continued-as-new chain keeps its executions,
 *     the sub-orchestration started under v1 completes into its parent and is known as its child.
 * Time is a manual clock shared by both processes: lock expiry and the timer come from moving it, not from waiting.
 * The runner applies 0007 onward in one transaction that first locks the provider's tables (fixed order, bounded
 * waits, retried on 55P03/40P01), so no call sees a half-upgraded schema and the in-flight call above makes the
 * migration retry until it commits. A v1 call that arrives during the migration queues on the table locks and, as
 * PL/pgSQL fixed the function body when the call began, runs the v1 body against the upgraded tables (the v2 columns
 * all have defaults); calls issued after the commit resolve the v2 procedures.
 * While the migration runs, the v1 dispatcher here has nothing visible to fetch (every v1 message belongs to a locked
 * instance or is not due yet). A v1 fetch that finds a candidate reads `instances` while holding `orchestrator_queue`,
 * the opposite order of 0007's ALTER TABLEs; that no longer deadlocks (test/upgrade/migration-under-load.test.ts runs
 * v1 fetch/ack loops through the migration). A dispatcher kept busy without pause by events raised in a tight loop
 * can still make every lock attempt time out (an ack holds a later table while it waits for the queue the migration
 * took): the migration then fails after its attempts with 'lock-timeout' and leaves the v1 schema as it was.
 * Defect found and fixed (0014): v1 children kept `parent_instance_id` NULL after the upgrade.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, type OrchestrationContext } from '../../orchestration/index.js';
import { migrate } from '../../provider/migrations/run-migrations.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { dropSchema, openPool, randomSchemaName } from '../support/tenant-schema.js';
import { snapshotTables } from '../support/table-snapshot.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { eventually, hasKind, manualClock, silentLogger, waitForHistory } from '../orchestration/support/harness.js';
import { LAST_V1_VERSION, migrateUpTo } from './support/v1-schema.js';
import { V1CallError, V1SqlProvider } from './support/v1-sql-provider.js';

const LOCK_TIMEOUT_MS = 5_000;
const TIMER_MS = 60_000;

/** Side effects of every activity run, by `instance/activity/input`, across the v1 and the v2 process. */
const sideEffects = new Map<string, number>();
const count = (key: string) => sideEffects.set(key, (sideEffects.get(key) ?? 0) + 1);

function register(runtime: Runtime): Runtime {
  runtime.registerActivity('Charge', (ctx, n: number) => {
    count(`${ctx.instanceId}/Charge/${n}`);
    return n * 2;
  });
  runtime.registerActivity('Note', (ctx, s: string) => {
    count(`${ctx.instanceId}/Note/${s}`);
    return `noted:${s}`;
  });
  runtime.registerOrchestration('Order', function* (ctx: OrchestrationContext, n: number) {
    return { charged: yield ctx.scheduleActivity('Charge', n) };
  });
  runtime.registerOrchestration('Collect', function* (ctx: OrchestrationContext) {
    const [a, b] = (yield ctx.all([ctx.waitForEvent('A'), ctx.waitForEvent('B')])) as { ok: number }[];
    return `sum:${yield ctx.scheduleActivity('Charge', a!.ok + b!.ok)}`;
  });
  runtime.registerOrchestration('Sleeper', function* (ctx: OrchestrationContext) {
    yield ctx.scheduleTimer(TIMER_MS);
    return yield ctx.scheduleActivity('Note', 'woke');
  });
  runtime.registerOrchestration('Countdown', function* (ctx: OrchestrationContext, n: number) {
    if (n < 3) return yield ctx.continueAsNew(n + 1);
    return `finished:${(yield ctx.waitForEvent('Finish')) as string}:${n}`;
  });
  runtime.registerOrchestration('Child', function* (ctx: OrchestrationContext, s: string) {
    return `${s}+${(yield ctx.waitForEvent('ChildGo')) as string}`;
  });
  runtime.registerOrchestration('Parent', function* (ctx: OrchestrationContext) {
    return `parent:${yield ctx.scheduleSubOrchestrationWithId('Child', 'child-1', 'c')}`;
  });
  runtime.registerOrchestration('Fanout', function* (ctx: OrchestrationContext) {
    const [a, b] = (yield ctx.all([ctx.scheduleActivity('Note', 'a'), ctx.scheduleActivity('Note', 'b')])) as {
      ok: string;
    }[];
    return `${a!.ok},${b!.ok}`;
  });
  return runtime;
}

describe('upgrade from the v1 schema', () => {
  let pool: pg.Pool;
  const schema = randomSchemaName('upgrade');
  const q = quoteIdentifier(schema);
  beforeAll(() => {
    pool = openPool(30);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('migrates a v1 schema in use by a running v1 dispatcher, and a v2 runtime finishes every instance', async () => {
    const clock = manualClock();
    const tenant = { pool, name: schema, quoted: q };
    await migrateUpTo(pool, schema, LAST_V1_VERSION);
    const v1 = new V1SqlProvider(pool, schema, clock.now, LOCK_TIMEOUT_MS);
    const runtimeOptions = { clock: clock.now, logger: silentLogger, dispatcherPollIntervalMs: 10 };

    // 1. A v1 process with workers brings instances into every state.
    const v1Full = register(new Runtime(v1.asRuntimeProvider(), runtimeOptions));
    await v1Full.start();
    await v1Full.client.startOrchestration('order', 'Order', 21);
    await v1Full.client.startOrchestration('collect', 'Collect');
    await v1Full.client.startOrchestration('sleeper', 'Sleeper');
    await v1Full.client.startOrchestration('countdown', 'Countdown', 1);
    await v1Full.client.startOrchestration('parent', 'Parent');
    expect(await v1Full.client.waitForOrchestration('order')).toEqual({ status: 'Completed', output: { charged: 42 } });
    await waitForHistory(v1.asRuntimeProvider(), 'collect', hasKind('ExternalSubscribed', 2));
    await waitForHistory(v1.asRuntimeProvider(), 'sleeper', hasKind('TimerCreated'));
    await waitForHistory(v1.asRuntimeProvider(), 'child-1', hasKind('ExternalSubscribed'));
    await eventually(async () => ((await v1.latestExecutionId('countdown')) === 3 ? true : undefined));
    await waitForHistory(v1.asRuntimeProvider(), 'countdown', hasKind('ExternalSubscribed'));
    await v1Full.shutdown(1_000);

    // A v1 turn fetches collect's first event and is still working on it when the migration comes (lock live), and
    // a second event arrives meanwhile: it stays queued, untagged.
    await v1.enqueueOrchestratorWork({ ExternalRaised: { instance: 'collect', name: 'A', data: '1' } });
    const inFlightTurn = await v1.fetchOrchestrationItem();
    expect(inFlightTurn?.item.instance).toBe('collect');

    // 2. The v1 dispatcher that is running during the migration (orchestrations only, so activities stay queued);
    //    one activity is leased by a v1 worker that has not finished it.
    const v1Dispatcher = register(new Runtime(v1.asRuntimeProvider(), { ...runtimeOptions, workerConcurrency: 0 }));
    await v1Dispatcher.start();
    await v1Dispatcher.client.startOrchestration('fanout', 'Fanout');
    await waitForHistory(v1.asRuntimeProvider(), 'fanout', hasKind('ActivityScheduled', 2));
    const lease = await v1.dequeueWorkerPeekLock();
    expect(lease?.item).toMatchObject({ ActivityExecute: { instance: 'fanout', name: 'Note', input: '"a"' } });

    // A v1 client call in flight (its transaction still open) when the migration starts: the migration waits for it.
    const inFlightCall = await pool.connect();
    inFlightCall.on('error', () => {});
    await inFlightCall.query('BEGIN');
    await inFlightCall.query(`SELECT ${q}.sp_enqueue_orchestrator_work($1::jsonb, $2::bigint, NULL)`, [
      JSON.stringify({ ExternalRaised: { instance: 'collect', name: 'B', data: '2' } }),
      clock.now(),
    ]);
    let migrated = false;
    const migration = migrate(pool, { schema }).then((report) => {
      migrated = true;
      return report;
    });
    await eventually(async () => {
      const waiting = await pool.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE %' AND pid <> pg_backend_pid()`,
      );
      return waiting.rowCount === 1 ? true : undefined;
    });
    expect(migrated).toBe(false);
    await inFlightCall.query('COMMIT');
    inFlightCall.release();
    const report = await migration;
    expect(report.applied.map((f) => f.version)[0]).toBe(LAST_V1_VERSION + 1);

    // The v1 dispatcher kept polling through the migration. Its orchestrator calls still resolve — the v2
    // procedures keep the v1 parameters first and default the rest — while the v1 worker procedures are gone: the
    // v1 worker's ack of its lease fails with 42883 and changes nothing.
    await v1Dispatcher.shutdown(1_000);
    expect(v1.calls.failed).toEqual([]);
    const before = await snapshotTables(tenant);
    const v1WorkerAck = v1.ackWorker(lease!.lockToken, {
      ActivityCompleted: { instance: 'fanout', execution_id: 1, id: 2, result: '"x"' },
    });
    await expect(v1WorkerAck).rejects.toBeInstanceOf(V1CallError);
    await expect(v1WorkerAck).rejects.toMatchObject({ sqlstate: '42883' });
    await expect(v1.dequeueWorkerPeekLock()).rejects.toMatchObject({ sqlstate: '42883' });
    expect(await snapshotTables(tenant)).toEqual(before);

    // 3. A v2 process finishes everything.
    const provider = await PostgresProvider.create({ pool, schema, clock: clock.now, lockTimeoutMs: LOCK_TIMEOUT_MS });
    try {
      const v2 = register(new Runtime(provider, runtimeOptions));
      await v2.start();
      try {
        await v2.client.raiseEvent('countdown', 'Finish', 'done');
        await v2.client.raiseEvent('child-1', 'ChildGo', 'go');
        // Past the v1 turn's lock, the v1 worker's lease and the timer.
        clock.advance(TIMER_MS + LOCK_TIMEOUT_MS);
        const expected: Record<string, unknown> = {
          order: { charged: 42 },
          collect: 'sum:6',
          sleeper: 'noted:woke',
          countdown: 'finished:done:3',
          'child-1': 'c+go',
          parent: 'parent:c+go',
          fanout: 'noted:a,noted:b',
        };
        for (const [instance, output] of Object.entries(expected)) {
          expect([instance, await v2.client.waitForOrchestration(instance, 10_000)]).toEqual([
            instance,
            { status: 'Completed', output },
          ]);
        }
      } finally {
        await v2.shutdown(1_000);
      }

      // Every activity ran exactly once, across both processes.
      expect(Object.fromEntries(sideEffects)).toEqual({
        'order/Charge/21': 1,
        'collect/Charge/3': 1,
        'sleeper/Note/woke': 1,
        'fanout/Note/a': 1,
        'fanout/Note/b': 1,
      });
      // The chain kept its executions; the child is the parent's.
      expect(await provider.listExecutions('countdown')).toEqual([1, 2, 3]);
      const statuses = await Promise.all(
        [1, 2, 3].map(async (e) => (await provider.getExecutionInfo('countdown', e)).status),
      );
      expect(statuses).toEqual(['ContinuedAsNew', 'ContinuedAsNew', 'Completed']);
      expect(await provider.getParentId('child-1')).toBe('parent');
      expect(await provider.listChildren('parent')).toEqual(['child-1']);
      const queues = await pool.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM ${q}.orchestrator_queue) + (SELECT count(*) FROM ${q}.worker_queue)
              + (SELECT count(*) FROM ${q}.instance_locks) AS n`,
      );
      expect(Number(queues.rows[0]!.n)).toBe(0);
    } finally {
      await provider.close();
    }
  });
});
