import { afterAll, afterEach } from 'vitest';
import { PostgresProvider } from '../../../provider/postgres-provider.js';
import { Runtime, type RuntimeOptions, type RuntimeProvider } from '../../../orchestration/index.js';
import type { Logger } from '../../../orchestration/logger.js';
import { type TenantSchema, useTenantSchema } from '../../support/tenant-schema.js';
import { emptyTables } from '../../support/table-snapshot.js';
import type { HistoryEvent } from '../../../provider/types/index.js';

export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A clock that stands still until the test moves it; the provider and the runtime share it. */
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface Harness {
  tenant: TenantSchema;
  /** A provider on the file's schema with its tables emptied. */
  provider(options?: { clock?: () => number; lockTimeoutMs?: number }): Promise<PostgresProvider>;
  /** A runtime with test-friendly defaults, shut down after the test. */
  runtime(provider: RuntimeProvider, options?: RuntimeOptions): Runtime;
}

/** One schema per test file; each test starts from empty tables; runtimes and providers are closed after each test. */
export function useHarness(): Harness {
  const tenant = useTenantSchema({ poolSize: 30 });
  const runtimes: Runtime[] = [];
  const providers: PostgresProvider[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.shutdown(0)));
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.shutdown(0)));
  });
  return {
    tenant,
    async provider(options = {}) {
      await emptyTables(tenant);
      const provider = await PostgresProvider.create({
        pool: tenant.pool,
        schema: tenant.name,
        migrate: false,
        lockTimeoutMs: options.lockTimeoutMs ?? 1_000,
        ...(options.clock ? { clock: options.clock } : {}),
      });
      providers.push(provider);
      return provider;
    },
    runtime(provider, options = {}) {
      const runtime = new Runtime(provider, {
        dispatcherPollIntervalMs: 10,
        logger: silentLogger,
        ...options,
      });
      runtimes.push(runtime);
      return runtime;
    },
  };
}

export const kinds = (events: HistoryEvent[]) => events.map((e) => Object.keys(e)[0]);

/** Polls until `check` returns a value other than undefined (bounded; never a timing assertion). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until the instance's current history holds an event of `kind` (e.g. a subscription before a raise). */
export function waitForHistory(
  provider: RuntimeProvider,
  instance: string,
  predicate: (events: HistoryEvent[]) => boolean,
): Promise<HistoryEvent[]> {
  return eventually(async () => {
    const events = await provider.read(instance);
    return predicate(events) ? events : undefined;
  });
}

export const hasKind =
  (kind: string, count = 1) =>
  (events: HistoryEvent[]) =>
    events.filter((e) => kind in e).length >= count;

/** Waits for a subscription to `name` in the current execution. */
export function waitForSubscription(provider: RuntimeProvider, instance: string, name: string, count = 1) {
  return waitForHistory(
    provider,
    instance,
    (events) => events.filter((e) => 'ExternalSubscribed' in e && e.ExternalSubscribed.name === name).length >= count,
  );
}

/** Real time plus an offset the test moves, for scenarios that need a lock to expire without waiting for it. */
export function offsetClock(): ManualClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}
