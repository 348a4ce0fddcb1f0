/**
 * Contract v2 §4.5 (instance_locking, `V2-lock`) — one holder per instance, fresh tokens, batches fixed at fetch time. The race-prone scenarios
 * (V2-lock-04, -09, -10) repeat on a fresh state: a lost-candidate race or a double lock shows up in only some rounds.
 */
import { describe, expect } from 'vitest';
import { activityCompleted } from '../support/work-items.js';
import { SUITE_VARIANTS, LOCK_TIMEOUT_MS, providerTest } from './support/provider-factory.js';
import {
  ackEmpty,
  completionIds,
  createInstance,
  fetchItem,
  FIRST_TURN,
  providerErrorOf,
  staggeredCalls,
  startItem,
} from './support/scenario-helpers.js';

const ROUNDS = 20;

describe.each(SUITE_VARIANTS)('instance locking (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-lock-01 exclusive instance lock', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider);
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    clock.advance(LOCK_TIMEOUT_MS + 100);

    const second = await fetchItem(provider);
    expect(second.lockToken).not.toBe(first.lockToken);
  });

  it('V2-lock-02 lock token uniqueness', async ({ provider }) => {
    for (let i = 0; i < 5; i++) await provider.enqueueOrchestratorWork(startItem(`inst-${i}`));
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push((await fetchItem(provider)).lockToken);
    expect(new Set(tokens).size).toBe(5);
  });

  it('V2-lock-03 invalid lock token rejection', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    await fetchItem(provider);

    await providerErrorOf(ackEmpty(provider, 'invalid-token'));
    await providerErrorOf(provider.abandonOrchestrationItem('invalid-token'));

    expect(await provider.fetchOrchestrationItem()).toBeNull();
  });

  it(`V2-lock-04 concurrent instance fetching (${ROUNDS} rounds)`, async ({ createProvider, clock }) => {
    const { provider, reset } = await createProvider();
    for (let round = 0; round < ROUNDS; round++) {
      await reset();
      for (let i = 0; i < 10; i++) await provider.enqueueOrchestratorWork(startItem(`inst-${i}`));

      const items = await staggeredCalls(
        clock,
        10,
        (i) => i * 30,
        () => provider.fetchOrchestrationItem(),
      );

      const instances = new Set(items.flatMap((fetched) => (fetched ? [fetched.item.instance] : [])));
      expect(instances.size, `round ${round}: every fetcher must get its own instance`).toBe(10);
    }
  });

  it('V2-lock-05 completions arriving during lock blocked', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    const first = await fetchItem(provider);
    expect(first.instance).toBe('instance-A');

    for (let id = 1; id <= 3; id++) await provider.enqueueOrchestratorWork(activityCompleted('instance-A', id));
    expect(await provider.fetchOrchestrationItem(), 'instance still locked').toBeNull();

    clock.advance(LOCK_TIMEOUT_MS + 100);

    const again = await fetchItem(provider);
    expect(again.instance).toBe('instance-A');
    expect(again.messages).toHaveLength(4);
    expect(completionIds(again.messages)).toEqual([1, 2, 3]);
  });

  it('V2-lock-06 cross instance lock isolation', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('instance-A'));
    await provider.enqueueOrchestratorWork(startItem('instance-B'));

    const itemA = await fetchItem(provider);
    expect(itemA.instance).toBe('instance-A');
    const itemB = await fetchItem(provider);
    expect(itemB.instance).toBe('instance-B');

    await provider.ackOrchestrationItem(itemB.lockToken, 1, [], [], [], FIRST_TURN);
    await provider.enqueueOrchestratorWork(activityCompleted('instance-B', 1));

    const itemB2 = await fetchItem(provider);
    expect(itemB2.instance, 'the lock on A must not block B').toBe('instance-B');
  });

  it('V2-lock-07 message tagging during lock', async ({ provider }) => {
    await createInstance(provider, 'instance-A');
    await provider.enqueueOrchestratorWork(activityCompleted('instance-A', 1));
    await provider.enqueueOrchestratorWork(activityCompleted('instance-A', 2));

    const item = await fetchItem(provider);
    expect(item.instance).toBe('instance-A');
    expect(item.messages).toHaveLength(2);

    await provider.enqueueOrchestratorWork(activityCompleted('instance-A', 3));
    await ackEmpty(provider, item.lockToken);

    const next = await fetchItem(provider);
    expect(next.instance).toBe('instance-A');
    expect(next.messages).toHaveLength(1);
    expect(completionIds(next.messages)).toEqual([3]);
  });

  it('V2-lock-08 ack only affects locked messages', async ({ provider }) => {
    await createInstance(provider, 'instance-A');
    await provider.enqueueOrchestratorWork(activityCompleted('instance-A', 1));

    const item = await fetchItem(provider);
    expect(item.messages).toHaveLength(1);

    await provider.enqueueOrchestratorWork(activityCompleted('instance-A', 2));
    await provider.enqueueOrchestratorWork(activityCompleted('instance-A', 3));
    expect(await provider.fetchOrchestrationItem()).toBeNull();

    await ackEmpty(provider, item.lockToken);

    const next = await fetchItem(provider);
    expect(next.instance).toBe('instance-A');
    expect(next.messages).toHaveLength(2);
    expect(completionIds(next.messages)).toEqual([2, 3]);
  });

  it(`V2-lock-09 multi threaded lock contention (${ROUNDS} rounds)`, async ({ createProvider, clock }) => {
    const { provider, reset } = await createProvider();
    for (let round = 0; round < ROUNDS; round++) {
      await reset();
      await provider.enqueueOrchestratorWork(startItem('contention-instance'));

      const items = await staggeredCalls(
        clock,
        10,
        (i) => i * 5,
        () => provider.fetchOrchestrationItem(),
      );

      const winners = items.flatMap((item) => (item ? [item] : []));
      expect(winners, `round ${round}: exactly one fetcher may lock the instance`).toHaveLength(1);
      expect(winners[0]!.item.instance).toBe('contention-instance');
      expect(await provider.fetchOrchestrationItem(), `round ${round}`).toBeNull();
    }
  });

  it(`V2-lock-10 multi threaded no duplicate processing (${ROUNDS} rounds)`, async ({ createProvider, clock }) => {
    const { provider, reset } = await createProvider();
    const instanceCount = 20;
    for (let round = 0; round < ROUNDS; round++) {
      await reset();
      for (let i = 0; i < instanceCount; i++) await provider.enqueueOrchestratorWork(startItem(`dup-test-${i}`));

      const items = await staggeredCalls(
        clock,
        instanceCount * 2,
        (i) => (i * 3) % 50,
        () => provider.fetchOrchestrationItem(),
      );

      const fetched = items.flatMap((result) => (result ? [result.item.instance] : []));
      expect(new Set(fetched).size, `round ${round}: no instance may be fetched twice`).toBe(fetched.length);
      expect(fetched.length, `round ${round}`).toBeLessThanOrEqual(instanceCount);
    }
  });

  it('V2-lock-11 multi threaded lock expiration recovery', async ({ provider, clock }) => {
    await provider.enqueueOrchestratorWork(startItem('expiration-instance'));
    const lockedAt = clock.now();

    // The source's three tasks, in the order its timings give them: the holder locks the instance and never acks
    // (a crashed dispatcher), a contender tries at +10 ms, a recoverer at lock_timeout + 100 ms.
    const held = await fetchItem(provider);
    expect(held.instance).toBe('expiration-instance');

    clock.set(lockedAt + 10);
    expect(await provider.fetchOrchestrationItem(), 'instance should be locked').toBeNull();

    clock.set(lockedAt + LOCK_TIMEOUT_MS + 100);
    const recovered = await fetchItem(provider);
    expect(recovered.instance).toBe('expiration-instance');
    expect(recovered.lockToken).not.toBe(held.lockToken);
  });
});
