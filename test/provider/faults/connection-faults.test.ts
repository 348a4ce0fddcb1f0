import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../../provider/migrations/run-migrations.js';
import { type Implementation, PostgresProvider } from '../../../provider/postgres-provider.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { emptyTables } from '../../support/table-snapshot.js';
import { dropSchema, openPool, randomSchemaName, useTenantSchema } from '../../support/tenant-schema.js';
import {
  activityCompleted,
  activityExecute,
  activityScheduled,
  orchestrationStarted,
} from '../../support/work-items.js';
import { IMPLEMENTATIONS } from '../support/provider-factory.js';
import { createInstance, fetchItem, providerErrorOf, startItem } from '../support/scenario-helpers.js';
import { manualClock } from '../support/test-clocks.js';
import { EventLog } from './support/event-log.js';

/**
 * Connection failures on demand, through a stand-in between the provider and PostgreSQL (`fault-proxy.ts`): refused
 * start-ups, sessions ended or cut mid-query, answers lost after the commit. Each is classified retryable; each is
 * re-issued unless re-issuing could apply the call twice; nothing ever ends the process (an `error` event without
 * a listener would, and vitest would fail the run on it).
 */

const STARTING_UP = {
  kind: 'refuse-startup',
  sqlstate: '57P03',
  message: 'the database system is starting up',
} as const;
const CRASH = {
  kind: 'error-mid-query',
  sqlstate: '57P02',
  message: 'terminating connection because of crash of another server process',
} as const;
const ADMIN_SHUTDOWN = {
  kind: 'error-mid-query',
  sqlstate: '57P01',
  message: 'terminating connection due to administrator command',
} as const;

/** The text of each implementation's statement that commits a call, for arming a fault on exactly that statement. */
function committing(implementation: Implementation, procedure: string): string {
  return implementation === 'procedures' ? procedure : 'COMMIT';
}

let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy(inject('databaseUrl'));
});
afterAll(async () => {
  await proxy.close();
});
afterEach(() => {
  proxy.clear();
});

