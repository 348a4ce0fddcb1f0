import { listenerApplicationName } from '../../../provider/long-poll/channels.js';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type ListenerOptions, NotificationListener } from '../../../provider/long-poll/notification-listener.js';
import { QueueSignals } from '../../../provider/long-poll/queue-signals.js';
import type { ProviderEvent } from '../../../provider/provider-events.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { BASE_MS, enqueueOrchestrator, enqueueWorker, useEmptyTenantSchema } from '../../support/procedure-calls.js';
import type { TenantSchema } from '../../support/tenant-schema.js';
import { activityExecute, startOrchestration } from '../../support/work-items.js';
import { manualClock } from '../support/test-clocks.js';
import { manualTimers } from './support/manual-timers.js';

const tenant = useEmptyTenantSchema();
const other = useEmptyTenantSchema();

const REFRESH_MS = 60_000;
const GRACE_MS = 100;

/** Long enough never to be what ends a wait that a wake-up should end. */
const NEVER_MS = 20_000;

const opened: { listener: NotificationListener; proxy?: FaultProxy }[] = [];

afterEach(async () => {
  for (const { listener, proxy } of opened.splice(0)) {
    await listener.close();
    await proxy?.close();
  }
});

/** A listener on the tenant's channels, on a manual clock and manual timers, recording its events. */
async function startListener(options: { connectionString?: string; reconnectPausesMs?: number[] } = {}) {
  const clock = manualClock(BASE_MS);
  const timers = manualTimers(clock);
  const signals = new QueueSignals();
  const events: ProviderEvent[] = [];
  // The listener names its connection as the schema's listener (the procedures notify only while one is open).
  const applicationName = listenerApplicationName(tenant.name);
  const listenerOptions: ListenerOptions = {
    connection: { connectionString: options.connectionString ?? inject('databaseUrl') },
    schema: tenant.name,
    clock: clock.now,
    signals,
    onEvent: (event) => events.push(event),
    refreshIntervalMs: REFRESH_MS,
    timerGraceMs: GRACE_MS,
    timers: timers.host,
    reconnectPausesMs: options.reconnectPausesMs ?? [10],
  };
  const listener = new NotificationListener(listenerOptions);
  opened.push({ listener });
  await listener.start();
  return { listener, clock, timers, signals, events, applicationName };
}

function notify(on: TenantSchema, queue: string, payload: number | string) {
  return on.pool.query(`SELECT pg_notify(${on.quoted}._sp_notify_channel($1), $2)`, [queue, String(payload)]);
}

