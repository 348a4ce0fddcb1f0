/** Contract v2 §4.8 — queue semantics, the new worker scenarios (V2-queue-06/07): visibility of worker items. */
import { describe, expect } from 'vitest';
import { activityExecute } from '../support/work-items.js';
import { providerTest } from './support/provider-factory.js';
import { fetchedId, fetchWork, PROCEDURE_VARIANTS } from './support/worker-scenarios.js';

describe.each(PROCEDURE_VARIANTS)('queue semantics, worker visibility (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-queue-06 a freshly enqueued worker item is fetchable at once', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    expect((await fetchWork(provider)).item).toEqual(activityExecute('inst-1', 1));
  });

  it('V2-queue-07 a delayed abandon skips the item until its time, later items go first', async ({
    provider,
    clock,
  }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    await provider.enqueueWorkerWork(activityExecute('inst-1', 2));
    const first = await fetchWork(provider);
    await provider.abandonWorkItem(first.lockToken, 500);
    expect(await fetchedId(provider)).toBe(2);
    expect(await fetchedId(provider)).toBeNull();
    clock.advance(600);
    expect(await fetchedId(provider)).toBe(1);
  });
});
