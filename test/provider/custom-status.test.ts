/** Contract v2 §4.18 — custom status materialised by the ack, polled by version. */
import { describe, expect } from 'vitest';
import { customStatusUpdated } from '../support/work-items.js';
import { PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { createInstance } from './support/scenario-helpers.js';
import { ackWithDelta } from './support/v2-turns.js';
import type { PostgresProvider } from '../../provider/postgres-provider.js';

const setStatus = (provider: PostgresProvider, instance: string, status: string | null) =>
  ackWithDelta(provider, instance, (id) => [customStatusUpdated(id, status)]);

describe.each(PROCEDURE_VARIANTS)('custom status (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-cs-06 custom status nonexistent instance', async ({ provider }) => {
    expect(await provider.getCustomStatus('cs-nobody', 0)).toBeNull();
  });

  it('V2-cs-01 custom status set', async ({ provider }) => {
    await createInstance(provider, 'cs-set');
    await setStatus(provider, 'cs-set', 'progress');
    expect(await provider.getCustomStatus('cs-set', 0)).toEqual({ customStatus: 'progress', version: 1 });
  });

  it('V2-cs-02 custom status clear', async ({ provider }) => {
    await createInstance(provider, 'cs-clear');
    await setStatus(provider, 'cs-clear', 'progress');
    await setStatus(provider, 'cs-clear', null);
    expect(await provider.getCustomStatus('cs-clear', 0)).toEqual({ customStatus: null, version: 2 });
  });

  it('V2-cs-03 custom status none preserves', async ({ provider }) => {
    await createInstance(provider, 'cs-keep');
    await setStatus(provider, 'cs-keep', 'keep-me');
    await ackWithDelta(provider, 'cs-keep', () => []);
    expect(await provider.getCustomStatus('cs-keep', 0)).toEqual({ customStatus: 'keep-me', version: 1 });
  });

  it('V2-cs-04 custom status version increments', async ({ provider }) => {
    await createInstance(provider, 'cs-versions');
    const versions: (number | undefined)[] = [];
    for (const status of ['a', 'b', null]) {
      await setStatus(provider, 'cs-versions', status);
      versions.push((await provider.getCustomStatus('cs-versions', 0))?.version);
    }
    expect(versions).toEqual([1, 2, 3]);
  });

  it('V2-cs-05 custom status polling no change', async ({ provider }) => {
    await createInstance(provider, 'cs-poll');
    await setStatus(provider, 'cs-poll', 'x');
    expect(await provider.getCustomStatus('cs-poll', 1)).toBeNull();
    expect(await provider.getCustomStatus('cs-poll', 0)).not.toBeNull();
  });

  it('V2-cs-07 custom status default on new instance', async ({ provider }) => {
    await createInstance(provider, 'cs-fresh');
    expect(await provider.getCustomStatus('cs-fresh', 0)).toBeNull();
  });
});
