import pg from 'pg';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { describe, expect, it } from 'vitest';
import type { Procedure } from '../../generator/model/types.js';
import { parseSources } from '../../generator/parse/index.js';
import { readMigrationFiles } from '../../provider/migrations/migration-files.js';
import { useTenantSchema } from '../support/tenant-schema.js';
import { activityExecute, orchestrationStarted, startOrchestration } from '../support/work-items.js';
import { BASE_MS, LOCK_MS, json } from '../support/procedure-calls.js';

/**
 * The client annotations (`@required`, `@exactly-one-row`) are promises about the procedures that the generated types
 * rely on. Each is checked here against the installed procedures: a valid call works (and returns one row where one
 * is promised), and the same call with one `@required` parameter NULL fails with a SQLSTATE the procedure declares.
 */

const tenant = useTenantSchema({ poolSize: 4 });

type Arguments = Record<string, unknown>;
type Setup = (db: pg.ClientBase) => Promise<Arguments>;

async function callNamed(db: pg.ClientBase, procedure: string, args: Arguments): Promise<pg.QueryResult> {
  const names = Object.keys(args);
  const list = names.map((name, index) => `${quoteIdentifier(name)} => $${index + 1}`).join(', ');
  return db.query(`SELECT * FROM ${tenant.quoted}.${quoteIdentifier(procedure)}(${list})`, Object.values(args));
}

/** An instance with its row: enqueued, fetched and acked with a name and version (contract v2 §3.4). */
async function startedInstance(db: pg.ClientBase, instance: string): Promise<void> {
  await callNamed(db, 'sp_enqueue_orchestrator_work', {
    p_work_item: json(startOrchestration(instance)),
    p_now_ms: BASE_MS,
  });
  const fetched = await callNamed(db, 'sp_fetch_orchestration_item', { p_now_ms: BASE_MS, p_lock_timeout_ms: LOCK_MS });
  await callNamed(db, 'sp_ack_orchestration_item', {
    p_lock_token: fetched.rows[0].lock_token,
    p_now_ms: BASE_MS,
    p_execution_id: 1,
    p_history_delta: json([]),
    p_worker_items: json([]),
    p_orchestrator_items: json([]),
    p_orchestration_name: 'TestOrch',
    p_orchestration_version: '1.0.0',
  });
}

async function fetchedToken(db: pg.ClientBase): Promise<string> {
  await callNamed(db, 'sp_enqueue_orchestrator_work', {
    p_work_item: json(startOrchestration('A')),
    p_now_ms: BASE_MS,
  });
  const fetched = await callNamed(db, 'sp_fetch_orchestration_item', { p_now_ms: BASE_MS, p_lock_timeout_ms: LOCK_MS });
  return fetched.rows[0].lock_token as string;
}

async function leasedWorkItem(db: pg.ClientBase): Promise<string> {
  await callNamed(db, 'sp_enqueue_worker_work', { p_work_item: json(activityExecute('A', 1)), p_now_ms: BASE_MS });
  const leased = await callNamed(db, 'sp_fetch_work_item', { p_now_ms: BASE_MS, p_lock_timeout_ms: LOCK_MS });
  return leased.rows[0].lock_token as string;
}

