/**
 * How sp_fetch_orchestration_item picks its candidate (0012 `_sp_fetch_candidate`): past the first rows of the queue
 * when they all wait on a locked instance, per instance when the queue holds few instances, and by the full walk when
 * it holds many — always the instance of the oldest visible message that may be taken, as 0008's single query.
 */
import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  FIRST_TURN,
  LOCK_MS,
  enqueueOrchestrator,
  fetchItem,
  json,
  runTurn,
  tableRows,
  useEmptyTenantSchema,
  type VersionRange,
} from '../support/procedure-calls.js';
import { randomSchemaName } from '../support/tenant-schema.js';
import { externalRaised, orchestrationStarted, startOrchestration } from '../support/work-items.js';

const tenant = useEmptyTenantSchema({ name: randomSchemaName('Fetch "Candidate"') });
const HOUR_MS = 3_600_000;

/** `count` messages in one statement, each `item` with `%` in its JSON replaced by the row number. */
async function enqueueMany(item: unknown, count: number, nowMs: number): Promise<void> {
  await tenant.pool.query(
    `SELECT ${tenant.quoted}.sp_enqueue_orchestrator_work(replace($1::text, '%', i::text)::jsonb, $2::bigint)
       FROM generate_series(1, $3::int) AS i`,
    [json(item), nowMs, count],
  );
}

/** Locks instance `locked` for an hour and queues `backlog` messages for it behind the lock, at BASE_MS. */
async function lockedBacklog(backlog: number): Promise<void> {
  await enqueueOrchestrator(tenant, startOrchestration('locked'), BASE_MS);
  expect((await fetchItem(tenant, BASE_MS, HOUR_MS))?.instance_id).toBe('locked');
  await enqueueMany(externalRaised('locked'), backlog, BASE_MS);
}

const fetchAt = (nowMs: number, versions: VersionRange | null = null) =>
  fetchItem(tenant, nowMs, LOCK_MS, { versions }).then((item) => item?.instance_id);

const waitingAttempts = async () =>
  (await tableRows<{ instance_id: string; attempt_count: number }>(tenant, 'orchestrator_queue', 'id'))
    .filter((row) => row.instance_id === 'locked')
    .map((row) => row.attempt_count);

describe('sp_fetch_orchestration_item behind a locked instance with a long backlog', () => {
  it('takes the instance with the oldest visible message behind it, by visibility, not by name or id', async () => {
    await lockedBacklog(100);
    await enqueueOrchestrator(tenant, startOrchestration('a'), BASE_MS + 5);
    await enqueueOrchestrator(tenant, startOrchestration('b'), BASE_MS + 1);

    expect(await fetchAt(BASE_MS + 10)).toBe('b');
    expect(await fetchAt(BASE_MS + 10)).toBe('a');
    expect(await fetchAt(BASE_MS + 10)).toBeUndefined();
    // The backlog was never tagged or counted: it waits for the lock.
    expect(await waitingAttempts()).toEqual([1, ...Array<number>(100).fill(0)]);
  });

  it('answers nothing while the only other message is not visible, and takes it once it is', async () => {
    await lockedBacklog(100);
    await enqueueOrchestrator(tenant, startOrchestration('later'), BASE_MS, 60_000);

    expect(await fetchAt(BASE_MS + 59_999)).toBeUndefined();
    expect(await fetchAt(BASE_MS + 60_000)).toBe('later');
  });

  it('hands the whole backlog out once the lock has expired', async () => {
    await lockedBacklog(100);
    const item = await fetchItem(tenant, BASE_MS + HOUR_MS);
    expect(item?.instance_id).toBe('locked');
    expect(item?.messages).toHaveLength(101);
  });

  it('applies the capability filter to the instances behind it', async () => {
    for (const [instance, pinned] of [
      ['old', [1, 0, 0]],
      ['new', [2, 0, 0]],
    ] as const) {
      await enqueueOrchestrator(tenant, startOrchestration(instance), BASE_MS);
      await runTurn(tenant, instance, BASE_MS, {
        ...FIRST_TURN,
        delta: [orchestrationStarted(1)],
        pinned: [...pinned],
      });
    }
    await lockedBacklog(100);
    await enqueueOrchestrator(tenant, externalRaised('old'), BASE_MS + 1);
    await enqueueOrchestrator(tenant, externalRaised('new'), BASE_MS + 2);

    const range: VersionRange = [
      [2, 0, 0],
      [2, 9, 9],
    ];
    expect(await fetchAt(BASE_MS + 10, range)).toBe('new');
    expect(await fetchAt(BASE_MS + 10, range)).toBeUndefined();
    expect(await fetchAt(BASE_MS + 10)).toBe('old');
  });

  it('still finds the oldest when the queue holds more instances than the per-instance search covers', async () => {
    await lockedBacklog(100);
    await enqueueMany(startOrchestration('q-%'), 300, BASE_MS + 1);

    expect(await fetchAt(BASE_MS + 10)).toBe('q-1');
    expect(await fetchAt(BASE_MS + 10)).toBe('q-2');
  });
});
