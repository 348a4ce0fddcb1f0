/** Contract v2 §4.19 — tag filtering: a worker takes untagged items, items of its tags, both, all, or none. */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import type { TagFilter } from '../../provider/types/index.js';
import { routedActivity } from '../support/routed-activities.js';
import { PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { fetchedId, fetchWork, orchestration } from './support/worker-scenarios.js';

const item = (id: number, tag?: string) => routedActivity('inst-1', id, tag === undefined ? {} : { tag });

/** Every activity id a filter takes, until its fetch finds nothing. */
async function drain(provider: PostgresProvider, tags: TagFilter): Promise<number[]> {
  const ids = [];
  for (let id = await fetchedId(provider, { tags }); id !== null; id = await fetchedId(provider, { tags }))
    ids.push(id);
  return ids;
}

describe.each(PROCEDURE_VARIANTS)('tag filtering (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-tag-01 defaultOnly fetches untagged items only', async ({ provider }) => {
    await provider.enqueueWorkerWork(item(1));
    await provider.enqueueWorkerWork(item(2, 'gpu'));
    await provider.enqueueWorkerWork(item(3));
    expect(await drain(provider, 'defaultOnly')).toEqual([1, 3]);
    expect(await fetchedId(provider), 'defaultOnly is the default').toBeNull();
  });

  it('V2-tag-02 tags fetches only matching items', async ({ provider }) => {
    await provider.enqueueWorkerWork(item(1));
    await provider.enqueueWorkerWork(item(2, 'gpu'));
    await provider.enqueueWorkerWork(item(3, 'cpu'));
    await provider.enqueueWorkerWork(item(4, 'gpu'));
    expect(await drain(provider, { tags: ['gpu'] })).toEqual([2, 4]);
  });

  it('V2-tag-03 defaultAnd fetches untagged and matching items', async ({ provider }) => {
    await provider.enqueueWorkerWork(item(1));
    await provider.enqueueWorkerWork(item(2, 'gpu'));
    await provider.enqueueWorkerWork(item(3, 'cpu'));
    expect(await drain(provider, { defaultAnd: ['gpu'] })).toEqual([1, 2]);
  });

  it("V2-tag-04 'none' returns nothing although items are queued", async ({ provider }) => {
    await provider.enqueueWorkerWork(item(1));
    await provider.enqueueWorkerWork(item(2, 'gpu'));
    expect(await provider.fetchWorkItem(30_000, 0, null, 'none')).toBeNull();
    expect(await fetchedId(provider, { tags: 'any' }), 'nothing was taken').toBe(1);
  });

  it('V2-tag-05 several tags in one filter', async ({ provider }) => {
    await provider.enqueueWorkerWork(item(1, 'cpu'));
    await provider.enqueueWorkerWork(item(2, 'gpu'));
    await provider.enqueueWorkerWork(item(3));
    await provider.enqueueWorkerWork(item(4, 'tpu'));
    expect(await drain(provider, { tags: ['gpu', 'tpu'] })).toEqual([2, 4]);
  });

  it('V2-tag-06 a fetched item keeps its tag', async ({ provider }) => {
    await provider.enqueueWorkerWork(item(1, 'gpu'));
    const fetched = await fetchWork(provider, { tags: { tags: ['gpu'] } });
    expect(fetched.item).toEqual(item(1, 'gpu'));
    expect(fetched.item).toHaveProperty('ActivityExecute.tag', 'gpu');
  });

  it("V2-tag-07 'any' fetches everything", async ({ provider }) => {
    await provider.enqueueWorkerWork(item(1));
    await provider.enqueueWorkerWork(item(2, 'gpu'));
    await provider.enqueueWorkerWork(item(3, 'cpu'));
    expect(await drain(provider, 'any')).toEqual([1, 2, 3]);
  });

  it('V2-tag-08 a tag survives abandon and re-fetch', async ({ provider }) => {
    await provider.enqueueWorkerWork(item(1, 'gpu'));
    await provider.enqueueWorkerWork(item(2));
    const first = await fetchWork(provider, { tags: { tags: ['gpu'] } });
    await provider.abandonWorkItem(first.lockToken);
    const again = await fetchWork(provider, { tags: { tags: ['gpu'] } });
    expect(again.item).toEqual(item(1, 'gpu'));
    expect(again.attemptCount).toBeGreaterThanOrEqual(2);
    expect(again.lockToken).not.toBe(first.lockToken);
    await provider.abandonWorkItem(again.lockToken);
    expect(await drain(provider, 'defaultOnly')).toEqual([2]);
  });

  it('V2-tag-09 runtimes with disjoint, overlapping and superset filters take exactly their items', async ({
    provider,
  }) => {
    await provider.enqueueWorkerWork(item(1, 'alpha'));
    await provider.enqueueWorkerWork(item(2, 'beta'));
    await provider.enqueueWorkerWork(item(3, 'gamma'));
    await provider.enqueueWorkerWork(item(4));
    await provider.enqueueWorkerWork(item(5, 'delta'));
    expect(await drain(provider, { tags: ['alpha'] })).toEqual([1]);
    expect(await drain(provider, { tags: ['beta', 'gamma'] })).toEqual([2, 3]);
    expect(await drain(provider, 'defaultOnly')).toEqual([4]);
    expect(await drain(provider, { tags: ['alpha', 'beta', 'gamma', 'delta'] })).toEqual([5]);
  });

  it('V2-tag-10 worker items inserted by an orchestration ack keep their tag', async ({ provider }) => {
    await orchestration.startWithActivities(provider, 'inst-1', [item(1), item(2, 'gpu')]);
    expect(await drain(provider, 'defaultOnly')).toEqual([1]);
    const tagged = await fetchWork(provider, { tags: { tags: ['gpu'] } });
    expect(tagged.item).toEqual(item(2, 'gpu'));
  });
});

describe.each(PROCEDURE_VARIANTS)('tag filter validation (%s)', (variant) => {
  const it = providerTest(variant);

  it.for([
    ['an empty tag list', { tags: [] }],
    ['six tags', { tags: ['a', 'b', 'c', 'd', 'e', 'f'] }],
    ['an empty tag', { defaultAnd: ['gpu', ''] }],
    ['a tag of 257 bytes', { tags: ['x'.repeat(257)] }],
    ['an unknown filter', 'gpuOnly'],
    ['two keys', { tags: ['gpu'], defaultAnd: ['cpu'] }],
  ] as const)('rejects %s with 22023 before any call', async ([, filter], { provider }) => {
    await provider.enqueueWorkerWork(item(1, 'gpu'));
    await expect(provider.fetchWorkItem(30_000, 0, null, filter as unknown as TagFilter)).rejects.toMatchObject({
      sqlstate: '22023',
      message: expect.stringMatching(/tagFilter/),
    });
    expect(await fetchedId(provider, { tags: 'any' }), 'nothing was taken').toBe(1);
  });
});
