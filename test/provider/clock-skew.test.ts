import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { ClockSkewError, type ClockReading } from '../../provider/clock-skew-guard.js';
import { PostgresProvider, type PostgresProviderOptions } from '../../provider/postgres-provider.js';
import { ProviderError } from '../../provider/provider-error.js';
import { randomSchemaName, useTenantSchema } from '../support/tenant-schema.js';
import { EventLog } from './faults/support/event-log.js';
import { providerErrorOf, startItem } from './support/scenario-helpers.js';
import { skewedClock } from './support/test-clocks.js';

/**
 * The guard against a host whose clock disagrees with the database server's: every time the procedures compare
 * comes from the caller's clock, so a node running ahead would take locks others hold and fire timers early. Clocks
 * are skewed on purpose (real time shifted), so nothing waits for time to pass.
 */

const tenant = useTenantSchema({ name: randomSchemaName('clock'), poolSize: 4 });
const opened: PostgresProvider[] = [];

async function open(options: PostgresProviderOptions): Promise<PostgresProvider> {
  const provider = await PostgresProvider.create({ pool: tenant.pool, schema: tenant.name, ...options });
  opened.push(provider);
  return provider;
}

afterEach(async () => {
  for (const provider of opened.splice(0)) await provider.close();
  vi.restoreAllMocks();
});

function readings(log: EventLog): ClockReading[] {
  return log.events.flatMap((event) => (event.kind === 'clock-reading' ? [event.reading] : []));
}

async function schemaExists(name: string): Promise<boolean> {
  return (await tenant.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;
}

describe('clock skew guard', () => {
  it.for([60_000, -60_000])('refuses to start %i ms off the server, before it installs anything', async (skewMs) => {
    const schema = randomSchemaName('clock_refused');
    const error = await PostgresProvider.create({
      connectionString: inject('databaseUrl'),
      schema,
      clock: skewedClock(skewMs).now,
      onEvent: new EventLog().onEvent,
    }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ClockSkewError);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ operation: 'create', retryable: false });
    expect((error as Error).message).toMatch(skewMs > 0 ? /ms ahead of the database server's/ : /ms behind/);
    expect((error as Error).message).toMatch(/clockSkewRefuseMs = 30000 ms.*NTP/);
    expect(await schemaExists(schema)).toBe(false);
  });

  it('measures the skew at the middle of the round trip, and warns past clockSkewWarnMs', async () => {
    const log = new EventLog();
    await open({ clock: skewedClock(5_000).now, onEvent: log.onEvent });

    const [reading] = readings(log);
    expect(reading?.verdict).toBe('warn');
    // The server reads the same host clock, somewhere inside the round trip: off by at most half of it.
    expect(Math.abs(reading!.skewMs - 5_000)).toBeLessThanOrEqual(reading!.roundTripMs / 2 + 1);
  });

  it('writes the warning to the console when no onEvent is given', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await open({ clock: skewedClock(-5_000).now });

    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/clock is -\d+ ms off the database server's/));
  });

  it('a clock within clockSkewWarnMs is fine and says nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const provider = await open({ clock: skewedClock(0).now });

    expect((await provider.checkClock()).verdict).toBe('ok');
    expect(warn).not.toHaveBeenCalled();
  });

  it('a later check that finds the clock past the limit refuses every call, until a check finds it back', async () => {
    const clock = skewedClock(0);
    const provider = await open({
      clock: clock.now,
      clockSkewWarnMs: 100,
      clockSkewRefuseMs: 2_000,
      onEvent: new EventLog().onEvent,
    });
    await provider.enqueueOrchestratorWork(startItem('before'));

    clock.advance(10_000);
    expect((await provider.checkClock()).verdict).toBe('refuse');
    for (const [operation, call] of [
      ['enqueueOrchestratorWork', () => provider.enqueueOrchestratorWork(startItem('during'))],
      ['fetchOrchestrationItem', () => provider.fetchOrchestrationItem()],
      ['listInstances', () => provider.listInstances()],
    ] as const) {
      const error = await providerErrorOf(call(), operation);
      expect(error, operation).toBeInstanceOf(ClockSkewError);
      expect(error, operation).toMatchObject({ operation, retryable: false, sqlstate: null });
    }
    const queued = await tenant.pool.query(`SELECT count(*)::int AS n FROM ${tenant.quoted}.orchestrator_queue`);
    expect(queued.rows[0].n, 'the refused enqueue wrote nothing').toBe(1);

    clock.advance(-10_000);
    expect((await provider.checkClock()).verdict).toBe('ok');
    expect((await provider.fetchOrchestrationItem())?.item.instance).toBe('before');
  });

  it('checks again every clockCheckIntervalMs on its own', async () => {
    const log = new EventLog();
    await open({ clock: skewedClock(0).now, clockCheckIntervalMs: 5, onEvent: log.onEvent });

    await log.until('clock-reading', 3);
    expect(readings(log).every((reading) => reading.verdict === 'ok')).toBe(true);
  });

  it('rejects limits that contradict each other', async () => {
    await expect(open({ clockSkewWarnMs: 5_000, clockSkewRefuseMs: 1_000 })).rejects.toThrow(/warn <= refuse/);
    await expect(open({ clockSkewWarnMs: -1 })).rejects.toThrow(/clockSkewWarnMs/);
    await expect(open({ clockCheckIntervalMs: -1 })).rejects.toThrow(/clockCheckIntervalMs/);
    await expect(open({ clockSkewRefuseMs: Number.NaN })).rejects.toThrow(/clockSkewRefuseMs/);
  });
});
