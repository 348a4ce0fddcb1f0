/**
 * The provider's contract-v2 orchestration API beyond the scenario catalogue: argument checks (22023 naming the
 * argument), the inline baseline refusing v2-only arguments, and lock renewal (its retry budget: provider-error.test.ts).
 */
import { describe, expect } from 'vitest';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { ProviderError } from '../../provider/provider-error.js';
import { externalRaised, orchestrationStarted } from '../support/work-items.js';
import { LOCK_TIMEOUT_MS, PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { createInstance, fetchItem, FIRST_TURN, providerErrorOf, startItem } from './support/scenario-helpers.js';

describe.each(PROCEDURE_VARIANTS)('orchestration API v2 (%s)', (variant) => {
  const it = providerTest(variant);

  it.for([
    ['lockTimeoutMs', () => [0, 0, null]],
    ['lockTimeoutMs', () => [1.5, 0, null]],
    ['pollTimeoutMs', () => [1_000, -1, null]],
    ['filter', () => [1_000, 0, { supportedVersions: 'all' }]],
    [
      'filter.supportedVersions[0].max',
      () => [1_000, 0, { supportedVersions: [{ min: { major: 1, minor: 0, patch: 0 } }] }],
    ],
  ] as const)('fetch rejects a bad %s with 22023 naming it', async ([what, args], { provider }) => {
    const call = (provider.fetchOrchestrationItem as (...a: unknown[]) => Promise<unknown>).bind(provider);
    const error = await providerErrorOf(call(...args()));
    expect(error).toMatchObject({ sqlstate: '22023', retryable: false });
    expect(error.message).toContain(what);
  });

  it('ack and abandon reject bad v2 arguments with 22023 naming them, and change nothing', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('a'));
    const item = await fetchItem(provider);
    for (const [what, call] of [
      [
        'cancelledActivities',
        provider.ackOrchestrationItem(item.lockToken, 1, [], [], [], {}, [{ instance: 'a' }] as never),
      ],
      [
        'metadata.pinnedVersion',
        provider.ackOrchestrationItem(item.lockToken, 1, [], [], [], {
          pinnedVersion: { major: -1, minor: 0, patch: 0 },
        }),
      ],
      [
        'metadata.parentInstanceId',
        provider.ackOrchestrationItem(item.lockToken, 1, [], [], [], { parentInstanceId: '' }),
      ],
      ['ignoreAttempt', provider.abandonOrchestrationItem(item.lockToken, null, 'yes' as never)],
    ] as const) {
      const error = await providerErrorOf(call, what);
      expect(error, what).toMatchObject({ sqlstate: '22023', retryable: false });
      expect(error.message, what).toContain(what);
    }
    // The lock is still the holder's.
    await provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], [], FIRST_TURN);
  });

  it('renewal keeps the lock past its original expiry; after expiry it fails with DXL03, permanently', async ({
    provider,
    clock,
  }) => {
    await createInstance(provider, 'r');
    await provider.enqueueOrchestratorWork(externalRaised('r'));
    const item = await fetchItem(provider);
    clock.advance(LOCK_TIMEOUT_MS - 100);
    await provider.renewOrchestrationItemLock(item.lockToken, LOCK_TIMEOUT_MS);
    clock.advance(500);
    expect(await provider.fetchOrchestrationItem(), 'still locked after the original expiry').toBeNull();
    await provider.ackOrchestrationItem(item.lockToken, 1, [], [], []);

    await provider.enqueueOrchestratorWork(externalRaised('r'));
    const next = await fetchItem(provider);
    clock.advance(LOCK_TIMEOUT_MS);
    const error = await providerErrorOf(provider.renewOrchestrationItemLock(next.lockToken, LOCK_TIMEOUT_MS));
    expect(error).toMatchObject({ operation: 'renewOrchestrationItemLock', sqlstate: 'DXL03', retryable: false });
    expect(error.message).toContain('Lock token invalid, expired, or already released');
    for (const extension of [0, -1, 0.5]) {
      expect(await providerErrorOf(provider.renewOrchestrationItemLock(next.lockToken, extension))).toMatchObject({
        sqlstate: '22023',
      });
    }
  });

  it('fetch returns the attempt count and the KV snapshot beside the item', async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await createInstance(provider, 'k');
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.kv_store (instance_id, key, value, last_updated_at_ms) VALUES ('k', 'x', '1', 7)`,
    );
    await provider.enqueueOrchestratorWork(externalRaised('k'));
    const fetched = await provider.fetchOrchestrationItem();
    expect(fetched).toMatchObject({
      attemptCount: 1,
      item: { instance: 'k', historyError: null, kvSnapshot: { x: { value: '1', lastUpdatedAtMs: 7 } } },
    });
  });
});

describe('the inline baseline (contract v1)', () => {
  const it = providerTest('inline');

  it('refuses v2-only arguments with a permanent 22023 that says why, and changes nothing', async ({ provider }) => {
    await provider.enqueueOrchestratorWork(startItem('a'));
    const item = await fetchItem(provider);
    const version = { major: 1, minor: 0, patch: 0 };
    for (const [what, call] of [
      [
        'a capability filter',
        provider.fetchOrchestrationItem(undefined, 0, { supportedVersions: [{ min: version, max: version }] }),
      ],
      [
        'cancelledActivities',
        provider.ackOrchestrationItem(item.lockToken, 1, [], [], [], {}, [
          { instance: 'a', executionId: 1, activityId: 2 },
        ]),
      ],
      [
        'metadata.parentInstanceId',
        provider.ackOrchestrationItem(item.lockToken, 1, [], [], [], { parentInstanceId: 'p' }),
      ],
      [
        'metadata.pinnedVersion',
        provider.ackOrchestrationItem(item.lockToken, 1, [], [], [], { pinnedVersion: version }),
      ],
      ['ignoreAttempt', provider.abandonOrchestrationItem(item.lockToken, 0, true)],
    ] as const) {
      const error = await providerErrorOf(call, what);
      expect(error, what).toBeInstanceOf(ProviderError);
      expect(error, what).toMatchObject({ sqlstate: '22023', retryable: false });
      expect(error.message, what).toContain(what);
      expect(error.message, what).toContain('contract v1');
    }
    await provider.ackOrchestrationItem(item.lockToken, 1, [orchestrationStarted(1)], [], [], FIRST_TURN);
  });

  it("is refused at create for a v2-only method, but 'inline' for every method leaves those to the procedures", async ({
    createProvider,
  }) => {
    const { provider, tenant } = await createProvider();
    await expect(
      PostgresProvider.create({
        pool: tenant.pool,
        schema: tenant.name,
        migrate: false,
        implementation: { renewOrchestrationItemLock: 'inline' },
      }),
    ).rejects.toThrow(/cannot serve renewOrchestrationItemLock: contract v2's operations exist only as procedures/);
    await provider.enqueueOrchestratorWork(startItem('a'));
    const item = await fetchItem(provider);
    await provider.renewOrchestrationItemLock(item.lockToken, 5_000);
  });
});
