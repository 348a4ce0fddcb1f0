/**
 * Contract v2 §3.9–§3.14 — the provider surface of the worker queue: argument checks (22023 naming the argument,
 * before any database call), the `'none'` tag filter, and undecodable rows (DXC02).
 */
import { describe, expect, vi } from 'vitest';
import type { SessionFetchConfig, TagFilter } from '../../provider/types/index.js';
import { activityCompleted, activityExecute } from '../support/work-items.js';
import { providerTest } from './support/provider-factory.js';
import { providerErrorOf } from './support/scenario-helpers.js';
import { fetchWork } from './support/worker-scenarios.js';

describe('worker queue methods (procedures)', () => {
  const it = providerTest('procedures');

  it.for([
    ['lockTimeoutMs 0', [0], /lockTimeoutMs must be a whole number of milliseconds >= 1/],
    ['a fractional lockTimeoutMs', [1.5], /lockTimeoutMs/],
    ['a negative pollTimeoutMs', [1_000, -1], /pollTimeoutMs must be a whole number of milliseconds >= 0/],
    ['a session without ownerId', [1_000, 0, { lockTimeoutMs: 1_000 }], /session\.ownerId/],
    ['a session with an empty ownerId', [1_000, 0, { ownerId: '', lockTimeoutMs: 1_000 }], /session\.ownerId/],
    ['a session lock timeout of 0', [1_000, 0, { ownerId: 'A', lockTimeoutMs: 0 }], /session\.lockTimeoutMs/],
    ['a session that is a string', [1_000, 0, 'A'], /session must be an object/],
    ['an unknown tag filter', [1_000, 0, null, 'gpu'], /tagFilter must be/],
  ] as const)('fetchWorkItem rejects %s with 22023', async ([, args, message], { provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const [lock, poll, session, tags] = args as unknown as [number, number?, SessionFetchConfig?, TagFilter?];
    const error = await providerErrorOf(provider.fetchWorkItem(lock, poll, session, tags));
    expect(error).toMatchObject({ operation: 'fetchWorkItem', sqlstate: '22023', retryable: false });
    expect(error.reason).toMatch(message);
    expect((await fetchWork(provider)).attemptCount, 'nothing was taken').toBe(1);
  });

  it("returns null for the 'none' tag filter without a database call", async ({ createProvider }) => {
    const { provider, tenant } = await createProvider();
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const query = vi.spyOn(tenant.pool, 'query');
    const connect = vi.spyOn(tenant.pool, 'connect');
    try {
      expect(await provider.fetchWorkItem(1_000, 0, { ownerId: 'A', lockTimeoutMs: 1_000 }, 'none')).toBeNull();
      expect(query).not.toHaveBeenCalled();
      expect(connect).not.toHaveBeenCalled();
    } finally {
      query.mockRestore();
      connect.mockRestore();
    }
  });

  it('rejects bad arguments of the other methods with 22023, naming them', async ({ provider }) => {
    const cases: [Promise<unknown>, RegExp][] = [
      [provider.renewWorkItemLock('t', 0), /extendForMs must be a whole number of milliseconds >= 1/],
      [provider.abandonWorkItem('t', -1), /delayMs must be a whole number of milliseconds >= 0/],
      [provider.abandonWorkItem('t', null, 'yes' as unknown as boolean), /ignoreAttempt must be a boolean/],
      [provider.renewSessionLock(['A'], 0, 1_000), /extendForMs/],
      [provider.renewSessionLock(['A'], 1_000, -1), /idleTimeoutMs/],
      [provider.renewSessionLock([''], 1_000, 1_000), /ownerIds/],
      [provider.renewSessionLock('A' as unknown as string[], 1_000, 1_000), /ownerIds/],
      [provider.cleanupOrphanedSessions(-5), /idleTimeoutMs/],
      [provider.ackWorkItem('t', { ActivityCompleted: { bad: Number.NaN } } as never), /completion/],
    ];
    for (const [call, message] of cases) {
      const error = await providerErrorOf(call);
      expect(error.sqlstate, error.message).toBe('22023');
      expect(error.reason).toMatch(message);
    }
  });

  it('accepts an ActivityFailed completion and refuses another kind with DXI01', async ({ provider }) => {
    await provider.enqueueWorkerWork(activityExecute('inst-1', 1));
    const fetched = await fetchWork(provider);
    const error = await providerErrorOf(provider.ackWorkItem(fetched.lockToken, activityExecute('inst-1', 1) as never));
    expect(error).toMatchObject({ sqlstate: 'DXI01', retryable: false });
    await provider.ackWorkItem(fetched.lockToken, activityCompleted('inst-1', 1));
  });

  it('fails a fetch of an undecodable row with DXC02, leaving that row locked and the next one fetchable', async ({
    createProvider,
  }) => {
    const { provider, tenant } = await createProvider();
    await tenant.pool.query(
      `INSERT INTO ${tenant.quoted}.worker_queue (work_item, visible_at, created_at) VALUES ($1, 0, now())`,
      [JSON.stringify({ ActivityExecute: { instance: 'inst-1', execution_id: 1, id: 1 } })],
    );
    await provider.enqueueWorkerWork(activityExecute('inst-1', 2));
    const error = await providerErrorOf(provider.fetchWorkItem(30_000));
    expect(error).toMatchObject({ operation: 'fetchWorkItem', sqlstate: 'DXC02', retryable: false });
    expect(error.reason).toMatch(/^Failed to deserialize worker item \(worker_queue id \d+\)/);
    expect((await fetchWork(provider)).item).toEqual(activityExecute('inst-1', 2));
  });
});
