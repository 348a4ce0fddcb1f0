/** Contract §4.5 — locks end by expiry, abandon or ack; an expired token is useless. */
import { describe, expect } from 'vitest';
import { orchestrationStarted } from '../support/work-items.js';
import { SUITE_VARIANTS, LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import { ackEmpty, fetchItem, providerErrorOf, staggeredCalls, startItem } from './support/scenario-helpers.js';

describe.each(SUITE_VARIANTS)('lock expiration (%s)', (variant) => {
  const it = providerTest(variant);

  it('21 lock expires after timeout', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider);
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    clock.advance(LOCK_TIMEOUT_MS + 100);

    const second = await fetchItem(provider);
    expect(second.instance).toBe('instance-A');
    expect(second.lockToken).not.toBe(first.lockToken);
    await providerErrorOf(ackEmpty(provider, first.lockToken));
  });

  it('22 abandon releases lock immediately', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    await provider.abandonOrchestrationItem(item.lockToken);

    const again = await fetchItem(provider);
    expect(again.instance).toBe('instance-A');
  });

  it('23 lock renewal on ack', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const item = await fetchItem(provider);

    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    await provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], []);

    const next = await fetchItem(provider);
    expect(next.instance).toBe('instance-A');
    expect(next.messages, 'the start enqueued during the turn').toHaveLength(1);
    expect(next.messages[0]).toHaveProperty('StartOrchestration');
  });

  it('24 concurrent lock attempts respect expiration', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const lockedAt = clock.now();
    await fetchItem(provider);

    const attempts = await staggeredCalls(
      clock,
      5,
      (i) => i * 50,
      () => provider.fetchOrchestrationItem(),
    );
    expect(
      attempts.every((attempt) => attempt === null),
      'every attempt while locked must find nothing',
    ).toBe(true);

    // The source waits lock_timeout - 200 ms after its last attempt (at +200 ms): lock_timeout + 100 ms in total.
    clock.set(lockedAt + LOCK_TIMEOUT_MS + 100);

    const item = await fetchItem(provider);
    expect(item.instance).toBe('instance-A');
  });
});
