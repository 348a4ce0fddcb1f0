import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { defineActivity, defineOrchestration } from '../../orchestration/index.js';

export type Step = 'A' | 'B' | 'C';
export const STEPS: readonly Step[] = ['A', 'B', 'C'];
/** The step whose first attempt fails, so that the retry policy runs once per orchestration. */
export const FAILING_STEP: Step = 'B';

export interface SoakInput {
  n: number;
  timerMs: number;
}

/** The timer of orchestration `n`: 50 to 200 ms of real time, spread over the instances. */
export const timerMsOf = (n: number): number => 50 + ((n * 37) % 151);
export const expectedOutput = (n: number): string => STEPS.map((step) => `${step}${n}`).join('+');
export const instanceIdOf = (n: number): string => `soak-${n}`;

/** What the activities did, as seen in this process (the database keeps the effects themselves). */
export interface ActivityTally {
  runs: number;
  /** First attempts of the failing step, failed on purpose. */
  failedOnPurpose: number;
  /** An effect applied again for the same activity id, its ack having been lost (at-least-once: allowed). */
  redelivered: number;
  /** Activity ids run again after their completion was acknowledged: duplicates. */
  afterAck: string[];
}

/**
 * The soak's application: one activity that applies its effect to a table of its own (one row per invocation, keyed
 * by a run id so that its own re-tries after a lost connection count once), and one orchestration that runs it for
 * three steps with a retry policy and a timer between the second and the third.
 */
export function soakApplication(appPool: pg.Pool, effectsTable: string, acked: ReadonlySet<string>) {
  const tally: ActivityTally = { runs: 0, failedOnPurpose: 0, redelivered: 0, afterAck: [] };
  const failedOnce = new Set<string>();
  const applied = new Set<string>();

  const step = defineActivity('SoakStep', async (ctx, input: { n: number; step: Step }) => {
    const key = activityKey(ctx.instanceId, ctx.executionId, ctx.activityId);
    if (acked.has(key)) tally.afterAck.push(key);
    if (input.step === FAILING_STEP && !failedOnce.has(ctx.instanceId)) {
      failedOnce.add(ctx.instanceId);
      tally.failedOnPurpose++;
      throw new Error(`step ${input.step} of ${ctx.instanceId} fails once on purpose`);
    }
    if (applied.has(key)) tally.redelivered++;
    await applyEffect(appPool, effectsTable, [randomUUID(), ctx.instanceId, input.step, ctx.activityId]);
    applied.add(key);
    tally.runs++;
    return `${input.step}${input.n}`;
  });

  const retry = { maxAttempts: 5, backoff: { kind: 'fixed' as const, baseMs: 20 } };
  const orchestration = defineOrchestration('Soak', function* (ctx, input: SoakInput) {
    const results: string[] = [];
    for (const name of STEPS) {
      if (name === 'C') yield* ctx.scheduleTimer(input.timerMs);
      results.push(yield* ctx.scheduleActivityWithRetry(step, { n: input.n, step: name }, retry));
    }
    return results.join('+');
  });

  return { step, orchestration, tally };
}

export const activityKey = (instance: string, executionId: number, activityId: number): string =>
  `${instance}#${executionId}#${activityId}`;

export async function createEffectsTable(pool: pg.Pool, schema: string): Promise<string> {
  const table = `${quoteIdentifier(schema)}.effects`;
  await pool.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  await pool.query(
    `CREATE TABLE ${table} (run uuid PRIMARY KEY, instance_id text NOT NULL, step text NOT NULL,
                            activity_id bigint NOT NULL)`,
  );
  return table;
}

/**
 * Inserts the effect, trying again while the server is unreachable (killed connection, restart): the run id makes a
 * second try of an insert that committed unseen a no-op.
 */
async function applyEffect(pool: pg.Pool, table: string, values: unknown[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await pool.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4) ON CONFLICT (run) DO NOTHING`, values);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
