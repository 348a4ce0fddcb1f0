import { afterAll, describe, expect, it } from 'vitest';
import { runOrderOrchestration } from '../../provider/demo/order-orchestration.js';
import { PostgresProvider } from '../../provider/postgres-provider.js';
import { dropSchema, openPool, randomSchemaName } from '../support/tenant-schema.js';
import { IMPLEMENTATIONS } from './support/provider-factory.js';

/** The scenario `npm start` prints, checked end to end in both implementations. */
describe.each(IMPLEMENTATIONS)('order orchestration end to end (%s)', (implementation) => {
  const pool = openPool(5);
  const schema = randomSchemaName('demo');
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('starts, runs an activity, fires a timer, takes an event, continues as new and completes', async () => {
    const provider = await PostgresProvider.create({ pool, schema, lockTimeoutMs: 5_000, implementation });
    const steps: string[] = [];

    await runOrderOrchestration(provider, 'order-1', (step) => steps.push(step.title));

    expect(steps).toEqual(['client', 'turn 1', 'worker', 'turn 2', 'turn 3', 'client', 'turn 4', 'turn 5']);
    const info = await provider.getInstanceInfo('order-1');
    expect(info).toMatchObject({ status: 'Completed', output: '"order 42 done"', currentExecutionId: 2 });
    expect(await provider.listExecutions('order-1')).toEqual([1, 2]);
    expect((await provider.getExecutionInfo('order-1', 1)).status).toBe('ContinuedAsNew');
    expect((await provider.readExecution('order-1', 1)).map((e) => Object.keys(e)[0])).toEqual([
      'OrchestrationStarted',
      'ActivityScheduled',
      'ActivityCompleted',
      'TimerCreated',
      'TimerFired',
      'ExternalSubscribed',
      'ExternalEvent',
      'OrchestrationContinuedAsNew',
    ]);
    expect(await provider.read('order-1')).toHaveLength(2);
    expect(await provider.getSystemMetrics()).toMatchObject({
      totalInstances: 1,
      completedInstances: 1,
      totalEvents: 10,
    });
    expect(await provider.getQueueDepths()).toEqual({ orchestratorQueue: 0, workerQueue: 0, timerQueue: 0 });
  });
});
