/**
 * Contract v2 §4.21 — the management scenarios added after v0.1.26 (V2-mgmt-08…13: instance statistics), and the
 * v2 additions to the instance info. The v1 management scenarios stay in management.test.ts.
 */
import { describe, expect } from 'vitest';
import { providerTest } from './support/provider-factory.js';
import {
  V2_ACK,
  V2_VARIANTS,
  ackWithDelta,
  continueAsNew,
  createFinished,
  createInstance,
  keyValueCleared,
  keyValueSet,
  started,
  fetchFor,
  v2,
  TEST_ORCH,
} from './support/v2-turns.js';

describe.each(V2_VARIANTS)('management v2 (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-mgmt-08 get instance stats nonexistent', async ({ provider }) => {
    expect(await provider.getInstanceStats('mgmt-nobody')).toBeNull();
  });

  describe.skipIf(!V2_ACK)('with the v2 ack', () => {
    it('V2-mgmt-09 get instance stats history', async ({ provider }) => {
      await createInstance(provider, 'mgmt-hist');
      const history = await provider.readHistory('mgmt-hist');
      const stats = await provider.getInstanceStats('mgmt-hist');
      expect(stats).toMatchObject({ historyEventCount: history.length, queuePendingCount: 0, kvUserKeyCount: 0 });
      expect(stats!.historySizeBytes).toBeGreaterThanOrEqual(JSON.stringify(history).length - history.length);
      await continueAsNew(provider, 'mgmt-hist');
      expect((await provider.getInstanceStats('mgmt-hist'))!.historyEventCount).toBe(1);
    });

    it('V2-mgmt-10 get instance stats kv', async ({ provider }) => {
      await createInstance(provider, 'mgmt-kv');
      await ackWithDelta(provider, 'mgmt-kv', (id) => [keyValueSet(id, 'a', '12'), keyValueSet(id + 1, 'b', '345')]);
      await continueAsNew(provider, 'mgmt-kv');
      expect(await provider.getInstanceStats('mgmt-kv')).toMatchObject({ kvUserKeyCount: 2, kvTotalValueBytes: 5 });
    });

    it('V2-mgmt-11 get instance stats carry forward', async ({ provider }) => {
      await provider.enqueueOrchestratorWork({
        StartOrchestration: {
          instance: 'mgmt-carry',
          orchestration: 'TestOrch',
          input: '{}',
          version: '1.0.0',
          parent_instance: null,
          parent_id: null,
          execution_id: 1,
        },
      });
      const { lockToken } = await fetchFor(provider, 'mgmt-carry');
      const carried = [
        ['inbox', '"a"'],
        ['inbox', '"b"'],
        ['other', '"c"'],
      ];
      await v2(provider).ackOrchestrationItem(
        lockToken,
        1,
        [started(1, { carry_forward_events: carried })],
        [],
        [],
        TEST_ORCH,
      );
      expect((await provider.getInstanceStats('mgmt-carry'))!.queuePendingCount).toBe(3);
    });

    it('V2-mgmt-12 get instance stats kv delta only', async ({ provider }) => {
      await createInstance(provider, 'mgmt-delta');
      await ackWithDelta(provider, 'mgmt-delta', (id) => [keyValueSet(id, 'x', 'abcd')]);
      expect(await provider.getInstanceStats('mgmt-delta')).toMatchObject({ kvUserKeyCount: 1, kvTotalValueBytes: 4 });
    });

    it('V2-mgmt-13 get instance stats kv merged', async ({ provider }) => {
      await createInstance(provider, 'mgmt-merged');
      await ackWithDelta(provider, 'mgmt-merged', (id) => [keyValueSet(id, 'a', '1'), keyValueSet(id + 1, 'b', '2')]);
      await continueAsNew(provider, 'mgmt-merged');
      await ackWithDelta(provider, 'mgmt-merged', (id) => [
        keyValueSet(id, 'a', '11'),
        keyValueCleared(id + 1, 'b'),
        keyValueSet(id + 2, 'c', '3'),
      ]);
      // Live keys: a (overridden), c (delta only); b is tombstoned (duroxide-pg's UNION would count 3).
      expect((await provider.getInstanceStats('mgmt-merged'))!.kvUserKeyCount).toBe(2);
      expect(await provider.getKvAllValues('mgmt-merged')).toEqual({ a: '11', c: '3' });
    });

    it('V2-mgmt-04b get instance info names the parent of a sub-orchestration', async ({ provider }) => {
      await createFinished(provider, 'mgmt-root');
      await createInstance(provider, 'mgmt-sub', { parentInstanceId: 'mgmt-root' });
      expect((await provider.getInstanceInfo('mgmt-sub')).parentInstanceId).toBe('mgmt-root');
      expect((await provider.getInstanceInfo('mgmt-root')).parentInstanceId).toBeNull();
    });
  });
});
