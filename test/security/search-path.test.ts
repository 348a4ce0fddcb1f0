/**
 * A function planted earlier on the caller's search_path never runs. pg_catalog has no `to_timestamp(numeric)` and
 * no `/`(bigint, numeric), so `to_timestamp(p_now_ms / 1000.0)` — in every enqueue and ack — is an inexact match
 * that an exact one in any schema on the caller's path beats. The procedures pin their search_path, and the inline
 * SQL qualifies the call; the planted functions raise, so running one fails the call.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { runOrderOrchestration } from '../../provider/demo/order-orchestration.js';
import { type Implementation, PostgresProvider } from '../../provider/postgres-provider.js';
import { openPool, randomSchemaName } from '../support/tenant-schema.js';
import { activityCompleted, activityExecute, orchestrationStarted, startOrchestration } from '../support/work-items.js';
import { useDeployment } from './support/deployment.js';

const deployment = useDeployment(1);
const trap = randomSchemaName('trap');
const trapped = 'planted function ran';

/** `to_timestamp(numeric)` and `/`(bigint, numeric), in `schema`, each raising; executable by everyone. */
function plantedSql(schema: string): string {
  const s = quoteIdentifier(schema);
  return `
    CREATE FUNCTION ${s}.to_timestamp(numeric) RETURNS timestamptz LANGUAGE plpgsql AS
      $body$ BEGIN RAISE EXCEPTION '${trapped}' USING ERRCODE = 'HJ001'; END $body$;
    CREATE FUNCTION ${s}.planted_divide(bigint, numeric) RETURNS numeric LANGUAGE plpgsql AS
      $body$ BEGIN RAISE EXCEPTION '${trapped}' USING ERRCODE = 'HJ001'; END $body$;
    CREATE OPERATOR ${s}./ (LEFTARG = bigint, RIGHTARG = numeric, FUNCTION = ${s}.planted_divide);
    GRANT EXECUTE ON FUNCTION ${s}.to_timestamp(numeric), ${s}.planted_divide(bigint, numeric) TO PUBLIC;`;
}

/** The expression the procedures were written with, unqualified: what a planted function would capture. */
const UNPINNED_CALL = 'SELECT to_timestamp(1800000000000::bigint / 1000.0)';

beforeAll(async () => {
  await deployment.admin.query(`CREATE SCHEMA ${quoteIdentifier(trap)}`);
  await deployment.admin.query(`GRANT USAGE ON SCHEMA ${quoteIdentifier(trap)} TO PUBLIC`);
  await deployment.admin.query(plantedSql(trap));
});

