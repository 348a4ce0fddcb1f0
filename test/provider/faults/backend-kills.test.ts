import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PostgresProvider } from '../../../provider/postgres-provider.js';
import { openPool, randomSchemaName, useTenantSchema } from '../../support/tenant-schema.js';
import { IMPLEMENTATIONS } from '../support/provider-factory.js';
import { manualClock } from '../support/test-clocks.js';
import { EventLog } from './support/event-log.js';
import { Workload } from './support/workload.js';

const LOCK_TIMEOUT_MS = 1000;
/** Instances started at a time; the run starts more until it has killed enough, during every kind of call. */
const BATCH = 20;
const MAX_BATCHES = 8;
/** Share of provider calls that set off a kill a few milliseconds after they start. */
const KILL_SHARE = 0.4;
/** Per implementation: the run kills twice as many. */
const MIN_KILLS = 100;
/** Interruptions each of the five methods must have met (more batches run until they have). */
const MIN_INTERRUPTED = 1;

/**
 * Terminates the provider's backends (`pg_terminate_backend`, as an operator or a failover does) at random moments:
 * mostly one that is running a statement or sits in a transaction, sometimes an idle one in the pool (or any, when
 * there is none of the kind chosen).
 */
class BackendKiller {
  kills = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly applicationName: string,
  ) {}

  killSoon(): void {
    const kill = (async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      const idle = Math.random() < 0.2;
      const result = await this.pool.query<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
          WHERE application_name = $1 ORDER BY (state = 'idle') = $2 DESC, random() LIMIT 1`,
        [this.applicationName, idle],
      );
      if (result.rows[0]?.killed) this.kills++;
    })();
    this.pending.add(kill);
    void kill.finally(() => this.pending.delete(kill));
  }

  /** Waits for the kills under way. */
  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }
}

let killerPool: pg.Pool;
beforeAll(() => {
  killerPool = openPool(4);
});
afterAll(async () => {
  await killerPool.end();
});

describe.each(IMPLEMENTATIONS)('backends killed at random moments (%s)', (implementation) => {
  const tenant = useTenantSchema({ name: randomSchemaName(`kills_${implementation}`), poolSize: 2 });

  it('the process survives, every interrupted call is retryable or re-issued, nothing is lost or done twice', async () => {
    const applicationName = `kills_${implementation}_${process.pid}`;
    const url = new URL(inject('databaseUrl'));
    url.searchParams.set('application_name', applicationName);
    const clock = manualClock();
    const log = new EventLog();
    // Its own pool, from a connection string, as the README shows: the test adds no error listener to it.
    const provider = await PostgresProvider.create({
      connectionString: url.toString(),
      schema: tenant.name,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      implementation,
      clock: clock.now,
      retryPausesMs: [2, 4, 8],
      // The manual clock runs ahead of the server's on purpose (rounds move it past the lock timeout).
      clockCheckIntervalMs: 0,
      onEvent: log.onEvent,
    });
    const killer = new BackendKiller(killerPool, applicationName);
    const workload = new Workload(provider, clock, LOCK_TIMEOUT_MS, {
      activities: 3,
      dispatchers: 3,
      workers: 3,
      abandonShare: 0.25,
      onCall: () => {
        if (Math.random() < KILL_SHARE) killer.killSoon();
      },
    });
    /** Per method: re-issued calls, and calls reported retryable or answered for an earlier committed attempt. */
    const interrupted = () =>
      Object.fromEntries(
        Object.entries(workload.tally).map(([method, tally]) => [
          method,
          log.retries().filter((error) => error.operation === method).length + tally.retryable + tally.committedEarlier,
        ]),
      );
    const enough = () =>
      killer.kills >= MIN_KILLS && Object.values(interrupted()).every((count) => count >= MIN_INTERRUPTED);
    try {
      let rounds = 0;
      for (let batch = 0; batch < MAX_BATCHES && !enough(); batch++) {
        await workload.addInstances(BATCH);
        rounds += await workload.run(
          () => workload.allCompleted(tenant.pool, tenant.quoted),
          200,
          () => killer.settle(),
        );
      }

      expect(await workload.verify(tenant.pool, tenant.quoted)).toEqual([]);
      expect(killer.kills).toBeGreaterThanOrEqual(MIN_KILLS);
      for (const [method, count] of Object.entries(interrupted())) {
        expect(count, `${method} interrupted`).toBeGreaterThanOrEqual(MIN_INTERRUPTED);
      }
      console.log(
        `${implementation}: ${killer.kills} backends killed during ${workload.instanceIds().length} orchestrations ` +
          `(${rounds} rounds); ${log.count('retry')} calls re-issued; calls interrupted: ${JSON.stringify(interrupted())}`,
      );

      // And the pool's idle connections, all at once: each loss is reported, the next call gets a new connection.
      await Promise.all([provider.listInstances(), provider.listInstances(), provider.listInstances()]);
      const lost = log.count('connection-lost');
      const idle = await killerPool.query<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'`,
        [applicationName],
      );
      expect(idle.rowCount).toBeGreaterThan(0);
      await log.until('connection-lost', lost + idle.rowCount!);
      expect(await provider.listInstances()).toHaveLength(workload.instanceIds().length);
    } finally {
      await killer.settle();
      await provider.close();
    }
  });
});
