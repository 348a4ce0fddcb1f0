/**
 * Contract v2 §4.3 (error_handling, `V2-err`, with the two read scenarios of §4.21) — invalid tokens, duplicate events,
 * unknown instances, corrupt rows and expired locks fail cleanly.
 */
import { describe, expect } from 'vitest';
import type { OrchestrationItem } from '../../provider/types/index.js';
import { tableRows } from '../support/procedure-calls.js';
import { overwriteHistoryEvent, storeOrchestratorMessage } from '../support/stored-rows.js';
import { activityCompleted, activityScheduled, orchestrationStarted } from '../support/work-items.js';
import { SUITE_VARIANTS, LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import { createInstance, fetchItem, providerErrorOf, startAndAck, startItem } from './support/scenario-helpers.js';

describe.each(SUITE_VARIANTS)('error handling (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-err-01 invalid lock token on ack', async ({ provider }) => {
    const error = await providerErrorOf(provider.ackOrchestrationItem('invalid-token', 1, [], [], []));
    expect(error).toMatchObject({ operation: 'ackOrchestrationItem', sqlstate: 'DXL01', retryable: false });
  });

  it('V2-err-02 duplicate event id rejection', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider);
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1)], [], []);

    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const second = await fetchItem(provider);
    const error = await providerErrorOf(
      provider.ackOrchestrationItem(second.lockToken, 1, [activityScheduled(1)], [], []),
    );
    expect(error).toMatchObject({ operation: 'ackOrchestrationItem', sqlstate: '23505', retryable: false });

    expect(await provider.read('instance-A')).toEqual([orchestrationStarted(1)]);
  });

  it('V2-err-03 missing instance metadata', async ({ provider }) => {
    expect(await provider.read('non-existent-instance')).toEqual([]);
  });

  it('V2-err-04 corrupted serialization data', async ({ createProvider, clock }) => {
    const { provider, tenant } = await createProvider();
    // The source scenario stops here: a fetch on an empty store neither fails nor invents work.
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    // The corrupt rows it is named after (contract §5.11): valid JSON, as the JSONB columns demand, that is no event
    // and no work item.
    const garbage = { garbage: true };
    await startAndAck(provider, 'corrupt-history', [orchestrationStarted(1), activityScheduled(2)]);
    await overwriteHistoryEvent(tenant, { instanceId: 'corrupt-history', executionId: 1, eventId: 2 }, garbage);
    await createInstance(provider, 'corrupt-message');
    await storeOrchestratorMessage(tenant, 'corrupt-message', garbage, clock.now());
    await provider.enqueueOrchestratorWork(activityCompleted('corrupt-message', 1));
    await provider.enqueueOrchestratorWork(startItem('instance-B'));

    // The batch holding the bad message is handed out with a historyError instead of the fetch failing: the fetch
    // holds its lock by then, and a runtime can only end a broken instance it was given (contract v2 §3.2.5). The
    // other instance's work still gets through.
    const items: OrchestrationItem[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const fetched = await provider.fetchOrchestrationItem();
      if (fetched) items.push(fetched.item);
    }
    expect(items.map((item) => [item.instance, item.history, item.messages])).toEqual([
      ['corrupt-message', [], [activityCompleted('corrupt-message', 1)]],
      ['instance-B', [], [startItem('instance-B')]],
    ]);
    expect(items[0]!.historyError).toMatch(/^message decode: .*corrupt-message/);
    expect(items[1]!.historyError).toBeNull();

    // Nothing was lost: the good message queued with the bad one is still there, and so is the good history.
    const queued = await tableRows<{ instance_id: string; work_item: unknown }>(tenant, 'orchestrator_queue', 'id');
    expect(queued.map((row) => [row.instance_id, row.work_item])).toEqual([
      ['corrupt-message', garbage],
      ['corrupt-message', activityCompleted('corrupt-message', 1)],
      ['instance-B', startItem('instance-B')],
    ]);
    const history = await tableRows<{ instance_id: string; event_data: unknown }>(
      tenant,
      'history',
      'instance_id, event_id',
    );
    expect(history.map((row) => [row.instance_id, row.event_data])).toEqual([
      ['corrupt-history', orchestrationStarted(1)],
      ['corrupt-history', garbage],
      ['corrupt-message', orchestrationStarted(1)],
    ]);
  });

  // §4.21: a read neither hands the bad event on as an event nor skips it: it fails, and says which instance is broken.
  for (const [id, what] of [
    ['V2-err-06', 'read'],
    ['V2-err-07', 'readWithExecution'],
  ] as const) {
    it.runIf(variant !== 'inline')(
      `${id} ${what} of a corrupted history rejects with DXC01`,
      async ({ createProvider }) => {
        const { provider, tenant } = await createProvider();
        await startAndAck(provider, 'corrupt-history', [orchestrationStarted(1), activityScheduled(2)]);
        await overwriteHistoryEvent(
          tenant,
          { instanceId: 'corrupt-history', executionId: 1, eventId: 2 },
          {
            garbage: true,
          },
        );
        const read =
          what === 'read' ? provider.read('corrupt-history') : provider.readWithExecution('corrupt-history', 1);
        const error = await providerErrorOf(read, what);
        expect(error).toMatchObject({ operation: what, sqlstate: 'DXC01', retryable: false });
        expect(error.message).toContain('Failed to deserialize');
        expect(error.message).toContain('corrupt-history');
      },
    );
  }

  it('V2-err-05 lock expiration during ack', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);

    clock.advance(LOCK_TIMEOUT_MS + 100);

    const error = await providerErrorOf(
      provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], []),
    );
    expect(error).toMatchObject({ operation: 'ackOrchestrationItem', sqlstate: 'DXL02', retryable: false });
  });
});