describe.each(IMPLEMENTATIONS)('connection faults (%s)', (implementation) => {
  const tenant = useTenantSchema({ name: randomSchemaName(`faults_${implementation}`), poolSize: 4 });
  let provider: PostgresProvider;
  let log: EventLog;

  beforeEach(async () => {
    await emptyTables(tenant);
    log = new EventLog();
    // Its own pool, from a connection string, as the README shows; no listener added here.
    provider = await PostgresProvider.create({
      connectionString: proxy.connectionString,
      schema: tenant.name,
      migrate: false,
      implementation,
      clock: manualClock().now,
      lockTimeoutMs: 1000,
      retryPausesMs: [1, 1, 1],
      clockCheckIntervalMs: 0,
      onEvent: log.onEvent,
    });
  });
  afterEach(async () => {
    await provider.close();
  });

  /** Ends every connection the provider's pool holds and waits until the pool has noticed each. */
  async function dropIdleConnections(): Promise<void> {
    const open = proxy.openConnections;
    const lost = log.count('connection-lost');
    proxy.dropConnections();
    await log.until('connection-lost', lost + open);
  }

  it('a connection lost while idle is reported, not fatal, and replaced', async () => {
    await Promise.all([provider.listInstances(), provider.listInstances(), provider.listInstances()]);
    expect(proxy.openConnections).toBeGreaterThan(0);

    await dropIdleConnections();

    const lost = log.events.filter((event) => event.kind === 'connection-lost');
    expect(lost.length).toBeGreaterThan(0);
    expect(await provider.listInstances()).toEqual([]);
  });

  it('a server refusing start-ups with 57P03 is retryable: re-issued until it accepts, reported while it refuses', async () => {
    await provider.listInstances();
    await dropIdleConnections();

    proxy.inject(STARTING_UP, { times: 2 });
    await provider.enqueueOrchestratorWork(startItem('A'));
    expect(log.retries().map((error) => [error.sqlstate, error.retryable, error.mayHaveCommitted])).toEqual([
      ['57P03', true, false],
      ['57P03', true, false],
    ]);

    await dropIdleConnections();
    proxy.inject(STARTING_UP, { times: 100 });
    const refused = await providerErrorOf(provider.enqueueOrchestratorWork(startItem('B')));
    expect(refused).toMatchObject({ sqlstate: '57P03', retryable: true, mayHaveCommitted: false });

    proxy.clear();
    await provider.enqueueOrchestratorWork(startItem('B'));
    expect((await provider.getQueueDepths()).orchestratorQueue).toBe(2);
  });

  it('a session ended mid-query (57P02, 57P01) or a socket closed mid-query is retryable and re-issued', async () => {
    await createInstance(provider, 'A');

    for (const fault of [CRASH, ADMIN_SHUTDOWN, { kind: 'close-mid-query' } as const]) {
      const before = log.events.length;
      proxy.inject(fault);
      expect(await provider.listInstances(), fault.kind).toEqual(['A']);
      const [retry, ...more] = log.retries(before);
      expect(more).toEqual([]);
      expect(retry, fault.kind).toMatchObject({ retryable: true, mayHaveCommitted: true });
      if ('sqlstate' in fault) expect(retry!.sqlstate).toBe(fault.sqlstate);
      else expect(retry!.message).toMatch(/Connection terminated unexpectedly/);
    }

    // Met on every attempt: reported, still retryable; a read cannot have committed anything.
    proxy.inject(CRASH, { times: 100 });
    const error = await providerErrorOf(provider.listInstances());
    expect(error).toMatchObject({ sqlstate: '57P02', retryable: true, mayHaveCommitted: false });
  });

  it('an ack whose answer is lost after its commit is re-issued and answered DXL01: the turn is applied once', async () => {
    await provider.enqueueOrchestratorWork(startItem('A'));
    const item = await fetchItem(provider);

    proxy.inject({ kind: 'close-after-commit' }, { match: committing(implementation, 'sp_ack_orchestration_item') });
    const error = await providerErrorOf(
      provider.ackOrchestrationItem(
        item.lockToken,
        1,
        [orchestrationStarted(1), activityScheduled(2)],
        [activityExecute('A', 2)],
        [],
      ),
    );

    expect(error).toMatchObject({ sqlstate: 'DXL01', retryable: false, mayHaveCommitted: true });
    expect(error.message).toMatch(/may have committed/);
    expect(await provider.read('A')).toEqual([orchestrationStarted(1), activityScheduled(2)]);
    const lease = await provider.dequeueWorkerPeekLock();
    expect(lease?.item).toEqual(activityExecute('A', 2));
    expect(await provider.dequeueWorkerPeekLock()).toBeNull();
    expect(await provider.fetchOrchestrationItem()).toBeNull();
  });

  it('a worker ack whose answer is lost after its commit is answered DXW01: the completion is delivered once', async () => {
    // A completion reaches an instance that exists (one for an instance not started yet waits, contract v2 §3.2.3).
    await createInstance(provider, 'A');
    await provider.enqueueWorkerWork(activityExecute('A', 2));
    const lease = await provider.dequeueWorkerPeekLock();

    proxy.inject({ kind: 'close-after-commit' }, { match: committing(implementation, 'sp_ack_work_item') });
    const error = await providerErrorOf(provider.ackWorker(lease!.lockToken, activityCompleted('A', 2)));

    expect(error).toMatchObject({ sqlstate: 'DXW01', retryable: false, mayHaveCommitted: true });
    expect(await provider.getQueueDepths()).toMatchObject({ orchestratorQueue: 1, workerQueue: 0 });
    expect((await fetchItem(provider)).messages).toEqual([activityCompleted('A', 2)]);
  });

  it('an abandon whose answer is lost after its commit is answered DXL01, and the instance is free again', async () => {
    await provider.enqueueOrchestratorWork(startItem('A'));
    const item = await fetchItem(provider);

    proxy.inject(
      { kind: 'close-after-commit' },
      { match: committing(implementation, 'sp_abandon_orchestration_item') },
    );
    const error = await providerErrorOf(provider.abandonOrchestrationItem(item.lockToken));

    expect(error).toMatchObject({ sqlstate: 'DXL01', retryable: false, mayHaveCommitted: true });
    expect((await fetchItem(provider)).messages).toEqual([startItem('A')]);
  });

  it('an enqueue whose connection is lost mid-call is reported, not re-issued: nothing is stored twice', async () => {
    const statement =
      implementation === 'procedures' ? 'sp_enqueue_orchestrator_work' : '(instance_id, work_item, visible_at';

    const sent = proxy.queriesContaining(statement);
    proxy.inject({ kind: 'close-after-commit' }, { match: statement });
    const committed = await providerErrorOf(provider.enqueueOrchestratorWork(startItem('A')));
    expect(committed).toMatchObject({ retryable: true, mayHaveCommitted: true });
    expect(proxy.queriesContaining(statement) - sent, 'sent once').toBe(1);
    expect((await fetchItem(provider)).messages).toEqual([startItem('A')]);

    proxy.inject({ kind: 'close-mid-query' }, { match: statement });
    const lost = await providerErrorOf(provider.enqueueOrchestratorWork(startItem('B')));
    expect(lost).toMatchObject({ retryable: true, mayHaveCommitted: true });
    expect(proxy.queriesContaining(statement) - sent, 'sent once more').toBe(2);
    expect(await provider.fetchOrchestrationItem(), 'never reached the server').toBeNull();
  });
});

