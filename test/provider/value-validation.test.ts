/**
 * Issue 9, item 6 — values the client could not read back, or that the driver would silently change, are refused
 * with 22023 before anything is written: ids and times outside the safe-integer range, non-finite numbers inside
 * work items, ill-formed strings (lone UTF-16 surrogates), and clocks that are not a whole number of milliseconds.
 */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import type { HistoryEvent, WorkItem } from '../../provider/types/index.js';
import { tableRows } from '../support/procedure-calls.js';
import { snapshotTables } from '../support/table-snapshot.js';
import type { TenantSchema } from '../support/tenant-schema.js';
import {
  activityCompleted,
  activityScheduled,
  externalRaised,
  orchestrationStarted,
  startOrchestration,
  timerFired,
} from '../support/work-items.js';
import { IMPLEMENTATIONS, providerTest } from './support/provider-factory.js';
import { createInstance, fetchItem, FIRST_TURN, providerErrorOf, startItem } from './support/scenario-helpers.js';

const UNSAFE = 2 ** 53;
const LONE = '\uD800';

/** A call that must fail with 22023 (not retryable) and leave every table as it was. */
async function expectRefused(tenant: TenantSchema, call: () => Promise<unknown>, operation: string): Promise<void> {
  const before = await snapshotTables(tenant);
  const error = await providerErrorOf(call(), operation);
  expect(error, error.message).toMatchObject({ operation, sqlstate: '22023', retryable: false });
  expect(await snapshotTables(tenant)).toEqual(before);
}

describe.each(IMPLEMENTATIONS)('value validation (%s)', (implementation) => {
  const it = providerTest(implementation);

  it('refuses an execution_id of 2^53 at enqueue and ack, so no instance can become unreadable', async ({
    createProvider,
  }) => {
    const { provider, tenant } = await createProvider();
    await expectRefused(
      tenant,
      () => provider.enqueueOrchestratorWork(startItem('too-far', UNSAFE)),
      'enqueueOrchestratorWork',
    );
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    await createInstance(provider, 'parent');
    await provider.enqueueOrchestratorWork(externalRaised('parent'));
    const item = await fetchItem(provider);
    const child = startOrchestration('parent::child', { parentInstance: 'parent', executionId: UNSAFE }) as WorkItem;
    await expectRefused(
      tenant,
      () => provider.ackOrchestrationItem(item.lockToken, 1, [], [], [child]),
      'ackOrchestrationItem',
    );
    await expectRefused(
      tenant,
      () => provider.ackOrchestrationItem(item.lockToken, UNSAFE, [], [], []),
      'ackOrchestrationItem',
    );
    // The largest safe id still works end to end, and reads back exactly.
    await provider.ackOrchestrationItem(item.lockToken, Number.MAX_SAFE_INTEGER, [orchestrationStarted(1)], [], []);
    expect(await provider.latestExecutionId('parent')).toBe(Number.MAX_SAFE_INTEGER);
    expect(await provider.listExecutions('parent')).toEqual([1, Number.MAX_SAFE_INTEGER]);
  });

  it('refuses event ids, timer times and ids beyond 2^53 - 1', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await expectRefused(
      tenant,
      () => provider.enqueueOrchestratorWork(timerFired('t', 1, UNSAFE)),
      'enqueueOrchestratorWork',
    );
    const events = [orchestrationStarted(UNSAFE)] as HistoryEvent[];
    const before = await snapshotTables(tenant);
    const error = await providerErrorOf(provider.appendWithExecution('h', 1, events));
    // An event id the runtime cannot have assigned is the procedures' "event_id not set" error.
    expect(error).toMatchObject({ sqlstate: 'DXE01', retryable: false });
    expect(await snapshotTables(tenant)).toEqual(before);
    await expectRefused(tenant, () => provider.readWithExecution('h', UNSAFE), 'readWithExecution');
    await expectRefused(tenant, () => provider.getExecutionInfo('h', UNSAFE), 'getExecutionInfo');
    await expectRefused(
      tenant,
      () => provider.enqueueOrchestratorWork(startItem('d'), UNSAFE),
      'enqueueOrchestratorWork',
    );
    await expectRefused(tenant, () => provider.enqueueOrchestratorWork(startItem('d'), 0.5), 'enqueueOrchestratorWork');
  });

  it('refuses a non-finite fire_at_ms instead of firing the timer at once', async ({ createProvider, clock }) => {
    const { provider, tenant } = await createProvider();
    for (const fireAt of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      await expectRefused(
        tenant,
        () => provider.enqueueOrchestratorWork(timerFired('t', 1, fireAt)),
        'enqueueOrchestratorWork',
      );
    }
    await createInstance(provider, 't');
    await provider.enqueueOrchestratorWork(externalRaised('t'));
    const item = await fetchItem(provider);
    await expectRefused(
      tenant,
      () => provider.ackOrchestrationItem(item.lockToken, 1, [], [], [timerFired('t', 2, Number.NaN)]),
      'ackOrchestrationItem',
    );
    expect((await provider.getQueueDepths()).orchestratorQueue).toBe(0);
    expect(clock.now()).toBeGreaterThan(0);
  });

  it('refuses lone surrogates in every string argument rather than reading or writing U+FFFD', async ({
    createProvider,
  }) => {
    const { provider, tenant } = await createProvider();
    await createInstance(provider, '\uFFFD');
    await provider.appendWithExecution('\uFFFD', 2, [orchestrationStarted(1)]);
    const refusals: [string, () => Promise<unknown>][] = [
      ['read', () => provider.read(LONE)],
      ['readWithExecution', () => provider.readWithExecution(LONE, 1)],
      ['latestExecutionId', () => provider.latestExecutionId(LONE)],
      ['listExecutions', () => provider.listExecutions(LONE)],
      ['getInstanceInfo', () => provider.getInstanceInfo(LONE)],
      ['getExecutionInfo', () => provider.getExecutionInfo(LONE, 1)],
      ['readExecution', () => provider.readExecution(LONE, 2)],
      ['listInstancesByStatus', () => provider.listInstancesByStatus(`Running${LONE}`)],
      ['appendWithExecution', () => provider.appendWithExecution(LONE, 1, [orchestrationStarted(1)])],
      [
        'appendWithExecution',
        () => provider.appendWithExecution('x', 1, [{ ...activityScheduled(1), [LONE]: 1 } as unknown as HistoryEvent]),
      ],
      ['enqueueOrchestratorWork', () => provider.enqueueOrchestratorWork(startItem(LONE))],
      ['enqueueOrchestratorWork', () => provider.enqueueOrchestratorWork(externalRaised('\uFFFD', 'n', `\uDC00x`))],
      ['enqueueWorkerWork', () => provider.enqueueWorkerWork({ ActivityExecute: { instance: LONE } } as WorkItem)],
      ['ackWorker', () => provider.ackWorker(LONE, activityCompleted('\uFFFD', 1))],
      ['ackOrchestrationItem', () => provider.ackOrchestrationItem(LONE, 1, [], [], [])],
      ['abandonOrchestrationItem', () => provider.abandonOrchestrationItem(LONE)],
    ];
    for (const [operation, call] of refusals) await expectRefused(tenant, call, operation);

    await provider.enqueueOrchestratorWork(externalRaised('\uFFFD'));
    const item = await fetchItem(provider);
    for (const metadata of [{ output: `done ${LONE}` }, { orchestrationName: LONE, orchestrationVersion: '1' }]) {
      await expectRefused(
        tenant,
        () => provider.ackOrchestrationItem(item.lockToken, 1, [], [], [], { status: 'Completed', ...metadata }),
        'ackOrchestrationItem',
      );
    }
    // A well-formed pair is a character like any other.
    await provider.ackOrchestrationItem(item.lockToken, 1, [], [], [], { status: 'Completed', output: '\uD83D\uDE00' });
    expect((await provider.getInstanceInfo('\uFFFD')).output).toBe('\uD83D\uDE00');
  });

  it('refuses a lock token that is not a string', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await expectRefused(
      tenant,
      () => provider.ackOrchestrationItem(42 as unknown as string, 1, [], [], []),
      'ackOrchestrationItem',
    );
    await expectRefused(
      tenant,
      () => provider.abandonOrchestrationItem(null as unknown as string),
      'abandonOrchestrationItem',
    );
    await expectRefused(
      tenant,
      () => provider.ackWorker({} as unknown as string, activityCompleted('a', 1)),
      'ackWorker',
    );
  });
});

