/**
 * The orchestrator queue under real concurrency: every call below runs on its own pooled connection at the same
 * time as the others. Races are timing-dependent, so the race-prone scenarios run for many rounds.
 */
import { describe, expect, it } from 'vitest';
import {
  ackItem,
  BASE_MS,
  enqueueOrchestrator,
  type FetchedItem,
  fetchItem,
  LOCK_MS,
  tableRows,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import { emptyTables } from '../support/table-snapshot.js';
import {
  activityCompleted,
  orchestrationStarted,
  startOrchestration,
  subOrchCompleted,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema({ poolSize: 40 });
const ROUNDS = 20;

/** Rows in one provider table. */
const count = async (table: string): Promise<number> => (await tableRows(tenant, table)).length;

describe('fetch under concurrency', () => {
  it(`ten fetchers over ten instances each get a different one, never "no work" (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await emptyTables(tenant);
      for (let i = 0; i < 10; i++) await enqueueOrchestrator(tenant, startOrchestration(`inst-${i}`), BASE_MS);

      const items = await Promise.all(Array.from({ length: 10 }, () => fetchItem(tenant, BASE_MS)));

      expect(
        items.every((item) => item !== undefined),
        `round ${round}: a fetcher saw no work`,
      ).toBe(true);
      expect(new Set(items.map((item) => item!.instance_id)).size, `round ${round}`).toBe(10);
    }
  });

  it(`ten fetchers on one instance: exactly one wins (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await emptyTables(tenant);
      await enqueueOrchestrator(tenant, startOrchestration('only'), BASE_MS);
      await enqueueOrchestrator(tenant, activityCompleted('only', 1), BASE_MS);

      const items = await Promise.all(Array.from({ length: 10 }, () => fetchItem(tenant, BASE_MS)));

      const winners = items.filter((item) => item !== undefined);
      expect(winners, `round ${round}`).toHaveLength(1);
      expect(winners[0]!.messages).toHaveLength(2);
      expect(await fetchItem(tenant, BASE_MS)).toBeUndefined();
    }
  });

  it(`forty fetchers over twenty instances: each instance handed out exactly once (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await emptyTables(tenant);
      for (let i = 0; i < 20; i++) await enqueueOrchestrator(tenant, startOrchestration(`inst-${i}`), BASE_MS);

      const items = await Promise.all(Array.from({ length: 40 }, () => fetchItem(tenant, BASE_MS)));

      const fetched = items.filter((item) => item !== undefined).map((item) => item.instance_id);
      expect(fetched, `round ${round}`).toHaveLength(20);
      expect(new Set(fetched).size, `round ${round}`).toBe(20);
      expect(await count('instance_locks')).toBe(20);
    }
  });

  it(`two acks with one token: exactly one succeeds, even with an empty delta (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await emptyTables(tenant);
      await enqueueOrchestrator(tenant, startOrchestration('A'), BASE_MS);
      const item = (await fetchItem(tenant, BASE_MS))!;

      const outcomes = await Promise.allSettled([
        ackItem(tenant, item.lock_token, BASE_MS),
        ackItem(tenant, item.lock_token, BASE_MS),
      ]);

      expect(
        outcomes.filter((o) => o.status === 'fulfilled'),
        `round ${round}`,
      ).toHaveLength(1);
      const failure = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(failure.reason.code).toBe('DXL01');
      expect(await count('orchestrator_queue')).toBe(0);
    }
  });

  it('an expired lock raced by its late ack and a new fetch: the fetch wins, the ack fails and writes nothing', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await emptyTables(tenant);
      await enqueueOrchestrator(tenant, startOrchestration('A'), BASE_MS);
      const first = (await fetchItem(tenant, BASE_MS))!;
      const later = BASE_MS + LOCK_MS + 1;

      const [ackOutcome, second] = await Promise.allSettled([
        ackItem(tenant, first.lock_token, later, { delta: [orchestrationStarted(1)] }),
        fetchItem(tenant, later),
      ]);

      expect(ackOutcome.status, `round ${round}`).toBe('rejected');
      expect(['DXL01', 'DXL02']).toContain((ackOutcome as PromiseRejectedResult).reason.code);
      expect(second.status).toBe('fulfilled');
      const stolen = (second as PromiseFulfilledResult<FetchedItem | undefined>).value;
      expect(stolen?.instance_id).toBe('A');
      expect(stolen?.lock_token).not.toBe(first.lock_token);
      expect(await count('history')).toBe(0);
    }
  });
});