afterAll(async () => {
  await deployment.admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(trap)} CASCADE`);
});

/** Every provider method that writes a time, once; `runOrderOrchestration` covers the rest of the API. */
async function everyTimedWrite(provider: PostgresProvider): Promise<void> {
  await provider.enqueueOrchestratorWork(startOrchestration('timed'), 0);
  const item = (await provider.fetchOrchestrationItem())!;
  await provider.abandonOrchestrationItem(item.lockToken, 0);
  const again = (await provider.fetchOrchestrationItem())!;
  await provider.ackOrchestrationItem(again.lockToken, 1, [], [activityExecute('timed', 1)], [], {
    status: 'Completed',
    output: '"done"',
    orchestrationName: 'TestOrch',
    orchestrationVersion: '1.0.0',
  });
  const lease = (await provider.dequeueWorkerPeekLock())!;
  await provider.ackWorker(lease.lockToken, activityCompleted('timed', 1));
  await provider.appendWithExecution('timed', 1, [orchestrationStarted(1)]);
  await provider.enqueueWorkerWork(activityExecute('timed', 2));
}

describe.each<[string, Implementation]>([
  ['the procedures, connected as the application role', 'procedures'],
  ['the inline SQL, connected as the owner', 'inline'],
])('%s, with a trap schema first on the search_path', (_label, implementation) => {
  let pool: pg.Pool;
  beforeAll(() => {
    const [tenant] = deployment.tenants;
    const options = { max: 5, options: `-c search_path=${quoteIdentifier(trap)},public` };
    pool = implementation === 'procedures' ? tenant!.app.openPool(options) : deployment.owner.openPool(options);
  });

  it('would run the planted functions for the unqualified expression', async () => {
    await expect(pool.query(UNPINNED_CALL)).rejects.toMatchObject({ code: 'HJ001', message: trapped });
  });

  it('never runs them: a whole orchestration and every timed write succeed', async () => {
    const [tenant] = deployment.tenants;
    await deployment.admin.query(`DELETE FROM ${tenant!.quoted}.instances; DELETE FROM ${tenant!.quoted}.executions`);
    const provider = await PostgresProvider.create({
      pool,
      schema: tenant!.schema,
      lockTimeoutMs: 5_000,
      migrate: false,
      implementation,
    });
    try {
      await runOrderOrchestration(provider, `order-${implementation}`, () => {});
      expect((await provider.getInstanceInfo(`order-${implementation}`)).status).toBe('Completed');
      await everyTimedWrite(provider);
      const stored = await deployment.admin.query<{ created_at: Date }>(
        `SELECT created_at FROM ${tenant!.quoted}.instances WHERE instance_id = 'timed'`,
      );
      expect(stored.rows[0]!.created_at.getTime()).toBeGreaterThan(0);
    } finally {
      await provider.close();
      await deployment.admin.query(
        `DELETE FROM ${tenant!.quoted}.instances; DELETE FROM ${tenant!.quoted}.executions;
         DELETE FROM ${tenant!.quoted}.history; DELETE FROM ${tenant!.quoted}.orchestrator_queue;
         DELETE FROM ${tenant!.quoted}.worker_queue; DELETE FROM ${tenant!.quoted}.instance_locks`,
      );
    }
  });
});

describe('a to_timestamp(numeric) planted in public, on the default search_path', () => {
  // Planted in a transaction that is rolled back: no other session (other test files) ever sees it.
  it('never runs inside the procedures, though the unqualified expression would pick it', async () => {
    const [tenant] = deployment.tenants;
    const q = tenant!.quoted;
    const pool = openPool(1);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(plantedSql('public'));
      await client.query(`SET LOCAL ROLE ${quoteIdentifier(tenant!.app.name)}`);
      await client.query('SET LOCAL search_path TO "$user", public');

      await client.query('SAVEPOINT control');
      await expect(client.query(UNPINNED_CALL)).rejects.toMatchObject({ code: 'HJ001' });
      await client.query('ROLLBACK TO SAVEPOINT control');

      const now = 1_800_000_000_000;
      await client.query(`SELECT ${q}.sp_enqueue_orchestrator_work($1, $2)`, [
        JSON.stringify(startOrchestration('public-trap')),
        now,
      ]);
      const fetched = await client.query<{ lock_token: string }>(
        `SELECT * FROM ${q}.sp_fetch_orchestration_item($1, 30000)`,
        [now],
      );
      await client.query(`SELECT ${q}.sp_abandon_orchestration_item($1, $2, 10)`, [fetched.rows[0]!.lock_token, now]);
      const refetched = await client.query<{ lock_token: string }>(
        `SELECT * FROM ${q}.sp_fetch_orchestration_item($1, 30000)`,
        [now + 20],
      );
      await client.query(
        `SELECT ${q}.sp_ack_orchestration_item($1, $2, 1, '[]', $3, '[]', 'Completed', '"ok"', 'T', '1')`,
        [refetched.rows[0]!.lock_token, now + 20, JSON.stringify([activityExecute('public-trap', 1)])],
      );
      const lease = await client.query<{ lock_token: string }>(`SELECT * FROM ${q}.sp_fetch_work_item($1, 30000)`, [
        now + 30,
      ]);
      await client.query(`SELECT ${q}.sp_ack_work_item($1, $2, $3)`, [
        lease.rows[0]!.lock_token,
        JSON.stringify(activityCompleted('public-trap', 1)),
        now + 30,
      ]);
      const info = await client.query(`SELECT * FROM ${q}.sp_get_instance_info('public-trap')`);
      expect(info.rows[0]).toMatchObject({ status: 'Completed', created_at: new Date(now + 20) });
    } finally {
      await client.query('ROLLBACK');
      client.release();
      await pool.end();
    }
  });
});
