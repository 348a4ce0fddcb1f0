/**
 * Contract v2 §4.16 (capability_filtering, `V2-cap`) — a fetch with a capability filter sees only instances whose
 * current execution is pinned inside the filter's first range (or not pinned, or new); the filter applies before the
 * lock and before any history is decoded; undecodable history comes back as `historyError`, counted as an attempt.
 * New in v2: procedures variants only. Instances are seeded as the source does: a start is fetched and acked with its
 * pinned version and a follow-up ExternalRaised, so each has work afterwards.
 */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import type { CapabilityFilter, Semver } from '../../provider/types/index.js';
import { continueAsNew, externalRaised, orchestrationStarted } from '../support/work-items.js';
import { LONG_LOCK_MS, PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { FIRST_TURN, fetchItem, locked, startItem } from './support/scenario-helpers.js';
import { corruptInstanceHistory, getMaxAttemptCount } from './support/test-hooks.js';

function semver(text: string): Semver {
  const [major, minor, patch] = text.split('.').map(Number) as [number, number, number];
  return { major, minor, patch };
}

/** A filter of the given `[min, max]` ranges, e.g. `filter(['1.0.0', '1.9.9'])`. */
function filter(...ranges: [string, string][]): CapabilityFilter {
  return { supportedVersions: ranges.map(([min, max]) => ({ min: semver(min), max: semver(max) })) };
}

/** The instance a fetch with `capability` returns (null: none), its lock held. */
async function fetchedWith(provider: PostgresProvider, capability: CapabilityFilter | null): Promise<string | null> {
  return (await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0, capability))?.item.instance ?? null;
}

/**
 * Starts every instance (all starts first, so each fetch below takes the next start) and acks each first turn with its
 * pinned version (none for null) and a follow-up message.
 */
async function seed(provider: PostgresProvider, pins: [string, string | null][]): Promise<void> {
  for (const [instance] of pins) await provider.enqueueOrchestratorWork(startItem(instance));
  for (const [instance, pinned] of pins) {
    const item = await fetchItem(provider, LONG_LOCK_MS);
    expect(item.instance).toBe(instance);
    await provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], [externalRaised(instance)], {
      ...FIRST_TURN,
      ...(pinned === null ? {} : { pinnedVersion: semver(pinned) }),
    });
  }
}

/** Fetches the instance's follow-up and acks a turn with `metadata`, leaving another follow-up behind. */
async function nextTurn(provider: PostgresProvider, instance: string, eventId: number, pinned?: string) {
  const item = await fetchItem(provider, LONG_LOCK_MS);
  expect(item.instance).toBe(instance);
  await provider.ackOrchestrationItem(
    item.lockToken,
    item.executionId,
    [{ ExternalEvent: { event_id: eventId, name: 'Approved', data: 'true' } }],
    [],
    [externalRaised(instance)],
    pinned === undefined ? {} : { pinnedVersion: semver(pinned) },
  );
}

