/** Contract §4.8 — the management capability reads instances, executions, metrics and queue depths. */
import { describe, expect } from 'vitest';
import { orchestrationCompleted, orchestrationStarted } from '../support/work-items.js';
import { SUITE_VARIANTS, providerTest } from './support/provider-factory.js';
import { createInstance, startAndAck, startItem } from './support/scenario-helpers.js';

describe.each(SUITE_VARIANTS)('management (%s)', (variant) => {
  const it = providerTest(variant);

  it('35 list instances', async ({ provider }) => {
    // An instance exists once its first turn is committed (contract v2 §1.1).
    for (let i = 0; i < 3; i++) await createInstance(provider, `mgmt-inst-${i}`);

    const instances = await provider.listInstances();

    expect(instances).toEqual(expect.arrayContaining(['mgmt-inst-0', 'mgmt-inst-1', 'mgmt-inst-2']));
  });

  it('36 list instances by status', async ({ provider }) => {
    await startAndAck(provider, 'mgmt-completed', [orchestrationStarted(1), orchestrationCompleted(2, 'done')], {
      status: 'Completed',
      output: 'done',
      orchestrationName: 'TestOrch',
      orchestrationVersion: '1.0.0',
    });

    expect(await provider.listInstancesByStatus('Completed')).toContain('mgmt-completed');
  });

  it('37 list executions', async ({ provider }) => {
    await startAndAck(provider, 'mgmt-executions');

    expect(await provider.listExecutions('mgmt-executions')).toContain(1);
  });

  it('38 get instance info', async ({ provider }) => {
    await startAndAck(provider, 'mgmt-info', [orchestrationStarted(1, 'InfoOrch', '2.0.0')], {
      orchestrationName: 'InfoOrch',
      orchestrationVersion: '2.0.0',
    });

    const info = await provider.getInstanceInfo('mgmt-info');

    expect(info.instanceId).toBe('mgmt-info');
    expect(info.orchestrationName, 'ack metadata overwrites the name the start stored').toBe('InfoOrch');
    expect(info.orchestrationVersion).toBe('2.0.0');
    expect(info.currentExecutionId).toBe(1);
  });

  it('39 get execution info', async ({ provider }) => {
    await startAndAck(provider, 'mgmt-exec-info', [orchestrationStarted(1), orchestrationCompleted(2, 'result')], {
      status: 'Completed',
      output: 'result',
    });

    const info = await provider.getExecutionInfo('mgmt-exec-info', 1);

    expect(info.executionId).toBe(1);
    expect(info.status).toBe('Completed');
    expect(info.output).toBe('result');
  });

  it('40 get system metrics', async ({ provider }) => {
    const before = await provider.getSystemMetrics();

    await startAndAck(provider, 'mgmt-metrics');

    const after = await provider.getSystemMetrics();
    expect(after.totalInstances).toBeGreaterThan(before.totalInstances);
    expect(after.totalEvents).toBeGreaterThan(0);
  });

  it('41 get queue depths', async ({ provider }) => {
    const before = await provider.getQueueDepths();

    await provider.enqueueOrchestratorWork(startItem('mgmt-depths'));

    const after = await provider.getQueueDepths();
    expect(after.orchestratorQueue).toBeGreaterThan(before.orchestratorQueue);
  });
});
