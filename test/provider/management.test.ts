/**
 * Contract v2 §4.9 (management, `V2-mgmt-01…07`) — the management reads of instances, executions, metrics and queue
 * depths, on every variant; and §4.21 (`V2-mgmt-08…13`, instance statistics) with the v2 instance info, on the
 * procedures.
 */
import { describe, expect } from 'vitest';
import {
  keyValueCleared,
  keyValueSet,
  orchestrationCompleted,
  orchestrationStarted,
  startOrchestration,
} from '../support/work-items.js';
import { PROCEDURE_VARIANTS, providerTest, SUITE_VARIANTS } from './support/provider-factory.js';
import { createInstance, FIRST_TURN, startAndAck, startItem } from './support/scenario-helpers.js';
import { ackWithDelta, continueAsNew, createFinished, fetchFor } from './support/v2-turns.js';

describe.each(SUITE_VARIANTS)('management (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-mgmt-01 list instances: instances created by their first ack are listed', async ({ provider }) => {
    for (let i = 0; i < 3; i++) await createInstance(provider, `mgmt-inst-${i}`);

    expect(await provider.listInstances()).toEqual(
      expect.arrayContaining(['mgmt-inst-0', 'mgmt-inst-1', 'mgmt-inst-2']),
    );
  });

  it('V2-mgmt-02 list instances by status', async ({ provider }) => {
    await createInstance(provider, 'mgmt-completed', { status: 'Completed', output: 'done' }, (id) => [
      orchestrationCompleted(id, 'done'),
    ]);

    expect(await provider.listInstancesByStatus('Completed')).toContain('mgmt-completed');
  });

  it('V2-mgmt-03 list executions', async ({ provider }) => {
    await createInstance(provider, 'mgmt-executions');

    expect(await provider.listExecutions('mgmt-executions')).toContain(1);
  });

  it('V2-mgmt-04 get instance info: name and version from the ack metadata', async ({ provider }) => {
    await startAndAck(provider, 'mgmt-info', [orchestrationStarted(1, 'InfoOrch', '2.0.0')], {
      orchestrationName: 'InfoOrch',
      orchestrationVersion: '2.0.0',
    });

    const info = await provider.getInstanceInfo('mgmt-info');

    expect(info.instanceId).toBe('mgmt-info');
    expect(info.orchestrationName, 'the metadata, not the start item (TestOrch)').toBe('InfoOrch');
    expect(info.orchestrationVersion).toBe('2.0.0');
    expect(info.currentExecutionId).toBe(1);
  });

  it('V2-mgmt-05 get execution info of an ack without name and version', async ({ provider }) => {
    await startAndAck(provider, 'mgmt-exec-info', [orchestrationStarted(1), orchestrationCompleted(2, 'result')], {
      status: 'Completed',
      output: 'result',
    });

    const info = await provider.getExecutionInfo('mgmt-exec-info', 1);

    expect(info.executionId).toBe(1);
    expect(info.status).toBe('Completed');
    expect(info.output).toBe('result');
  });

  it('V2-mgmt-06 get system metrics', async ({ provider }) => {
    const before = await provider.getSystemMetrics();

    await createInstance(provider, 'mgmt-metrics');

    const after = await provider.getSystemMetrics();
    expect(after.totalInstances).toBeGreaterThan(before.totalInstances);
    expect(after.totalEvents).toBeGreaterThan(0);
  });

  it('V2-mgmt-07 get queue depths', async ({ provider }) => {
    const before = await provider.getQueueDepths();

    await provider.enqueueOrchestratorWork(startItem('mgmt-depths'));

    const after = await provider.getQueueDepths();
    expect(after.orchestratorQueue).toBeGreaterThan(before.orchestratorQueue);
  });
});

describe.each(PROCEDURE_VARIANTS)('management, contract v2 (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-mgmt-08 get instance stats nonexistent', async ({ provider }) => {
    expect(await provider.getInstanceStats('mgmt-nobody')).toBeNull();
  });

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
    await provider.enqueueOrchestratorWork(startOrchestration('mgmt-carry'));
    const { lockToken } = await fetchFor(provider, 'mgmt-carry');
    const carried: [string, string][] = [
      ['inbox', '"a"'],
      ['inbox', '"b"'],
      ['other', '"c"'],
    ];
    await provider.ackOrchestrationItem(
      lockToken,
      1,
      [{ OrchestrationStarted: { ...orchestrationStarted(1).OrchestrationStarted, carry_forward_events: carried } }],
      [],
      [],
      FIRST_TURN,
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

  it('get instance info names the parent of a sub-orchestration', async ({ provider }) => {
    await createFinished(provider, 'mgmt-root');
    await createInstance(provider, 'mgmt-sub', { parentInstanceId: 'mgmt-root' });
    expect((await provider.getInstanceInfo('mgmt-sub')).parentInstanceId).toBe('mgmt-root');
    expect((await provider.getInstanceInfo('mgmt-root')).parentInstanceId).toBeNull();
  });
});
