import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
/**
 * Contract §4.9 — scenarios beyond the reference suite: orphan messages, one clock for everything, timer precision,
 * expired-but-unstolen locks, bad input and the error classification. Time is passed with injected clocks here,
 * so none of these sleep.
 */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import { storeOrchestratorMessage, storeWorkerItem } from '../support/stored-rows.js';
import { tableRows } from '../support/procedure-calls.js';
import { snapshotTables } from '../support/table-snapshot.js';
import {
  activityCompleted,
  activityExecute,
  activityScheduled,
  cancelInstance,
  externalRaised,
  orchestrationStarted,
  queueMessage,
  subOrchCompleted,
  timerCreated,
  timerFired,
} from '../support/work-items.js';
import { SUITE_VARIANTS, LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import {
  ackEmpty,
  createInstance,
  fetchItem,
  FIRST_TURN,
  locked,
  providerErrorOf,
  startItem,
} from './support/scenario-helpers.js';
import { skewedClock, type TestClock } from './support/test-clocks.js';

const ROUNDS = 20;
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** A whole turn cycle whose every result depends on the provider comparing times from one clock only. */
async function runTurnCycle(provider: PostgresProvider, clock: TestClock): Promise<void> {
  await provider.enqueueOrchestratorWork(startItem('instance-A'));
  expect((await provider.getQueueDepths()).orchestratorQueue, 'a fresh message counts at once').toBe(1);

  const first = await fetchItem(provider);
  expect(first.instance).toBe('instance-A');
  expect(await provider.fetchOrchestrationItem(), 'locked').toBeNull();

  const fireAtMs = clock.now() + 500;
  await provider.ackOrchestrationItem(
    first.lockToken,
    1,
    [orchestrationStarted(1), activityScheduled(2), timerCreated(3, fireAtMs)],
    [activityExecute('instance-A', 2)],
    [timerFired('instance-A', 3, fireAtMs)],
  );

  const lease = await provider.dequeueWorkerPeekLock();
  expect(lease?.item).toEqual(activityExecute('instance-A', 2));
  await provider.ackWorker(lease!.lockToken, activityCompleted('instance-A', 2));

  const completion = await fetchItem(provider);
  expect(completion.messages, 'the timer is not due yet').toEqual([activityCompleted('instance-A', 2)]);
  expect(completion.history).toHaveLength(3);
  await ackEmpty(provider, completion.lockToken);

  clock.advance(600);
  const timer = await fetchItem(provider);
  expect(timer.messages).toEqual([timerFired('instance-A', 3, fireAtMs)]);
  expect(await provider.fetchOrchestrationItem()).toBeNull();

  clock.advance(LOCK_TIMEOUT_MS + 100);
  const stolen = await fetchItem(provider);
  expect(stolen.lockToken).not.toBe(timer.lockToken);
  await providerErrorOf(ackEmpty(provider, timer.lockToken));
  await ackEmpty(provider, stolen.lockToken);
  expect(await provider.fetchOrchestrationItem()).toBeNull();
}

describe.each(SUITE_VARIANTS)('additions (%s)', (variant) => {
  const it = providerTest(variant);

  // Contract v2 §3.2.3 replaces this for the procedures (see the orphan scenarios below); the baseline keeps v1's.
  it.runIf(variant === 'inline')(
    'orphan messages for unknown instances are returned as Unknown and do not stall others (contract v1)',
    async ({ provider }) => {
      await provider.enqueueOrchestratorWork(externalRaised('ghost-event'));
      await provider.enqueueOrchestratorWork(cancelInstance('ghost-cancel'));
      await provider.enqueueOrchestratorWork(startItem('instance-A'));

      const items = [await fetchItem(provider), await fetchItem(provider), await fetchItem(provider)];

      expect(items.map((item) => item.instance)).toEqual(['ghost-event', 'ghost-cancel', 'instance-A']);
      for (const [orphan, message] of [
        [items[0]!, externalRaised('ghost-event')],
        [items[1]!, cancelInstance('ghost-cancel')],
      ] as const) {
        expect(orphan.orchestrationName).toBe('Unknown');
        expect(orphan.version).toBe('unknown');
        expect(orphan.executionId).toBe(1);
        expect(orphan.history).toEqual([]);
        expect(orphan.messages).toEqual([message]);
      }
      expect(items[2]!.orchestrationName).toBe('TestOrch');

      // The runtime acks an orphan batch away with an empty turn.
      for (const item of items) await ackEmpty(provider, item.lockToken);
      expect(await provider.fetchOrchestrationItem(), 'the orphans were deleted by their acks').toBeNull();
      expect(await provider.listInstances(), 'orphan messages create no instance').toEqual(['instance-A']);
    },
  );

  it.runIf(variant !== 'inline')(
    'orphan batches are never handed out: queue messages are dropped, others wait orphanRetryMs, nothing stalls',
    async ({ createProvider, clock }) => {
      const { provider, tenant } = await createProvider();
      await provider.enqueueOrchestratorWork(externalRaised('ghost-event'));
      await provider.enqueueOrchestratorWork(queueMessage('ghost-queue'));
      await provider.enqueueOrchestratorWork(cancelInstance('ghost-cancel'));
      await provider.enqueueOrchestratorWork(startItem('instance-A'));

      const item = await fetchItem(provider);
      expect([item.instance, item.attemptCount]).toEqual(['instance-A', 1]);
      expect(await provider.fetchOrchestrationItem(), 'only orphans are left').toBeNull();

      // The queue-only orphan is gone; the others are kept untagged, their attempt undone, hidden for a second.
      const rows = await tableRows<{ instance_id: string; visible_at: string; lock_token: string | null }>(
        tenant,
        'orchestrator_queue',
        'id',
      );
      expect(rows.map((row) => [row.instance_id, Number(row.visible_at), row.lock_token === null])).toEqual([
        ['ghost-event', clock.now() + 1000, true],
        ['ghost-cancel', clock.now() + 1000, true],
        ['instance-A', clock.now(), false],
      ]);
      const attempts = await tenant.pool.query(
        `SELECT attempt_count FROM ${tenant.quoted}.orchestrator_queue ORDER BY id`,
      );
      expect(attempts.rows.map((row) => row.attempt_count)).toEqual([0, 0, 1]);

      // Once the instance starts, the kept messages reach it.
      await provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], [], FIRST_TURN);
      await provider.enqueueOrchestratorWork(startItem('ghost-event'));
      const started = await fetchItem(provider);
      expect([started.instance, started.messages]).toEqual(['ghost-event', [startItem('ghost-event')]]);
      await provider.ackOrchestrationItem(started.lockToken, 1, [orchestrationStarted(1)], [], [], FIRST_TURN);
      clock.advance(1000);
      const late = await fetchItem(provider);
      expect([late.instance, late.messages]).toEqual(['ghost-event', [externalRaised('ghost-event')]]);
    },
  );

  it.for([-60_000, 0, 60_000])(
    'clock skew of %i ms against the database changes no result',
    async (skewMs, { createProvider }) => {
      const clock = skewedClock(skewMs);
      // The results must not depend on the server's clock; that the guard refuses such a node is clock-skew.test.ts's.
      const clockSkewLimits = { clockSkewWarnMs: Infinity, clockSkewRefuseMs: Infinity };
      const { provider } = await createProvider({ clock: clock.now, clockSkewLimits });
      await runTurnCycle(provider, clock);
    },
  );

  it('timer precision: a TimerFired due at +1500 ms is invisible at +1400 (and +1499), visible at +1500 and +1600', async ({
    provider,
    clock,
  }) => {
    // Due times end in 999 ms, so a provider that drops the sub-second part would show the timer 999 ms early.
    const base = Math.floor(clock.now() / 1000) * 1000 + 499;
    clock.set(base);
    const fireAtMs = base + 1500;

    // Enqueue path: visible at max(fire_at_ms, now + delay).
    await createInstance(provider, 'enqueued-timer');
    await provider.enqueueOrchestratorWork(timerFired('enqueued-timer', 1, fireAtMs));
    // Ack path: visible at fire_at_ms.
    await provider.enqueueOrchestratorWork(startItem('acked-timer'));
    const turn = await fetchItem(provider);
    expect(turn.instance).toBe('acked-timer');
    await provider.ackOrchestrationItem(
      turn.lockToken,
      1,
      [orchestrationStarted(1)],
      [],
      [timerFired('acked-timer', 1, fireAtMs)],
    );

    clock.set(base + 1400);
    expect(await provider.fetchOrchestrationItem()).toBeNull();
    clock.set(base + 1499);
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    clock.set(base + 1500);
    const first = await fetchItem(provider);
    expect(first.instance).toBe('enqueued-timer');
    expect(first.messages).toEqual([timerFired('enqueued-timer', 1, fireAtMs)]);

    clock.set(base + 1600);
    const second = await fetchItem(provider);
    expect(second.instance).toBe('acked-timer');
    expect(second.messages).toEqual([timerFired('acked-timer', 1, fireAtMs)]);
  });

  it('an empty ack whose lock expired but was not stolen fails and changes nothing', async ({
    createProvider,
    clock,
  }) => {
    const subject = await createProvider();
    const { provider } = subject;
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);

    clock.advance(LOCK_TIMEOUT_MS + 100);
    const before = await snapshotTables(subject.tenant);
    const error = await providerErrorOf(ackEmpty(provider, item.lockToken));

    expect(error.message).toMatch(/Invalid lock token/);
    expect(error.retryable).toBe(false);
    expect(await snapshotTables(subject.tenant)).toEqual(before);
    const again = await fetchItem(provider);
    expect(again.messages, 'the batch was not deleted').toEqual([startItem('instance-A')]);
  });

  it(`an ack racing a fetch that steals its expired lock fails; the thief gets the batch (${ROUNDS} rounds)`, async ({
    createProvider,
    clock,
  }) => {
    const { provider, reset } = await createProvider();
    for (let round = 0; round < ROUNDS; round++) {
      await reset();
      await provider.enqueueOrchestratorWork(startItem('instance-A'));
      const item = await fetchItem(provider);
      clock.advance(LOCK_TIMEOUT_MS + 100);

      const [ack, steal] = await Promise.allSettled([
        provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], []),
        provider.fetchOrchestrationItem(),
      ]);

      expect(ack.status, `round ${round}: the expired ack`).toBe('rejected');
      expect(steal.status === 'fulfilled' && steal.value?.item.messages, `round ${round}`).toEqual([
        startItem('instance-A'),
      ]);
      expect(await provider.read('instance-A'), `round ${round}`).toEqual([]);
    }
  });

  it(`two empty acks with one token: exactly one succeeds (${ROUNDS} rounds)`, async ({ createProvider }) => {
    const { provider, reset } = await createProvider();
    for (let round = 0; round < ROUNDS; round++) {
      await reset();
      await provider.enqueueOrchestratorWork(startItem('instance-A'));
      const item = await fetchItem(provider);

      const outcomes = await Promise.allSettled([
        ackEmpty(provider, item.lockToken),
        ackEmpty(provider, item.lockToken),
      ]);

      expect(
        outcomes.filter((outcome) => outcome.status === 'fulfilled'),
        `round ${round}`,
      ).toHaveLength(1);
    }
  });

  it(`many messages racing into one instance while many fetchers compete: each delivered once (${ROUNDS} rounds)`, async ({
    createProvider,
  }) => {
    const { provider, reset } = await createProvider();
    for (let round = 0; round < ROUNDS; round++) {
      await reset();
      await createInstance(provider, 'parent');
      const delivered: number[] = [];
      const takeTurn = async (): Promise<boolean> => {
        const item = locked(await provider.fetchOrchestrationItem());
        if (!item) return false;
        expect(item.instance).toBe('parent');
        for (const message of item.messages) {
          if ('SubOrchCompleted' in message) delivered.push(message.SubOrchCompleted.parent_id);
        }
        await ackEmpty(provider, item.lockToken);
        return true;
      };

      // Children completing at once into their parent, as parallel sub-orchestrations do (contract §5.2).
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => provider.enqueueOrchestratorWork(subOrchCompleted('parent', i + 1))),
        ...Array.from({ length: 10 }, () => takeTurn()),
      ]);
      while (await takeTurn());

      expect(
        delivered.sort((a, b) => a - b),
        `round ${round}`,
      ).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    }
  });

  it('a stored message or activity that is not a work item does not stall the queues', async ({
    createProvider,
    clock,
  }) => {
    const { provider, tenant } = await createProvider();
    const now = clock.now();
    // Valid JSON (the columns are JSONB) but no work item: the oldest row of each queue.
    await storeOrchestratorMessage(tenant, 'corrupt', 'not a work item', now - 1000);
    await storeWorkerItem(tenant, { NotAnActivity: 42 });
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    await provider.enqueueWorkerWork(activityExecute('instance-A', 1));

    // A call may fail on the bad row, but the next one must get past it.
    const fetched = [];
    const dequeued = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      fetched.push(await provider.fetchOrchestrationItem().catch(() => null));
      dequeued.push(await provider.dequeueWorkerPeekLock().catch(() => null));
    }

    expect(fetched.map((result) => result?.item.instance)).toContain('instance-A');
    expect(dequeued.map((lease) => lease?.item)).toContainEqual(activityExecute('instance-A', 1));
  });

  it('bad input is rejected with a clear ProviderError and changes nothing', async ({ createProvider }) => {
    const subject = await createProvider();
    const { provider } = subject;
    await createInstance(provider, 'instance-A');
    await provider.enqueueOrchestratorWork(activityCompleted('instance-A', 1));
    const turn = await fetchItem(provider);
    await provider.enqueueWorkerWork(activityExecute('instance-A', 2));
    const lease = (await provider.dequeueWorkerPeekLock())!;
    expect(lease).not.toBeNull();

    const badCalls: [string, () => Promise<unknown>, RegExp][] = [
      [
        'ActivityExecute to the orchestrator queue',
        () => provider.enqueueOrchestratorWork(activityExecute('instance-A', 3)),
        /ActivityExecute should go to worker queue, not orchestrator queue/,
      ],
      [
        "ActivityExecute among an ack's orchestrator items",
        () =>
          provider.ackOrchestrationItem(
            turn.lockToken,
            1,
            [activityScheduled(2)],
            [],
            [activityExecute('instance-A', 1)],
          ),
        /ActivityExecute should go to worker queue, not orchestrator queue/,
      ],
      [
        "an orchestrator message among an ack's worker items",
        () => provider.ackOrchestrationItem(turn.lockToken, 1, [], [externalRaised('instance-A')], []),
        /Only ActivityExecute goes to the worker queue/,
      ],
      [
        'a completion of the wrong kind (ExternalRaised)',
        () => provider.ackWorker(lease.lockToken, externalRaised('instance-A')),
        /Invalid completion type/,
      ],
      [
        'a completion of the wrong kind (ActivityExecute)',
        () => provider.ackWorker(lease.lockToken, activityExecute('instance-A', 2)),
        /Invalid completion type/,
      ],
      [
        'event id 0 in an ack',
        () => provider.ackOrchestrationItem(turn.lockToken, 1, [activityScheduled(2), activityScheduled(0)], [], []),
        /event_id must be set by runtime/,
      ],
      [
        'event id 0 in an append',
        () => provider.appendWithExecution('instance-A', 1, [activityScheduled(0)]),
        /event_id must be set by runtime/,
      ],
      ['an empty instance id to start', () => provider.enqueueOrchestratorWork(startItem('')), /instance/],
      [
        'an empty instance id to raise an event',
        () => provider.enqueueOrchestratorWork(externalRaised('')),
        /instance/,
      ],
      ['an empty instance id to append', () => provider.appendWithExecution('', 1, [activityScheduled(1)]), /instance/],
      ['an empty instance id to read', () => provider.read(''), /instance/],
      ['an empty instance id to look up', () => provider.latestExecutionId(''), /instance/],
      [
        'a completion for an empty instance id',
        () => provider.ackWorker(lease.lockToken, activityCompleted('', 2)),
        /instance/,
      ],
    ];

    const before = await snapshotTables(subject.tenant);
    for (const [what, call, message] of badCalls) {
      const error = await providerErrorOf(call(), what);
      expect(error.message, what).toMatch(message);
      expect(error.retryable, what).toBe(false);
      expect(error.sqlstate, what).toMatch(SQLSTATE);
      expect(await snapshotTables(subject.tenant), `${what} changed the tables`).toEqual(before);
    }

    // The failed calls released nothing: the turn and the activity can still be committed with their tokens.
    await provider.ackOrchestrationItem(turn.lockToken, 1, [activityScheduled(2)], [], []);
    await provider.ackWorker(lease.lockToken, activityCompleted('instance-A', 2));
    expect((await fetchItem(provider)).messages).toEqual([activityCompleted('instance-A', 2)]);
  });

  it('ProviderError classification: permanent errors carry their SQLSTATE and are not retryable', async ({
    provider,
  }) => {
    const invalidAck = await providerErrorOf(ackEmpty(provider, 'invalid-token'));
    expect(invalidAck).toMatchObject({ operation: 'ackOrchestrationItem', retryable: false });
    expect(invalidAck.message).toMatch(/Invalid lock token/);
    expect(invalidAck.sqlstate).toMatch(SQLSTATE);

    const invalidAbandon = await providerErrorOf(provider.abandonOrchestrationItem('invalid-token'));
    expect(invalidAbandon).toMatchObject({ operation: 'abandonOrchestrationItem', retryable: false });
    expect(invalidAbandon.message).toMatch(/Invalid lock token/);
    expect(invalidAbandon.sqlstate).toMatch(SQLSTATE);

    const invalidWorkerAck = await providerErrorOf(
      provider.ackWorker('invalid-token', activityCompleted('instance-A', 1)),
    );
    expect(invalidWorkerAck).toMatchObject({ operation: 'ackWorker', retryable: false });
    expect(invalidWorkerAck.message).toMatch(/Worker queue item not found or already processed/);
    expect(invalidWorkerAck.sqlstate).toMatch(SQLSTATE);

    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider);
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1)], [], []);
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const second = await fetchItem(provider);
    const duplicate = await providerErrorOf(
      provider.ackOrchestrationItem(second.lockToken, 1, [orchestrationStarted(1)], [], []),
    );
    expect(duplicate).toMatchObject({ operation: 'ackOrchestrationItem', retryable: false, sqlstate: '23505' });
    expect(duplicate.message).toMatch(/Duplicate event_id/i);

    const missing = await providerErrorOf(provider.getInstanceInfo('no-such-instance'));
    expect(missing).toMatchObject({ operation: 'getInstanceInfo', retryable: false });
    expect(missing.message).toMatch(/Instance not found/);
    expect(missing.sqlstate).toMatch(SQLSTATE);

    const badInput = await providerErrorOf(provider.enqueueOrchestratorWork(activityExecute('instance-A', 1)));
    expect(badInput).toMatchObject({ operation: 'enqueueOrchestratorWork', retryable: false });
    expect(badInput.sqlstate).toMatch(SQLSTATE);
  });

  it('ProviderError classification: waiting out a lock timeout is retryable, and the retry succeeds', async ({
    createProvider,
  }) => {
    const { provider, tenant } = await createProvider({ lockWaitTimeoutMs: 100 });
    const blocker = await tenant.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `LOCK TABLE ${tenant.quoted}.${quoteIdentifier('orchestrator_queue')} IN ACCESS EXCLUSIVE MODE`,
      );

      const error = await providerErrorOf(provider.enqueueOrchestratorWork(startItem('instance-A')));
      expect(error).toMatchObject({ operation: 'enqueueOrchestratorWork', sqlstate: '55P03', retryable: true });
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }

    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    expect((await fetchItem(provider)).instance).toBe('instance-A');
  });

  it('re-issues a call that failed with a retryable SQLSTATE, so a lock held past one lock timeout is waited out', async ({
    createProvider,
  }) => {
    const { provider, tenant } = await createProvider({ lockWaitTimeoutMs: 100 });
    const blocker = await tenant.pool.connect();
    let pending: Promise<void> | undefined;
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `LOCK TABLE ${tenant.quoted}.${quoteIdentifier('orchestrator_queue')} IN ACCESS EXCLUSIVE MODE`,
      );
      pending = provider.enqueueOrchestratorWork(startItem('instance-A'));
      // Once the call is seen waiting, holding the lock 300 ms more outlasts its 100 ms lock timeout: the first
      // attempt fails with 55P03 and only a retry can succeed.
      for (let seen = false, polls = 0; !seen; polls++) {
        if (polls > 1000) throw new Error('the call was never seen waiting for the lock');
        // Polled outside the blocker's transaction: pg_stat_activity is a snapshot taken once per transaction.
        const waiting = await tenant.pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0`,
          [tenant.quoted],
        );
        seen = waiting.rows[0].n > 0;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }

    await pending;
    expect((await fetchItem(provider)).instance).toBe('instance-A');
  });
});
