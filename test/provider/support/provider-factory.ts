import pg from 'pg';
import { afterAll, beforeAll, inject, test } from 'vitest';
import { grantApplicationRole } from '../../../provider/migrations/grant-application-role.js';
import {
  type Implementation,
  PostgresProvider,
  type PostgresProviderOptions,
} from '../../../provider/postgres-provider.js';
import { createLoginRole, type LoginRole } from '../../support/login-roles.js';
import { emptyTables } from '../../support/table-snapshot.js';
import { randomSchemaName, type TenantSchema, useTenantSchema } from '../../support/tenant-schema.js';
import { type ManualClock, manualClock } from './test-clocks.js';

/** Both code paths run every scenario: the suite is the parity proof. */
export const IMPLEMENTATIONS = ['procedures', 'inline'] as const satisfies readonly Implementation[];

/**
 * How the validation suite runs: each implementation connected as the schema's owner, and the procedures once more
 * connected as a least-privilege application role (USAGE on the schema, EXECUTE on the operations, nothing else),
 * which proves those grants are all the provider needs. The inline baseline reads and writes the tables itself, so it
 * cannot run as that role.
 */
export const SUITE_VARIANTS = [...IMPLEMENTATIONS, 'procedures as app role'] as const;

export type SuiteVariant = (typeof SUITE_VARIANTS)[number];

/** The contract's suite value (§4.1); timing scenarios move the clock `LOCK_TIMEOUT_MS + 100` to outlive a lock. */
export const LOCK_TIMEOUT_MS = 1000;

/**
 * Every concurrent call in a scenario needs its own connection, otherwise the pool would serialize the "parallel"
 * calls and hide the races the scenarios are about. 50 covers the widest scenario (40 fetchers).
 */
const POOL_SIZE = 50;

/** The scenario's provider, plus what a scenario needs to look behind it. */
export interface ProviderUnderTest {
  readonly provider: PostgresProvider;
  /** The provider's schema, and a pool on it for table snapshots and planted rows. */
  readonly tenant: TenantSchema;
  /** Empties the provider's tables: a fresh state for the next round of a repeated scenario. */
  reset: () => Promise<void>;
}

export interface ProviderOptions {
  /** The provider's only time source (default: the scenario's `clock`). */
  clock?: () => number;
  /** Sets `lock_timeout` on every connection of the provider's own pool, so a call that waits for a table lock fails. */
  lockWaitTimeoutMs?: number;
  /** The clock-skew guard's limits, for scenarios that run on a clock far from the server's on purpose. */
  clockSkewLimits?: Pick<PostgresProviderOptions, 'clockSkewWarnMs' | 'clockSkewRefuseMs'>;
  /** The provider's long polling (default: off, short polling). */
  longPoll?: PostgresProviderOptions['longPoll'];
}

export interface ProviderFixtures {
  /** Creates the scenario's provider on emptied tables; closed when the test ends. */
  createProvider: (options?: ProviderOptions) => Promise<ProviderUnderTest>;
  /**
   * The scenario's time: it stands still until the scenario moves it, so outliving a lock or a timer delay takes no
   * waiting. No procedure reads the database clock, so this is all the time the provider sees.
   */
  clock: ManualClock;
  /** The default provider of a scenario, on `clock`. */
  provider: PostgresProvider;
}

/** Like `openPool`, with `lock_timeout` set at connection start-up (no extra statement before the provider's). */
function openLockTimeoutPool(lockTimeoutMs: number, role: LoginRole | null): pg.Pool {
  if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs <= 0) throw new Error(`bad lock timeout ${lockTimeoutMs}`);
  const options = { max: POOL_SIZE, options: `-c lock_timeout=${lockTimeoutMs}` };
  if (role) return role.openPool(options);
  const pool = new pg.Pool({ ...options, connectionString: inject('databaseUrl') });
  pool.on('error', () => {});
  return pool;
}

/**
 * The block's application role for the 'procedures as app role' variant: created and granted once the block's
 * schema is migrated, dropped after the block.
 */
function useApplicationRole(tenant: TenantSchema): { role: LoginRole | null; pool: pg.Pool | null } {
  const application = { role: null as LoginRole | null, pool: null as pg.Pool | null };
  beforeAll(async () => {
    application.role = await createLoginRole(tenant.pool, 'app');
    await grantApplicationRole(tenant.pool, { schema: tenant.name, role: application.role.name });
    application.pool = application.role.openPool({ max: POOL_SIZE });
  });
  afterAll(async () => {
    await application.role?.drop();
  });
  return application;
}

/**
 * A vitest `it` whose scenarios get providers of one suite variant. Call it inside the describe block: it gives
 * the block one migrated schema (created before its first scenario, dropped after its last), and every scenario
 * starts from its tables emptied, the state a fresh schema would give, without migrating one per scenario. The
 * scenarios of a block therefore run one at a time. `tenant.pool` is always the owner's, for looking behind the
 * provider.
 */
export function providerTest(variant: SuiteVariant) {
  const asAppRole = variant === 'procedures as app role';
  const implementation: Implementation = asAppRole ? 'procedures' : variant;
  const label = asAppRole ? 'app_role' : variant;
  const tenant = useTenantSchema({ name: randomSchemaName(`vs_${label}`), poolSize: POOL_SIZE });
  const application = asAppRole ? useApplicationRole(tenant) : null;
  return test.extend<ProviderFixtures>({
    // eslint-disable-next-line no-empty-pattern
    clock: async ({}, use) => {
      await use(manualClock());
    },
    createProvider: async ({ clock }, use) => {
      const opened: { provider: PostgresProvider; ownPool: pg.Pool | null }[] = [];
      await use(async (options = {}) => {
        await emptyTables(tenant);
        const ownPool =
          options.lockWaitTimeoutMs === undefined
            ? null
            : openLockTimeoutPool(options.lockWaitTimeoutMs, application?.role ?? null);
        try {
          const provider = await PostgresProvider.create({
            pool: ownPool ?? application?.pool ?? tenant.pool,
            schema: tenant.name,
            lockTimeoutMs: LOCK_TIMEOUT_MS,
            implementation,
            clock: options.clock ?? clock.now,
            // The application role cannot migrate (no CREATE on anything); the owner did.
            migrate: !asAppRole,
            ...options.clockSkewLimits,
            longPoll: options.longPoll,
          });
          opened.push({ provider, ownPool });
          return { provider, tenant, reset: () => emptyTables(tenant) };
        } catch (error) {
          await ownPool?.end();
          throw error;
        }
      });
      for (const { provider, ownPool } of opened) {
        await provider.close();
        await ownPool?.end();
      }
    },
    provider: async ({ createProvider }, use) => {
      await use((await createProvider()).provider);
    },
  });
}
