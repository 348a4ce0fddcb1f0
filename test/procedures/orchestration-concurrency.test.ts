/**
 * The orchestrator queue under real concurrency: every call below runs on its own pooled connection at the same
 * time as the others. Races are timing-dependent, so the race-prone scenarios run for many rounds.
 */
import { describe, expect, it } from 'vitest';
import { useEmptyTenantSchema } from '../support/procedure-calls.js';
import { truncateTables } from '../support/table-snapshot.js';
import {
  activityCompleted,
  orchestrationStarted,
  startOrchestration,
  subOrchCompleted,
} from '../support/work-items.js';

const tenant = useEmptyTenantSchema({ poolSize: 40 });
const NOW = 1_800_000_000_000;
const LOCK_MS = 30_000;
const ROUNDS = 20;

interface FetchedItem {
  instance_id: string;
  lock_token: string;
  messages: unknown[];
  history: unknown[];
  execution_id: string;
}

async function enqueue(item: unknown, now = NOW): Promise<void> {
  await tenant.pool.query(`SELECT ${tenant.quoted}.sp_enqueue_orchestrator_work($1, $2)`, [item, now]);
}

async function fetchItem(now = NOW): Promise<FetchedItem | null> {
  const result = await tenant.pool.query<FetchedItem>(
    `SELECT * FROM ${tenant.quoted}.sp_fetch_orchestration_item($1, $2)`,
    [now, LOCK_MS],
  );
  return result.rows[0] ?? null;
}

async function ack(
  token: string,
  executionId: number,
  events: unknown[],
  orchestratorItems: unknown[] = [],
  now = NOW,
): Promise<void> {
  await tenant.pool.query(`SELECT ${tenant.quoted}.sp_ack_orchestration_item($1, $2, $3, $4, $5, $6)`, [
    token,
    now,
    executionId,
    JSON.stringify(events),
    '[]',
    JSON.stringify(orchestratorItems),
  ]);
}

async function count(table: string): Promise<number> {
  const result = await tenant.pool.query(`SELECT count(*)::int AS n FROM ${tenant.quoted}.${table}`);
  return result.rows[0].n;
}

describe('fetch under concurrency', () => {
  it(`ten fetchers over ten instances each get a different one, never "no work" (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await truncateTables(tenant);
      for (let i = 0; i < 10; i++) await enqueue(startOrchestration(`inst-${i}`));

      const items = await Promise.all(Array.from({ length: 10 }, () => fetchItem()));

      expect(
        items.every((item) => item !== null),
        `round ${round}: a fetcher saw no work`,
      ).toBe(true);
      expect(new Set(items.map((item) => item!.instance_id)).size, `round ${round}`).toBe(10);
    }
  });

  it(`ten fetchers on one instance: exactly one wins (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await truncateTables(tenant);
      await enqueue(startOrchestration('only'));
      await enqueue(activityCompleted('only', 1));

      const items = await Promise.all(Array.from({ length: 10 }, () => fetchItem()));

      const winners = items.filter((item) => item !== null);
      expect(winners, `round ${round}`).toHaveLength(1);
      expect(winners[0]!.messages).toHaveLength(2);
      expect(await fetchItem()).toBeNull();
    }
  });

  it(`forty fetchers over twenty instances: each instance handed out exactly once (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await truncateTables(tenant);
      for (let i = 0; i < 20; i++) await enqueue(startOrchestration(`inst-${i}`));

      const items = await Promise.all(Array.from({ length: 40 }, () => fetchItem()));

      const fetched = items.filter((item) => item !== null).map((item) => item!.instance_id);
      expect(fetched, `round ${round}`).toHaveLength(20);
      expect(new Set(fetched).size, `round ${round}`).toBe(20);
      expect(await count('instance_locks')).toBe(20);
    }
  });

  it(`two acks with one token: exactly one succeeds, even with an empty delta (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await truncateTables(tenant);
      await enqueue(startOrchestration('A'));
      const item = (await fetchItem())!;

      const outcomes = await Promise.allSettled([ack(item.lock_token, 1, []), ack(item.lock_token, 1, [])]);

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
      await truncateTables(tenant);
      await enqueue(startOrchestration('A'));
      const first = (await fetchItem())!;
      const later = NOW + LOCK_MS + 1;

      const [ackOutcome, second] = await Promise.allSettled([
        ack(first.lock_token, 1, [orchestrationStarted(1)], [], later),
        fetchItem(later),
      ]);

      expect(ackOutcome.status, `round ${round}`).toBe('rejected');
      expect(['DXL01', 'DXL02']).toContain((ackOutcome as PromiseRejectedResult).reason.code);
      expect(second.status).toBe('fulfilled');
      const stolen = (second as PromiseFulfilledResult<FetchedItem | null>).value;
      expect(stolen?.instance_id).toBe('A');
      expect(stolen?.lock_token).not.toBe(first.lock_token);
      expect(await count('history')).toBe(0);
    }
  });
});

describe('whole turns under concurrency', () => {
  it('parallel dispatchers process every message exactly once while more messages arrive, without deadlocks', async () => {
    const instances = Array.from({ length: 12 }, (_, i) => `turn-${i}`);
    for (const instance of instances) await enqueue(startOrchestration(instance));

    const processed: unknown[] = [];
    const problems: string[] = [];
    let producing = true;
    const nextEventId = new Map<string, number>();

    // Completions keep arriving for every instance while the dispatchers run.
    const producer = (async () => {
      for (let n = 1; n <= 5; n++) {
        await Promise.all(instances.map((instance) => enqueue(activityCompleted(instance, n))));
      }
      producing = false;
    })();

    const dispatcher = async () => {
      for (;;) {
        const item = await fetchItem();
        if (!item) {
          if (!producing) return;
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        const first = nextEventId.get(item.instance_id) ?? 1;
        const events = item.messages.map((_, i) => orchestrationStarted(first + i));
        nextEventId.set(item.instance_id, first + events.length);
        processed.push(...item.messages);
        await ack(item.lock_token, 1, events).catch((error: { code?: string; message: string }) =>
          problems.push(`ack failed: ${error.code} ${error.message}`),
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
    await enqueue(startOrchestration('parent'));
    const parent = (await fetchItem())!;
    await ack(parent.lock_token, 1, [orchestrationStarted(1)]);

    const completions = Array.from({ length: 30 }, (_, i) => enqueue(subOrchCompleted('parent', i + 2)));
    const delivered: unknown[] = [];
    let eventId = 2;
    const fetchers = Array.from({ length: 6 }, async () => {
      for (let attempt = 0; attempt < 200 && delivered.length < 30; attempt++) {
        const item = await fetchItem();
        if (!item) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        expect(item.instance_id).toBe('parent');
        const events = item.messages.map(() => orchestrationStarted(eventId++));
        delivered.push(...item.messages);
        await ack(item.lock_token, 1, events);
      }
    });

    await Promise.all([...completions, ...fetchers]);

    expect(delivered).toHaveLength(30);
    expect(await count('orchestrator_queue')).toBe(0);
  });
});
