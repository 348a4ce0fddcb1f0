/**
 * The v2 migration run while a v1 process is busy: loops of v1 fetches and acks (plain SQL against the v1
 * procedures, `V1SqlProvider`) keep every instance turning. A v1 fetch that found work holds `orchestrator_queue` and
 * then reads `instances`, the opposite order of 0007's ALTER TABLEs; the runner's up-front locks and bounded waits
 * (provider/migrations/migration-transaction.ts) must keep both sides free of deadlock errors, and every call either
 * runs before the migration or waits for it and runs after.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../provider/migrations/run-migrations.js';
import { dropSchema, openPool, randomSchemaName } from '../support/tenant-schema.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { eventually } from '../orchestration/support/harness.js';
import { externalRaised, orchestrationStarted, startOrchestration } from '../support/work-items.js';
import { LAST_V1_VERSION, migrateUpTo } from './support/v1-schema.js';
import { V1SqlProvider } from './support/v1-sql-provider.js';

const INSTANCES = 6;
const LOOPS = 4;

describe('migration under a busy v1 dispatcher', () => {
  let pool: pg.Pool;
  const schema = randomSchemaName('busy');
  const q = quoteIdentifier(schema);
  beforeAll(() => {
    pool = openPool(LOOPS + 4);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('v1 fetches and acks running through the v2 migration meet no deadlock on either side, and lose nothing', async () => {
    await migrateUpTo(pool, schema, LAST_V1_VERSION);
    const v1 = new V1SqlProvider(pool, schema, Date.now, 30_000);
    for (let i = 0; i < INSTANCES; i++) await v1.enqueueOrchestratorWork(startOrchestration(`busy-${i}`));

    // One turn: take an instance's message and ack it with a new message for the same instance, so there is always
    // work. The first turn writes OrchestrationStarted, as the runtime does.
    let acks = 0;
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const fetched = await v1.fetchOrchestrationItem();
        if (!fetched) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const { item, lockToken } = fetched;
        const delta = item.history.length === 0 ? [orchestrationStarted(1)] : [];
        await v1.ackOrchestrationItem(lockToken, item.executionId, delta, [], [externalRaised(item.instance)], {
          status: 'Running',
          orchestrationName: 'TestOrch',
          orchestrationVersion: '1.0.0',
        });
        acks++;
      }
    };
    const loops = Array.from({ length: LOOPS }, loop);
    try {
      await eventually(async () => (acks >= 20 ? true : undefined));
      const retries: string[] = [];
      // Four loops that are never idle, whose fetch (orchestrator_queue first) and ack (instance_locks first, the queue
      // last) take the tables in opposite orders: an attempt only gets through when no call is half-way between them,
      // about one attempt in ten here, and the default 30 attempts sometimes ran out (before 0016 as well).
      // An operator facing such a dispatcher gives the runner more patience (or stops it, README); so does the test.
      const report = await migrate(pool, {
        schema,
        locking: {
          attempts: 100,
          maxBackoffMs: 200,
          onRetry: (_, error) => retries.push((error as { code?: string }).code ?? error.message),
        },
      });
      expect(report.applied[0]!.version).toBe(LAST_V1_VERSION + 1);
      expect(retries.filter((code) => code !== '55P03')).toEqual([]);
      // The loops carry on against the migrated schema (the v1 orchestrator calls resolve to the v2 procedures).
      const acksAtCommit = acks;
      await eventually(async () => (acks >= acksAtCommit + 20 ? true : undefined));
    } finally {
      stop = true;
      await Promise.allSettled(loops);
    }
    await Promise.all(loops);

    expect(v1.calls.failed).toEqual([]);
    // Nothing lost or doubled: each instance still has exactly one message, no lock is left, one start each.
    const state = await pool.query<{ queued: string; locks: string; starts: string }>(
      `SELECT (SELECT count(DISTINCT instance_id) || '/' || count(*) FROM ${q}.orchestrator_queue) AS queued,
              (SELECT count(*) FROM ${q}.instance_locks) AS locks,
              (SELECT count(*) FROM ${q}.history WHERE event_data ? 'OrchestrationStarted') AS starts`,
    );
    expect(state.rows[0]).toEqual({ queued: `${INSTANCES}/${INSTANCES}`, locks: '0', starts: String(INSTANCES) });
  }, 120_000);
});