describe('NotificationListener', () => {
  it('wakes the waiters of the queue a due notification names, and only those', async () => {
    const { signals } = await startListener();
    const orch = signals.generation('orch');
    const work = signals.generation('work');
    const woken = signals.wait('work', work, NEVER_MS);
    await tenant.pool.query(`SELECT ${tenant.quoted}._sp_notify('work', $1)`, [BASE_MS]);
    expect(await woken).toBe(true);
    expect(signals.generation('orch')).toBe(orch);
  });

  it('is woken by sp_enqueue_worker_work, which notifies the worker channel at commit', async () => {
    const { signals } = await startListener();
    const woken = signals.wait('work', signals.generation('work'), NEVER_MS);
    await enqueueWorker(tenant, activityExecute('w', 1), BASE_MS);
    expect(await woken).toBe(true);
  });

  it("ignores another schema's notifications", async () => {
    const { signals } = await startListener();
    const work = signals.generation('work');
    const orchWoken = signals.wait('orch', signals.generation('orch'), NEVER_MS);
    // Delivered in commit order: once the second has arrived, the first has been seen.
    await notify(other, 'work', BASE_MS);
    await notify(tenant, 'orch', BASE_MS);
    expect(await orchWoken).toBe(true);
    expect(signals.generation('work')).toBe(work);
  });

  it('arms a timer at payload + grace for work visible within the refresh window, waking the queue when it fires', async () => {
    const { signals, clock, timers } = await startListener();
    const orch = signals.generation('orch');
    await notify(tenant, 'orch', BASE_MS + 5_000);
    await expect.poll(() => timers.dueTimes()).toEqual([BASE_MS + 5_000 + GRACE_MS]);
    expect(signals.generation('orch')).toBe(orch);
    clock.advance(5_000 + GRACE_MS - 1);
    timers.runDue();
    expect(signals.generation('orch')).toBe(orch);
    clock.advance(1);
    timers.runDue();
    expect(signals.generation('orch')).toBe(orch + 1);
    expect(timers.dueTimes()).toEqual([]);
  });

  it('wakes at once for a payload up to grace ahead, and arms a timer too when it is still in the future', async () => {
    const { signals, timers } = await startListener();
    const woken = signals.wait('work', signals.generation('work'), NEVER_MS);
    await notify(tenant, 'work', BASE_MS + 50);
    expect(await woken).toBe(true);
    expect(timers.dueTimes()).toEqual([BASE_MS + 50 + GRACE_MS]);
  });

  it('ignores a payload beyond the refresh window, and wakes for one it cannot read', async () => {
    const { signals, timers } = await startListener();
    const work = signals.generation('work');
    await notify(tenant, 'work', BASE_MS + REFRESH_MS + 1);
    const woken = signals.wait('work', work, NEVER_MS);
    await notify(tenant, 'work', 'not a time');
    expect(await woken).toBe(true);
    expect(signals.generation('work')).toBe(work + 1);
    expect(timers.dueTimes()).toEqual([]);
  });

  it('arms the next visible moment after connecting, and asks again when that timer fires', async () => {
    await enqueueOrchestrator(tenant, startOrchestration('soon'), BASE_MS, 3_000);
    await enqueueOrchestrator(tenant, startOrchestration('later'), BASE_MS, 8_000);
    const { signals, clock, timers } = await startListener();
    expect(timers.dueTimes()).toEqual([BASE_MS + 3_000 + GRACE_MS]);
    const orch = signals.generation('orch');
    clock.advance(3_000 + GRACE_MS);
    timers.runDue();
    expect(signals.generation('orch')).toBeGreaterThan(orch);
    await expect.poll(() => timers.dueTimes()).toEqual([BASE_MS + 8_000 + GRACE_MS]);
  });

  it('wakes every waiter of both queues on each refresh', async () => {
    const { listener, signals } = await startListener();
    const waits = [
      signals.wait('orch', signals.generation('orch'), NEVER_MS),
      signals.wait('work', signals.generation('work'), NEVER_MS),
    ];
    await listener.refresh();
    expect(await Promise.all(waits)).toEqual([true, true]);
  });

  it('reconnects after its backend is terminated, and the refresh wakes the waiters', async () => {
    const { listener, signals, events, applicationName } = await startListener();
    const waiting = signals.wait('orch', signals.generation('orch'), NEVER_MS);
    const terminated = await tenant.pool.query<{ done: boolean }>(
      'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    expect(terminated.rows).toEqual([{ done: true }]);
    expect(await waiting).toBe(true);
    await expect.poll(() => events.map((event) => event.kind)).toEqual(['listener-lost', 'listener-reconnected']);
    expect(listener.connected).toBe(true);
    // It listens again.
    const woken = signals.wait('work', signals.generation('work'), NEVER_MS);
    await notify(tenant, 'work', BASE_MS);
    expect(await woken).toBe(true);
  });

  it('keeps reconnecting with backoff while the server refuses, through a dropped connection', async () => {
    const proxy = await startFaultProxy(inject('databaseUrl'));
    const { listener, signals, events } = await startListener({
      connectionString: proxy.connectionString,
      reconnectPausesMs: [5, 10, 20],
    });
    opened.push({ listener, proxy });
    proxy.inject(
      { kind: 'refuse-startup', sqlstate: '57P03', message: 'the database system is starting up' },
      { times: 2 },
    );
    const waiting = signals.wait('work', signals.generation('work'), NEVER_MS);
    proxy.dropConnections();
    expect(await waiting).toBe(true);
    await expect
      .poll(() => events.map((event) => (event.kind === 'listener-lost' ? event.reconnectInMs : event.kind)))
      .toEqual([5, 10, 20, 'listener-reconnected']);
    expect(proxy.fired).toBe(2);
  });

  it('fails to start when it cannot connect, and after close neither wakes nor reconnects', async () => {
    const unreachable = new NotificationListener({
      connection: { connectionString: 'postgres://127.0.0.1:1/none', connectionTimeoutMillis: 2_000 },
      schema: tenant.name,
      clock: () => BASE_MS,
      signals: new QueueSignals(),
      onEvent: () => {},
      refreshIntervalMs: REFRESH_MS,
      timerGraceMs: GRACE_MS,
    });
    await expect(unreachable.start()).rejects.toThrow();
    await unreachable.close();

    const { listener, signals, timers, events } = await startListener();
    await notify(tenant, 'orch', BASE_MS + 1_000);
    await expect.poll(() => timers.dueTimes()).toHaveLength(1);
    await listener.close();
    expect(listener.connected).toBe(false);
    expect(timers.dueTimes()).toEqual([]);
    const orch = signals.generation('orch');
    await notify(tenant, 'orch', BASE_MS);
    await listener.refresh();
    expect(signals.generation('orch')).toBe(orch);
    expect(events).toEqual([]);
  });
});