/** Arguments that make a call succeed, after setting up what it needs, for every annotated procedure. */
const validCalls: Record<string, Setup> = {
  sp_create_schema: async () => ({ p_schema_name: `${tenant.name}_other` }),
  sp_initialize_tables: async () => ({ p_schema_name: tenant.name }),
  sp_create_indexes: async () => ({ p_schema_name: tenant.name }),
  sp_list_executions: async () => ({ p_instance_id: 'A' }),
  sp_get_latest_execution_id: async () => ({ p_instance_id: 'A' }),
  sp_read_history: async () => ({ p_instance_id: 'A', p_execution_id: 1 }),
  sp_read_current_history: async () => ({ p_instance_id: 'A' }),
  sp_get_instance_info: async (db) => {
    await startedInstance(db, 'A');
    return { p_instance_id: 'A' };
  },
  sp_get_execution_info: async (db) => {
    await startedInstance(db, 'A');
    return { p_instance_id: 'A', p_execution_id: 1 };
  },
  sp_list_instances_by_status: async () => ({ p_status: 'Running' }),
  sp_get_system_metrics: async () => ({}),
  sp_get_queue_depths: async () => ({ p_now_ms: BASE_MS }),
  sp_enqueue_worker_work: async () => ({ p_work_item: json(activityExecute('A', 1)), p_now_ms: BASE_MS }),
  sp_append_history: async () => ({
    p_instance_id: 'A',
    p_execution_id: 1,
    p_events: json([orchestrationStarted(1)]),
    p_now_ms: BASE_MS,
  }),
  sp_enqueue_orchestrator_work: async () => ({ p_work_item: json(startOrchestration('A')), p_now_ms: BASE_MS }),
  sp_fetch_work_item: async () => ({ p_now_ms: BASE_MS, p_lock_timeout_ms: LOCK_MS }),
  sp_ack_work_item: async (db) => ({ p_lock_token: await leasedWorkItem(db), p_completion: null, p_now_ms: BASE_MS }),
  sp_renew_work_item_lock: async (db) => ({
    p_lock_token: await leasedWorkItem(db),
    p_now_ms: BASE_MS,
    p_extend_ms: LOCK_MS,
  }),
  sp_abandon_work_item: async (db) => ({ p_lock_token: await leasedWorkItem(db), p_now_ms: BASE_MS }),
  // Worker batches (0016)
  sp_fetch_work_items: async () => ({ p_now_ms: BASE_MS, p_lock_timeout_ms: LOCK_MS, p_max_items: 5 }),
  sp_ack_work_items: async (db) => ({
    p_lock_tokens: [await leasedWorkItem(db)],
    p_completions: json([null]),
    p_now_ms: BASE_MS,
  }),
  sp_renew_session_lock: async () => ({
    p_owner_ids: ['A'],
    p_now_ms: BASE_MS,
    p_extend_ms: LOCK_MS,
    p_idle_timeout_ms: LOCK_MS,
  }),
  sp_cleanup_orphaned_sessions: async () => ({ p_now_ms: BASE_MS, p_idle_timeout_ms: 0 }),
  sp_next_visible_at: async () => ({ p_now_ms: BASE_MS, p_horizon_ms: LOCK_MS }),
  sp_fetch_orchestration_item: async () => ({ p_now_ms: BASE_MS, p_lock_timeout_ms: LOCK_MS }),
  sp_ack_orchestration_item: async (db) => ({
    p_lock_token: await fetchedToken(db),
    p_now_ms: BASE_MS,
    p_execution_id: 1,
    p_history_delta: json([orchestrationStarted(1)]),
    p_worker_items: json([]),
    p_orchestrator_items: json([]),
  }),
  sp_abandon_orchestration_item: async (db) => ({ p_lock_token: await fetchedToken(db), p_now_ms: BASE_MS }),
  // Contract v2 management (0010)
  sp_get_custom_status: async () => ({ p_instance_id: 'A', p_last_seen_version: 0 }),
  sp_get_kv_value: async () => ({ p_instance_id: 'A', p_key: 'k' }),
  sp_get_kv_all_values: async () => ({ p_instance_id: 'A' }),
  sp_get_instance_stats: async () => ({ p_instance_id: 'A' }),
  sp_list_children: async () => ({ p_instance_id: 'A' }),
  sp_get_parent_id: async (db) => {
    await startedInstance(db, 'A');
    return { p_instance_id: 'A' };
  },
  sp_get_instance_tree: async () => ({ p_instance_id: 'A' }),
  sp_delete_instances_atomic: async () => ({ p_instance_ids: ['A'], p_force: false }),
  sp_delete_instance: async (db) => {
    await startedInstance(db, 'A');
    return { p_instance_id: 'A', p_force: true };
  },
  sp_delete_instance_bulk: async () => ({ p_limit: 10 }),
  sp_prune_executions: async (db) => {
    await startedInstance(db, 'A');
    return { p_instance_id: 'A' };
  },
  sp_prune_executions_bulk: async () => ({ p_limit: 10 }),
  sp_renew_orchestration_item_lock: async (db) => ({
    p_lock_token: await fetchedToken(db),
    p_now_ms: BASE_MS,
    p_extend_ms: LOCK_MS,
  }),
};

/** Runs `work` in a transaction that is always rolled back, so every check starts from the same empty schema. */
async function rolledBack<T>(work: (db: pg.ClientBase) => Promise<T>): Promise<T> {
  const db = await tenant.pool.connect();
  try {
    await db.query('BEGIN');
    return await work(db);
  } finally {
    await db.query('ROLLBACK');
    db.release();
  }
}

async function annotatedProcedures(): Promise<{ procedure: Procedure; required: string[]; exactlyOneRow: boolean }[]> {
  const files = await readMigrationFiles();
  const { model } = parseSources(
    files.map((file) => ({ path: file.name, text: file.sql })),
    { placeholder: '{schema}' },
  );
  return model.procedures
    .map((procedure) => ({
      procedure,
      required: procedure.annotations
        .filter((annotation) => annotation.tag === 'required')
        .flatMap((annotation) => annotation.args.split(/[\s,]+/).filter((name) => name.length > 0)),
      exactlyOneRow: procedure.annotations.some((annotation) => annotation.tag === 'exactly-one-row'),
    }))
    .filter((entry) => entry.required.length > 0 || entry.exactlyOneRow);
}

describe('client annotations say what the procedures do', () => {
  it('covers the procedures the client relies on', async () => {
    const names = (await annotatedProcedures()).map((entry) => entry.procedure.name);
    expect(names).toEqual(
      expect.arrayContaining(['sp_get_instance_info', 'sp_get_execution_info', 'sp_get_system_metrics']),
    );
    expect(names.sort()).toEqual(Object.keys(validCalls).sort());
  });

  it('a valid call succeeds, with exactly one row where @exactly-one-row promises it', async () => {
    for (const { procedure, exactlyOneRow } of await annotatedProcedures()) {
      const result = await rolledBack(async (db) =>
        callNamed(db, procedure.name, await validCalls[procedure.name]!(db)),
      );
      if (exactlyOneRow) expect(result.rows, procedure.name).toHaveLength(1);
    }
  });

  it('the same call with one @required parameter NULL fails with a SQLSTATE the procedure declares', async () => {
    for (const { procedure, required } of await annotatedProcedures()) {
      for (const name of required) {
        const error = await rolledBack(async (db) => {
          const args = { ...(await validCalls[procedure.name]!(db)), [name]: null };
          return callNamed(db, procedure.name, args).then(
            () => null,
            (failure: unknown) => failure,
          );
        });
        expect(error, `${procedure.name} with ${name} NULL`).toBeInstanceOf(pg.DatabaseError);
        expect(procedure.raises, `${procedure.name} with ${name} NULL`).toContain((error as pg.DatabaseError).code);
      }
    }
  });
});
