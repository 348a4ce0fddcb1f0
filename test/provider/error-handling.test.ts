/** Contract §4.3 — invalid tokens, duplicate events, unknown instances and expired locks fail cleanly. */
import { describe, expect } from 'vitest';
import { activityScheduled, orchestrationStarted } from '../support/work-items.js';
import { IMPLEMENTATIONS, LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import { fetchItem, providerErrorOf, sleep, startItem } from './support/scenario-helpers.js';

describe.concurrent.each(IMPLEMENTATIONS)('error handling (%s)', (implementation) => {
  const it = providerTest(implementation);

  it('5 invalid lock token on ack', async ({ provider }) => {
    const error = await providerErrorOf(provider.ackOrchestrationItem('invalid-token', 1, [], [], []));
    expect(error.message).toMatch(/Invalid lock token|lock_token/);
  });

  it('6 duplicate event id rejection', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider);
    await provider.ackOrchestrationItem(first.lockToken, 1, [orchestrationStarted(1)], [], []);

    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const second = await fetchItem(provider);
    await providerErrorOf(provider.ackOrchestrationItem(second.lockToken, 1, [activityScheduled(1)], [], []));

    expect(await provider.read('instance-A')).toEqual([orchestrationStarted(1)]);
  });

  it('7 missing instance metadata', async ({ provider }) => {
    expect(await provider.read('non-existent-instance')).toEqual([]);
  });

  it('8 corrupted serialization data', async ({ provider }) => {
    // The source scenario is a placeholder: it injects no corrupt row, it only requires that a fetch on an empty
    // store neither throws nor invents work.
    expect(await provider.fetchOrchestrationItem()).toBeNull();
  });

  it('9 lock expiration during ack', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);

    await sleep(LOCK_TIMEOUT_MS + 100);

    await providerErrorOf(provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], []));
  });
});
