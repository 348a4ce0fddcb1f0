import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';
import { PostgresProvider } from '../../../provider/postgres-provider.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../support/embedded-postgres.js';
import { IMPLEMENTATIONS } from '../support/provider-factory.js';
import { manualClock } from '../support/test-clocks.js';
import { EventLog } from './support/event-log.js';
import { Workload } from './support/workload.js';

const LOCK_TIMEOUT_MS = 1000;
const INSTANCES = 20;
/** Calls made before the server goes down: the restart comes mid-run. */
const CALLS_BEFORE_RESTART = 60;
/** Calls reported failed while the server is down before it comes back. */
const FAILURES_WHILE_DOWN = 4;

/** A server of its own: this file takes it down and brings it back, which the shared one must never see. */
let server: EmbeddedServer;
let pool: pg.Pool;
beforeAll(async () => {
  server = await startEmbeddedPostgres({ maxConnections: 40 });
  pool = new pg.Pool({ connectionString: server.connectionString, max: 2 });
  pool.on('error', () => {});
});
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

describe.each(IMPLEMENTATIONS)('server restart mid-run (%s)', (implementation) => {
  it('calls fail retryably while the server is down, and the same provider carries on when it is back', async () => {
    const schema = `restart_${implementation}`;
    const clock = manualClock();
    const log = new EventLog();
    const provider = await PostgresProvider.create({
      connectionString: server.connectionString,
      schema,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      implementation,
      clock: clock.now,
      retryPausesMs: [5, 10, 20],
      clockCheckIntervalMs: 0,
      onEvent: log.onEvent,
    });

    let calls = 0;
    let failuresWhileDown = -1;
    let restart: Promise<void> | undefined;
    let backUp!: () => void;
    const whenFailedEnough = new Promise<void>((resolve) => (backUp = resolve));
    const workload = new Workload(provider, clock, LOCK_TIMEOUT_MS, {
      activities: 3,
      dispatchers: 2,
      workers: 2,
      abandonShare: 0.1,
      onCall: () => {
        if (++calls !== CALLS_BEFORE_RESTART) return;
        restart = (async () => {
          await server.halt();
          failuresWhileDown = 0;
          await whenFailedEnough;
          await server.resume();
          failuresWhileDown = -1;
        })();
      },
      onFailure: (error) => {
        if (failuresWhileDown >= 0 && error.retryable && ++failuresWhileDown === FAILURES_WHILE_DOWN) backUp();
      },
    });
    try {
      await workload.addInstances(INSTANCES);
      const quoted = quoteIdentifier(schema);
      // While the server is down the completion check cannot run either: not done yet.
      await workload.run(() => workload.allCompleted(pool, quoted).catch(() => false), 10_000);
      await restart;

      expect(await workload.verify(pool, quoted)).toEqual([]);
      const failed = Object.values(workload.tally).reduce((sum, tally) => sum + tally.retryable, 0);
      expect(failed, 'calls reported retryable while the server was down').toBeGreaterThanOrEqual(FAILURES_WHILE_DOWN);
      const causes = new Set(log.retries().map((error) => error.sqlstate ?? error.reason));
      console.log(
        `${implementation}: ${failed} calls reported retryable across the restart, ${log.count('retry')} re-issued; ` +
          `causes: ${[...causes].join(' | ')}`,
      );
    } finally {
      await restart;
      await provider.close();
    }
  });
});
