/**
 * Issue 9, item 7 (contract §3.18) — abandoning with a delay holds the whole instance until the delay ends: a message
 * or timer that becomes visible during the delay waits for the abandoned batch instead of being fetched alone ahead
 * of it (for a new instance that batch holds its StartOrchestration).
 */
import { describe, expect } from 'vitest';
import { activityCompleted, externalRaised, timerFired } from '../support/work-items.js';
import { IMPLEMENTATIONS, providerTest } from './support/provider-factory.js';
import { ackEmpty, createInstance, fetchItem, providerErrorOf, startItem } from './support/scenario-helpers.js';

const DELAY_MS = 5_000;

describe.each(IMPLEMENTATIONS)('abandon with a delay (%s)', (implementation) => {
  const it = providerTest(implementation);

  it('keeps the instance from being fetched until the delay ends, then returns everything together', async ({
    provider,
    clock,
  }) => {
    const start = clock.now();
    await provider.enqueueOrchestratorWork(startItem('held'));
    const item = await fetchItem(provider);
    await provider.abandonOrchestrationItem(item.lockToken, DELAY_MS);

    clock.advance(1);
    await provider.enqueueOrchestratorWork(externalRaised('held'));
    await provider.enqueueOrchestratorWork(timerFired('held', 1, start + 100));
    await provider.enqueueOrchestratorWork(startItem('other'));
    clock.set(start + 200);
    // Only the other instance: the raised event and the due timer of 'held' wait for its batch.
    const other = await fetchItem(provider);
    expect(other.instance).toBe('other');
    await ackEmpty(provider, other.lockToken);
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    clock.set(start + DELAY_MS - 1);
    expect(await provider.fetchOrchestrationItem()).toBeNull();
    clock.set(start + DELAY_MS);
    const again = await fetchItem(provider);
    expect(again.instance).toBe('held');
    expect(again.messages).toEqual([startItem('held'), externalRaised('held'), timerFired('held', 1, start + 100)]);
    await ackEmpty(provider, again.lockToken);
  });

  it('holds an instance whose batch came from a worker, and the abandoned token stays useless', async ({
    provider,
    clock,
  }) => {
    await createInstance(provider, 'w');
    await provider.enqueueOrchestratorWork(activityCompleted('w', 1));
    const item = await fetchItem(provider);
    await provider.abandonOrchestrationItem(item.lockToken, DELAY_MS);
    await provider.enqueueOrchestratorWork(activityCompleted('w', 2));

    for (const call of [ackEmpty(provider, item.lockToken), provider.abandonOrchestrationItem(item.lockToken)]) {
      expect(await providerErrorOf(call)).toMatchObject({ sqlstate: 'DXL01', retryable: false });
    }
    expect(await provider.fetchOrchestrationItem()).toBeNull();
    clock.advance(DELAY_MS);
    expect((await fetchItem(provider)).messages).toEqual([activityCompleted('w', 1), activityCompleted('w', 2)]);
  });

  it('without a delay, or with delay 0, the instance is fetchable at once', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('now'));
    await provider.abandonOrchestrationItem((await fetchItem(provider)).lockToken, 0);
    await provider.abandonOrchestrationItem((await fetchItem(provider)).lockToken);
    expect((await fetchItem(provider)).instance).toBe('now');
  });
});