describe('whole turns under concurrency', () => {
  it('parallel dispatchers process every message exactly once while more messages arrive, without deadlocks', async () => {
    const instances = Array.from({ length: 12 }, (_, i) => `turn-${i}`);
    for (const instance of instances) await enqueueOrchestrator(tenant, startOrchestration(instance), BASE_MS);

    const processed: unknown[] = [];
    const problems: string[] = [];
    let producing = true;
    const nextEventId = new Map<string, number>();

    // Completions keep arriving for every instance while the dispatchers run.
    const producer = (async () => {
      for (let n = 1; n <= 5; n++) {
        await Promise.all(
          instances.map((instance) => enqueueOrchestrator(tenant, activityCompleted(instance, n), BASE_MS)),
        );
      }
      producing = false;
    })();

    const dispatcher = async () => {
      for (;;) {
        const item = await fetchItem(tenant, BASE_MS);
        if (!item) {
          if (!producing) return;
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        const first = nextEventId.get(item.instance_id) ?? 1;
        const events = item.messages.map((_, i) => orchestrationStarted(first + i));
        nextEventId.set(item.instance_id, first + events.length);
        processed.push(...item.messages);
        await ackItem(tenant, item.lock_token, BASE_MS, { delta: events }).catch(
          (error: { code?: string; message: string }) => problems.push(`ack failed: ${error.code} ${error.message}`),
        );
      }
    };

    await Promise.all([producer, ...Array.from({ length: 8 }, dispatcher)]);
    // Completions enqueued after a dispatcher's last look are still waiting: drain them.
    await dispatcher();

    // Each message in exactly one batch: an instance handed out twice at once would show a message twice.
    const expected = instances.flatMap((instance) => [
      startOrchestration(instance),
      ...[1, 2, 3, 4, 5].map((n) => activityCompleted(instance, n)),
    ]);
    expect(problems).toEqual([]);
    // JSONB reorders keys, so messages are compared by kind, instance and id.
    const identity = (message: unknown): string => {
      const [kind, body] = Object.entries(message as Record<string, { instance: string; id?: number }>)[0]!;
      return `${kind}:${body.instance}:${body.id ?? ''}`;
    };
    expect(processed.map(identity).sort()).toEqual(expected.map(identity).sort());
    expect(await count('orchestrator_queue')).toBe(0);
    expect(await count('instance_locks')).toBe(0);
    expect(await count('history')).toBe(instances.length * 6);
  });

  it('many sub-orchestration completions racing into one parent do not deadlock and are all delivered', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('parent'), BASE_MS);
    const parent = (await fetchItem(tenant, BASE_MS))!;
    await ackItem(tenant, parent.lock_token, BASE_MS, { delta: [orchestrationStarted(1)] });

    const completions = Array.from({ length: 30 }, (_, i) =>
      enqueueOrchestrator(tenant, subOrchCompleted('parent', i + 2), BASE_MS),
    );
    const delivered: unknown[] = [];
    let eventId = 2;
    const fetchers = Array.from({ length: 6 }, async () => {
      for (let attempt = 0; attempt < 200 && delivered.length < 30; attempt++) {
        const item = await fetchItem(tenant, BASE_MS);
        if (!item) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        expect(item.instance_id).toBe('parent');
        const events = item.messages.map(() => orchestrationStarted(eventId++));
        delivered.push(...item.messages);
        await ackItem(tenant, item.lock_token, BASE_MS, { delta: events });
      }
    });

    await Promise.all([...completions, ...fetchers]);

    expect(delivered).toHaveLength(30);
    expect(await count('orchestrator_queue')).toBe(0);
  });
});