describe('a connection lost inside a client-side transaction (inline)', () => {
  const tenant = useTenantSchema({ name: randomSchemaName('faults_tx'), poolSize: 4 });

  it.for([
    ['cut in the middle of the transaction', { kind: 'close-mid-query' }, 'event_type, event_data, created_at'],
    ['cut between two statements', { kind: 'close-after-reply' }, 'BEGIN'],
  ] as const)('%s: the transaction rolls back, the ack is re-issued and applied once', async ([, fault, match]) => {
    await emptyTables(tenant);
    const log = new EventLog();
    const provider = await PostgresProvider.create({
      connectionString: proxy.connectionString,
      schema: tenant.name,
      migrate: false,
      implementation: 'inline',
      clock: manualClock().now,
      retryPausesMs: [1, 1, 1],
      clockCheckIntervalMs: 0,
      onEvent: log.onEvent,
    });
    try {
      await provider.enqueueOrchestratorWork(startItem('A'));
      const item = await fetchItem(provider);

      proxy.inject(fault, { match });
      await provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], []);

      expect(proxy.fired).toBeGreaterThan(0);
      expect(log.retries()).toHaveLength(1);
      expect(log.retries()[0]).toMatchObject({ retryable: true });
      expect(await provider.read('A')).toEqual([orchestrationStarted(1)]);
      expect(await provider.fetchOrchestrationItem()).toBeNull();
    } finally {
      await provider.close();
    }
  });
});

describe('the migration runner', () => {
  it('fails a migration whose connection is cut, without ending the process, and succeeds on the next run', async () => {
    const pool = new pg.Pool({ connectionString: proxy.connectionString, max: 2 });
    pool.on('error', () => {});
    const schema = randomSchemaName('faults_migrate');
    const cleanup = openPool(1);
    try {
      proxy.inject({ kind: 'close-mid-query' }, { match: 'CREATE TABLE' });
      await expect(migrate(pool, { schema })).rejects.toThrow(/Connection terminated unexpectedly/);

      const report = await migrate(pool, { schema });
      expect(report.applied.length).toBeGreaterThan(0);
    } finally {
      await pool.end();
      await dropSchema(cleanup, schema);
      await cleanup.end();
    }
  });
});
