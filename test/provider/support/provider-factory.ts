import pg from 'pg';
import { inject, test } from 'vitest';
import { type Implementation, PostgresProvider } from '../../../provider/postgres-provider.js';
import { truncateTables } from '../../support/table-snapshot.js';
import { dropSchema, openPool, randomSchemaName, type TenantSchema } from '../../support/tenant-schema.js';
import { type ManualClock, manualClock } from './test-clocks.js';

/** Both code paths run every scenario: the suite is the parity proof. */
export const IMPLEMENTATIONS = ['procedures', 'inline'] as const satisfies readonly Implementation[];

/** The contract's suite value (§4.1); timing scenarios move the clock `LOCK_TIMEOUT_MS + 100` to outlive a lock. */
export const LOCK_TIMEOUT_MS = 1000;

/**
 * Every concurrent call in a scenario needs its own connection, otherwise the pool would serialize the "parallel"
 * calls and hide the races the scenarios are about. 50 covers the widest scenario (40 fetchers).
 */
const POOL_SIZE = 50;

/** A provider on a schema nobody else uses, plus what a scenario needs to look behind it. */
export interface ProviderUnderTest {
  readonly provider: PostgresProvider;
  /** The provider's schema and pool, for table snapshots. */
  readonly tenant: TenantSchema;
  /** Empties the provider's tables: a fresh state for the next round of a repeated scenario. */
  reset(): Promise<void>;
}

export interface ProviderOptions {
  /** The provider's only time source (default: the scenario's `clock`). */
  clock?: () => number;
  /** Sets `lock_timeout` on every pooled connection, so a call that waits for a table lock fails instead. */
  lockWaitTimeoutMs?: number;
}

export interface ProviderFixtures {
  /** Creates a migrated provider on a fresh random schema; dropped with its pool when the test ends. */
  createProvider: (options?: ProviderOptions) => Promise<ProviderUnderTest>;
  /**
   * The scenario's time: it stands still until the scenario moves it, so outliving a lock or a timer delay takes no
   * waiting. No procedure reads the database clock, so this is all the time the provider sees.
   */
  clock: ManualClock;
  /** The default provider of a scenario, on `clock`. */
  provider: PostgresProvider;
}

async function openProvider(
  implementation: Implementation,
  options: ProviderOptions & { clock: () => number },
): Promise<ProviderUnderTest> {
  const pool =
    options.lockWaitTimeoutMs === undefined ? openPool(POOL_SIZE) : openLockTimeoutPool(options.lockWaitTimeoutMs);
  const name = randomSchemaName(`vs_${implementation}`);
  const tenant: TenantSchema = { pool, name, quoted: pg.escapeIdentifier(name) };
  try {
    const provider = await PostgresProvider.create({
      pool,
      schema: name,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      implementation,
      clock: options.clock,
    });
    return { provider, tenant, reset: () => truncateTables(tenant) };
  } catch (error) {
    await closeTenant(tenant);
    throw error;
  }
}

/** Like `openPool`, with `lock_timeout` set at connection start-up (no extra statement before the provider's). */
function openLockTimeoutPool(lockTimeoutMs: number): pg.Pool {
  if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs <= 0) throw new Error(`bad lock timeout ${lockTimeoutMs}`);
  const pool = new pg.Pool({
    connectionString: inject('databaseUrl'),
    max: POOL_SIZE,
    options: `-c lock_timeout=${lockTimeoutMs}`,
  });
  pool.on('error', () => {});
  return pool;
}

async function closeTenant(tenant: TenantSchema): Promise<void> {
  try {
    await dropSchema(tenant.pool, tenant.name);
  } finally {
    await tenant.pool.end();
  }
}

/**
 * A vitest `it` whose scenarios get providers of one implementation. Fixtures (not afterEach hooks) own the cleanup,
 * so scenarios may run concurrently: each test drops exactly the schemas it created.
 */
export function providerTest(implementation: Implementation) {
  return test.extend<ProviderFixtures>({
    // eslint-disable-next-line no-empty-pattern
    clock: async ({}, use) => {
      await use(manualClock());
    },
    createProvider: async ({ clock }, use) => {
      const opened: ProviderUnderTest[] = [];
      await use(async (options = {}) => {
        const created = await openProvider(implementation, { ...options, clock: options.clock ?? clock.now });
        opened.push(created);
        return created;
      });
      await Promise.all(
        opened.map(async ({ provider, tenant }) => {
          await provider.close();
          await closeTenant(tenant);
        }),
      );
    },
    provider: async ({ createProvider }, use) => {
      await use((await createProvider()).provider);
    },
  });
}