describe.each(IMPLEMENTATIONS)('the clock (%s)', (implementation) => {
  const it = providerTest(implementation);

  it('may return fractional milliseconds: they are floored', async ({ createProvider }) => {
    const base = 1_800_000_000_000;
    let now = base + 0.75;
    // A fixed date far from today: the skew guard has its own tests.
    const { provider, tenant } = await createProvider({
      clock: () => now,
      clockSkewLimits: { clockSkewWarnMs: Number.MAX_SAFE_INTEGER, clockSkewRefuseMs: Number.MAX_SAFE_INTEGER },
    });
    await provider.enqueueOrchestratorWork(startItem('frac'));
    await provider.enqueueOrchestratorWork(timerFired('frac', 1, base + 10));
    const item = await fetchItem(provider);
    expect(item.messages).toEqual([startItem('frac')]);
    now = base + 10.5;
    await provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], [], FIRST_TURN);
    expect((await fetchItem(provider)).messages).toEqual([timerFired('frac', 1, base + 10)]);
    const [instance] = await tableRows(tenant, 'instances');
    // Created by the enqueue (contract v1, the inline baseline) or by the first ack (v2); floored either way.
    expect([base, base + 10]).toContain((instance!.created_at as Date).getTime());
    expect((instance!.updated_at as Date).getTime()).toBe(base + 10);
  });

  it('that returns NaN, an infinity, a negative time or a non-number fails every call with 22023', async ({
    createProvider,
  }) => {
    let reading: unknown = Number.NaN;
    const { provider, tenant } = await createProvider({ clock: () => reading as number });
    const calls: [string, (p: PostgresProvider) => Promise<unknown>][] = [
      ['fetchOrchestrationItem', (p) => p.fetchOrchestrationItem()],
      ['enqueueOrchestratorWork', (p) => p.enqueueOrchestratorWork(startItem('c'))],
      ['enqueueWorkerWork', (p) => p.enqueueWorkerWork({ ActivityExecute: {} } as WorkItem)],
      ['dequeueWorkerPeekLock', (p) => p.dequeueWorkerPeekLock()],
      ['getQueueDepths', (p) => p.getQueueDepths()],
      ['appendWithExecution', (p) => p.appendWithExecution('c', 1, [orchestrationStarted(1)])],
    ];
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, -1, 2 ** 53, '1800000000000', undefined]) {
      reading = value;
      for (const [operation, call] of calls) await expectRefused(tenant, () => call(provider), operation);
    }
  });
});