describe.each(PROCEDURE_VARIANTS)('capability filtering (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-cap-01 fetch with filter none returns any item', async ({ provider }) => {
    await seed(provider, [['instance-A', '1.0.0']]);
    expect(await fetchedWith(provider, null)).toBe('instance-A');
  });

  it('V2-cap-02 fetch with compatible filter returns item', async ({ provider }) => {
    await seed(provider, [['instance-A', '1.2.3']]);
    expect(await fetchedWith(provider, filter(['1.0.0', '1.9.9']))).toBe('instance-A');
  });

  it('V2-cap-03 fetch with incompatible filter skips item', async ({ provider }) => {
    await seed(provider, [['instance-A', '1.2.3']]);
    expect(await fetchedWith(provider, filter(['2.0.0', '2.9.9']))).toBeNull();
  });

  it('V2-cap-04 fetch filter skips incompatible selects compatible', async ({ provider }) => {
    await seed(provider, [
      ['v1-instance', '1.0.0'],
      ['v2-instance', '2.0.0'],
    ]);
    expect(await fetchedWith(provider, filter(['2.0.0', '2.9.9']))).toBe('v2-instance');
    expect(await fetchedWith(provider, filter(['1.0.0', '1.9.9']))).toBe('v1-instance');
  });

  it('V2-cap-05 fetch filter does not lock skipped instances', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await seed(provider, [['instance-A', '2.0.0']]);
    expect(await fetchedWith(provider, filter(['1.0.0', '1.9.9']))).toBeNull();
    expect(await getMaxAttemptCount(tenant, 'instance-A'), 'not counted either').toBe(0);
    expect(await fetchedWith(provider, filter(['2.0.0', '2.9.9']))).toBe('instance-A');
  });

  it('V2-cap-06 fetch filter null pinned version always compatible', async ({ provider }) => {
    await seed(provider, [['instance-A', null]]);
    expect(await fetchedWith(provider, filter(['99.0.0', '99.9.9']))).toBe('instance-A');
  });

  it('V2-cap-07 fetch filter boundary versions', async ({ provider }) => {
    await seed(provider, [
      ['at-min', '1.0.0'],
      ['at-max', '1.9.99'],
      ['above', '2.0.0'],
    ]);
    const range = filter(['1.0.0', '1.9.99']);
    expect([await fetchedWith(provider, range), await fetchedWith(provider, range)].sort()).toEqual([
      'at-max',
      'at-min',
    ]);
    expect(await fetchedWith(provider, range)).toBeNull();
    expect(await fetchedWith(provider, null)).toBe('above');
  });

  it('V2-cap-08 pinned version stored via ack metadata', async ({ provider }) => {
    await seed(provider, [['instance-A', '3.1.4']]);
    expect(await fetchedWith(provider, filter(['3.0.0', '3.9.9']))).toBe('instance-A');
  });

  it('V2-cap-09 pinned version immutable across ack cycles', async ({ provider }) => {
    await seed(provider, [['instance-A', '1.2.3']]);
    await nextTurn(provider, 'instance-A', 2);
    expect(await fetchedWith(provider, filter(['2.0.0', '2.9.9']))).toBeNull();
    expect(await fetchedWith(provider, filter(['1.2.3', '1.2.3']))).toBe('instance-A');
  });

  it('V2-cap-10 continue as new execution gets own pinned version', async ({ provider }) => {
    await seed(provider, [['instance-A', '1.0.0']]);
    const turn = await fetchItem(provider, LONG_LOCK_MS);
    await provider.ackOrchestrationItem(
      turn.lockToken,
      1,
      [{ OrchestrationContinuedAsNew: { event_id: 2, input: '{}' } }],
      [],
      [continueAsNew('instance-A')],
      { status: 'ContinuedAsNew', output: '{}' },
    );
    const next = await fetchItem(provider, LONG_LOCK_MS);
    await provider.ackOrchestrationItem(
      next.lockToken,
      2,
      [orchestrationStarted(1)],
      [],
      [externalRaised('instance-A')],
      {
        ...FIRST_TURN,
        pinnedVersion: semver('2.0.0'),
      },
    );
    expect(await fetchedWith(provider, filter(['1.0.0', '1.9.9'])), 'nothing inherited from execution 1').toBeNull();
    expect(await fetchedWith(provider, filter(['2.0.0', '2.9.9']))).toBe('instance-A');
  });

  it('V2-cap-11 filter with empty supported versions returns nothing', async ({ provider }) => {
    await seed(provider, [['instance-A', null]]);
    expect(await fetchedWith(provider, { supportedVersions: [] })).toBeNull();
    expect(await fetchedWith(provider, null), 'the instance was not touched').toBe('instance-A');
  });

  it('V2-cap-12 concurrent filtered fetch no double lock', async ({ provider }) => {
    await seed(provider, [['instance-A', '1.0.0']]);
    const range = filter(['1.0.0', '1.9.9']);
    const both = await Promise.all([fetchedWith(provider, range), fetchedWith(provider, range)]);
    expect(both.filter((instance) => instance !== null)).toEqual(['instance-A']);
    expect(await fetchedWith(provider, range)).toBeNull();
  });

  it('V2-cap-13 ack stores pinned version via metadata update', async ({ provider }) => {
    await seed(provider, [['instance-A', null]]);
    await nextTurn(provider, 'instance-A', 2, '1.5.0');
    expect(await fetchedWith(provider, filter(['2.0.0', '2.9.9']))).toBeNull();
    expect(await fetchedWith(provider, filter(['1.5.0', '1.5.0']))).toBe('instance-A');
  });

  it('V2-cap-14 provider updates pinned version when told', async ({ provider }) => {
    await seed(provider, [['instance-A', '1.0.0']]);
    await nextTurn(provider, 'instance-A', 2, '2.0.0');
    expect(await fetchedWith(provider, filter(['1.0.0', '1.0.0']))).toBeNull();
    expect(await fetchedWith(provider, filter(['2.0.0', '2.0.0']))).toBe('instance-A');
  });

  it('V2-cap-15 fetch corrupted history filtered vs unfiltered', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await seed(provider, [['instance-A', '1.0.0']]);
    await corruptInstanceHistory(tenant, 'instance-A');
    expect(await fetchedWith(provider, filter(['2.0.0', '2.9.9']))).toBeNull();
    const fetched = await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0, null);
    expect(fetched?.item.instance).toBe('instance-A');
    expect(fetched!.item.history).toEqual([]);
    expect(fetched!.item.historyError).toMatch(/instance-A/);
    expect(fetched!.item.messages).toEqual([externalRaised('instance-A')]);
  });

  for (const [id, cycles] of [
    ['V2-cap-16 fetch deserialization error increments attempt count', 2],
    ['V2-cap-17 fetch deserialization error eventually reaches poison', 5],
  ] as const) {
    it(id, async ({ createProvider, clock }) => {
      const { provider, tenant } = await createProvider();
      await seed(provider, [['instance-A', null]]);
      await corruptInstanceHistory(tenant, 'instance-A');
      for (let cycle = 1; cycle <= cycles; cycle++) {
        const fetched = locked(await provider.fetchOrchestrationItem(50, 0, null));
        expect(fetched?.historyError, `cycle ${cycle}`).not.toBeNull();
        expect(fetched!.attemptCount).toBe(cycle);
        clock.advance(51); // the 50 ms lock expires; nobody acks or abandons
      }
      expect(await getMaxAttemptCount(tenant, 'instance-A')).toBeGreaterThanOrEqual(cycles);
    });
  }

  it('V2-cap-18 fetch filter applied before history deserialization', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await seed(provider, [['instance-A', '99.0.0']]);
    await corruptInstanceHistory(tenant, 'instance-A');
    expect(await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0, filter(['1.0.0', '1.9.9']))).toBeNull();
    expect(await getMaxAttemptCount(tenant, 'instance-A')).toBe(0);
    expect((await provider.fetchOrchestrationItem(LONG_LOCK_MS, 0, null))?.item.historyError).not.toBeNull();
  });

  it('V2-cap-19 fetch single range only uses first range', async ({ provider }) => {
    await seed(provider, [
      ['v1-instance', '1.0.0'],
      ['v3-instance', '3.0.0'],
    ]);
    const ranges = filter(['1.0.0', '1.5.0'], ['3.0.0', '3.5.0']);
    expect(await fetchedWith(provider, ranges)).toBe('v1-instance');
    expect(await fetchedWith(provider, ranges)).toBeNull();
  });

  it('V2-cap-20 ack appends event to corrupted history', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await seed(provider, [['instance-A', null]]);
    await corruptInstanceHistory(tenant, 'instance-A');
    const item = await fetchItem(provider, LONG_LOCK_MS);
    expect(item.historyError).not.toBeNull();
    const output = `poison: orchestration instance-A history deserialization failed after 1 attempts (max 10): ${item.historyError}`;
    const poison = {
      Poison: {
        attempt_count: 1,
        max_attempts: 10,
        message_type: { FailedDeserialization: { instance: 'instance-A', execution_id: 1, error: item.historyError! } },
        message: output,
      },
    };
    await provider.ackOrchestrationItem(
      item.lockToken,
      1,
      [{ OrchestrationFailed: { event_id: 99999, details: poison } }],
      [],
      [],
      { status: 'Failed', output },
    );
    const info = await provider.getInstanceInfo('instance-A');
    expect(info.status).toBe('Failed');
    expect(info.output).toContain('deserialization failed');
  });
});
