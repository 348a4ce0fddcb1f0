import { describe, expect, it } from 'vitest';
import {
  BASE_MS,
  call,
  enqueueWorker,
  expectFailureChangesNothing,
  useEmptyTenantSchema,
} from '../support/procedure-calls.js';
import { plantExecution, plantHistory, plantInstance, plantKv } from '../support/planted-instances.js';
import { activityExecute } from '../support/work-items.js';

const tenant = useEmptyTenantSchema();

describe('sp_get_custom_status', () => {
  it('returns the status only when its version is newer than the last seen one', async () => {
    await plantInstance(tenant, 'cs', { customStatus: 'progress', customStatusVersion: 2 });
    expect((await call(tenant, 'sp_get_custom_status', 'cs', 0)).rows).toEqual([
      { custom_status: 'progress', custom_status_version: '2' },
    ]);
    expect((await call(tenant, 'sp_get_custom_status', 'cs', 1)).rows).toHaveLength(1);
    expect((await call(tenant, 'sp_get_custom_status', 'cs', 2)).rows).toEqual([]);
    expect((await call(tenant, 'sp_get_custom_status', 'cs', 99)).rows).toEqual([]);
  });

  it('returns a cleared status (NULL) with its version', async () => {
    await plantInstance(tenant, 'cleared', { customStatus: null, customStatusVersion: 3 });
    expect((await call(tenant, 'sp_get_custom_status', 'cleared', 2)).rows).toEqual([
      { custom_status: null, custom_status_version: '3' },
    ]);
  });

  it('returns nothing for a fresh instance (version 0) and for an unknown one', async () => {
    await plantInstance(tenant, 'fresh');
    expect((await call(tenant, 'sp_get_custom_status', 'fresh', 0)).rows).toEqual([]);
    expect((await call(tenant, 'sp_get_custom_status', 'nobody', 0)).rows).toEqual([]);
  });

  it('rejects NULL and negative arguments with 22023', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_custom_status', null, 0), {
      code: '22023',
      message: 'p_instance_id and p_last_seen_version must not be NULL',
    });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_custom_status', 'x', null), { code: '22023' });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_custom_status', 'x', -1), {
      code: '22023',
      message: /p_last_seen_version must be between 0/,
    });
  });
});

describe('sp_get_kv_value and sp_get_kv_all_values (merged view)', () => {
  async function plantMerged() {
    // Store: color=red, size=large, gone=x. Delta: color=blue (overrides), shape=circle (new), gone tombstoned,
    // never=tombstone of a key the store does not have.
    await plantKv(tenant, 'kv_store', 'm', 'color', 'red');
    await plantKv(tenant, 'kv_store', 'm', 'size', 'large');
    await plantKv(tenant, 'kv_store', 'm', 'gone', 'x');
    await plantKv(tenant, 'kv_delta', 'm', 'color', 'blue');
    await plantKv(tenant, 'kv_delta', 'm', 'shape', 'circle');
    await plantKv(tenant, 'kv_delta', 'm', 'gone', null);
    await plantKv(tenant, 'kv_delta', 'm', 'never', null);
    await plantKv(tenant, 'kv_store', 'other', 'color', 'green');
  }

  it('a delta value wins, a tombstone hides the store value, the store answers otherwise', async () => {
    await plantMerged();
    const value = async (key: string) => (await call(tenant, 'sp_get_kv_value', 'm', key)).rows;
    expect(await value('color')).toEqual([{ found: true, value: 'blue' }]);
    expect(await value('size')).toEqual([{ found: true, value: 'large' }]);
    expect(await value('shape')).toEqual([{ found: true, value: 'circle' }]);
    expect(await value('gone')).toEqual([{ found: false, value: null }]);
    expect(await value('never')).toEqual([{ found: false, value: null }]);
    expect(await value('missing')).toEqual([{ found: false, value: null }]);
  });

  it('tells the empty string from a missing key, and keys are any text', async () => {
    await plantKv(tenant, 'kv_store', 'e', '', '');
    await plantKv(tenant, 'kv_delta', 'e', 'スペース 🚀/a.b', 'v');
    expect((await call(tenant, 'sp_get_kv_value', 'e', '')).rows).toEqual([{ found: true, value: '' }]);
    expect((await call(tenant, 'sp_get_kv_value', 'e', 'スペース 🚀/a.b')).rows).toEqual([{ found: true, value: 'v' }]);
  });

  it('an unknown instance has no keys: one not-found row, no rows', async () => {
    expect((await call(tenant, 'sp_get_kv_value', 'nobody', 'k')).rows).toEqual([{ found: false, value: null }]);
    expect((await call(tenant, 'sp_get_kv_all_values', 'nobody')).rows).toEqual([]);
  });

  it('all values: the merged view of the instance only, by key', async () => {
    await plantMerged();
    expect((await call(tenant, 'sp_get_kv_all_values', 'm')).rows).toEqual([
      { key: 'color', value: 'blue' },
      { key: 'shape', value: 'circle' },
      { key: 'size', value: 'large' },
    ]);
  });

  it('rejects NULL arguments with 22023', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_kv_value', null, 'k'), { code: '22023' });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_kv_value', 'i', null), { code: '22023' });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_kv_all_values', null), { code: '22023' });
  });
});

describe('sp_get_instance_stats', () => {
  const started = (eventId: number, carried?: unknown[]) => ({
    OrchestrationStarted: {
      event_id: eventId,
      name: 'TestOrch',
      version: '1.0.0',
      input: '{}',
      ...(carried ? { carry_forward_events: carried } : {}),
    },
  });
  const event = { ExternalSubscribed: { event_id: 7, name: 'go' } };
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

  it('counts the current execution only, and the carried-forward queue events of its start', async () => {
    await plantInstance(tenant, 'st', { currentExecutionId: 2 });
    await plantHistory(tenant, 'st', 1, [started(1), event]);
    const carried = [
      ['inbox', '"a"'],
      ['inbox', '"b"'],
    ];
    await plantHistory(tenant, 'st', 2, [started(3, carried), event]);
    const [row] = (await call(tenant, 'sp_get_instance_stats', 'st')).rows;
    // JSONB's text form puts a space after ':' and ','; count the stored text, as PostgreSQL prints it.
    const stored = await tenant.pool.query<{ n: string }>(
      `SELECT sum(octet_length(event_data::text)) AS n FROM ${tenant.quoted}.history
        WHERE instance_id = 'st' AND execution_id = 2`,
    );
    expect(row).toEqual({
      found: true,
      history_event_count: '2',
      history_size_bytes: stored.rows[0]!.n,
      queue_pending_count: '2',
      kv_user_key_count: '0',
      kv_total_value_bytes: '0',
    });
    expect(Number(stored.rows[0]!.n)).toBeGreaterThanOrEqual(bytes(started(3, carried)) + bytes(event));
  });

  it('counts live keys of the merged view: a store key tombstoned in the delta is gone', async () => {
    await plantInstance(tenant, 'kv');
    await plantKv(tenant, 'kv_store', 'kv', 'a', 'xx');
    await plantKv(tenant, 'kv_store', 'kv', 'b', 'yyy');
    await plantKv(tenant, 'kv_store', 'kv', 'c', 'z');
    await plantKv(tenant, 'kv_delta', 'kv', 'a', 'éé'); // overrides a store key: still one key
    await plantKv(tenant, 'kv_delta', 'kv', 'b', null); // tombstone: b is gone
    await plantKv(tenant, 'kv_delta', 'kv', 'd', 'dddd'); // delta only
    const [row] = (await call(tenant, 'sp_get_instance_stats', 'kv')).rows;
    expect(row).toMatchObject({
      kv_user_key_count: '3', // a, c, d
      kv_total_value_bytes: String(2 + 3 + 1 + 4 + 4), // store xx, yyy, z + delta éé (4 bytes), dddd
      queue_pending_count: '0',
      history_event_count: '0',
    });
  });

  it('is not found (all zeros) without an instance row, even with KV rows', async () => {
    await plantKv(tenant, 'kv_store', 'rowless', 'a', 'x');
    expect((await call(tenant, 'sp_get_instance_stats', 'rowless')).rows).toEqual([
      {
        found: false,
        history_event_count: '0',
        history_size_bytes: '0',
        queue_pending_count: '0',
        kv_user_key_count: '0',
        kv_total_value_bytes: '0',
      },
    ]);
  });

  it('rejects NULL with 22023', async () => {
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_instance_stats', null), { code: '22023' });
  });
});

describe('sp_get_instance_info (v2)', () => {
  it('adds the parent and reads a NULL version as unknown', async () => {
    await plantInstance(tenant, 'kid', { parent: 'mom', version: null, createdAtMs: BASE_MS });
    await plantExecution(tenant, 'kid', 1, 'Completed');
    const result = await call(tenant, 'sp_get_instance_info', 'kid');
    expect(result.fields.map((f) => f.name)).toEqual([
      'instance_id',
      'orchestration_name',
      'orchestration_version',
      'current_execution_id',
      'created_at',
      'updated_at',
      'status',
      'output',
      'parent_instance_id',
    ]);
    expect(result.rows[0]).toMatchObject({
      orchestration_version: 'unknown',
      parent_instance_id: 'mom',
      status: 'Completed',
      created_at: new Date(BASE_MS),
    });
  });

  it('a root has no parent; an unknown instance is P0002', async () => {
    await plantInstance(tenant, 'root');
    expect((await call(tenant, 'sp_get_instance_info', 'root')).rows[0]).toMatchObject({
      parent_instance_id: null,
      status: 'Running',
    });
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_instance_info', 'nobody'), {
      code: 'P0002',
      message: 'Instance not found: nobody',
    });
  });
});

describe('sp_get_queue_depths (v2)', () => {
  it('counts worker rows only once visible and not under a live lock', async () => {
    await enqueueWorker(tenant, activityExecute('w', 1), BASE_MS);
    await enqueueWorker(tenant, activityExecute('w', 2), BASE_MS);
    await enqueueWorker(tenant, activityExecute('w', 3), BASE_MS);
    await tenant.pool.query(`UPDATE ${tenant.quoted}.worker_queue SET visible_at = $1 WHERE activity_id = 2`, [
      BASE_MS + 1000,
    ]);
    await tenant.pool.query(
      `UPDATE ${tenant.quoted}.worker_queue SET lock_token = 't', locked_until = $1 WHERE activity_id = 3`,
      [BASE_MS + 500],
    );
    const depth = async (nowMs: number) => (await call(tenant, 'sp_get_queue_depths', nowMs)).rows[0]!.worker_queue;
    expect(await depth(BASE_MS)).toBe('1');
    expect(await depth(BASE_MS + 500)).toBe('2');
    expect(await depth(BASE_MS + 1000)).toBe('3');
  });
});

describe('sp_list_children, sp_get_parent_id, sp_get_instance_tree', () => {
  async function plantTree() {
    await plantInstance(tenant, 'root', { createdAtMs: 1 });
    await plantInstance(tenant, 'b', { parent: 'root', createdAtMs: 2 });
    await plantInstance(tenant, 'a', { parent: 'root', createdAtMs: 3 });
    await plantInstance(tenant, 'a1', { parent: 'a', createdAtMs: 4 });
    await plantInstance(tenant, 'unrelated', { createdAtMs: 5 });
  }

  it('lists direct children oldest first; a leaf or an unknown instance has none', async () => {
    await plantTree();
    const children = async (id: string) =>
      (await call<{ instance_id: string }>(tenant, 'sp_list_children', id)).rows.map((row) => row.instance_id);
    expect(await children('root')).toEqual(['b', 'a']);
    expect(await children('a')).toEqual(['a1']);
    expect(await children('a1')).toEqual([]);
    expect(await children('nobody')).toEqual([]);
  });

  it('gives the parent, NULL for a root, P0002 for an unknown instance', async () => {
    await plantTree();
    expect((await call(tenant, 'sp_get_parent_id', 'a1')).rows).toEqual([{ sp_get_parent_id: 'a' }]);
    expect((await call(tenant, 'sp_get_parent_id', 'root')).rows).toEqual([{ sp_get_parent_id: null }]);
    await expectFailureChangesNothing(tenant, () => call(tenant, 'sp_get_parent_id', 'nobody'), {
      code: 'P0002',
      message: 'Instance not found: nobody',
    });
  });

  it('gives the tree with depths, root first; a leaf or an unknown id is a one-element tree', async () => {
    await plantTree();
    expect((await call(tenant, 'sp_get_instance_tree', 'root')).rows).toEqual([
      { instance_id: 'root', depth: 0 },
      { instance_id: 'a', depth: 1 },
      { instance_id: 'b', depth: 1 },
      { instance_id: 'a1', depth: 2 },
    ]);
    expect((await call(tenant, 'sp_get_instance_tree', 'a1')).rows).toEqual([{ instance_id: 'a1', depth: 0 }]);
    expect((await call(tenant, 'sp_get_instance_tree', 'nobody')).rows).toEqual([{ instance_id: 'nobody', depth: 0 }]);
  });

  it('terminates on a corrupt cycle of parent links', async () => {
    await plantInstance(tenant, 'x', { parent: 'z' });
    await plantInstance(tenant, 'y', { parent: 'x' });
    await plantInstance(tenant, 'z', { parent: 'y' });
    const ids = (await call<{ instance_id: string }>(tenant, 'sp_get_instance_tree', 'x')).rows.map(
      (r) => r.instance_id,
    );
    expect(ids).toEqual(['x', 'y', 'z']);
  });

  it('rejects NULL with 22023', async () => {
    for (const procedure of ['sp_list_children', 'sp_get_parent_id', 'sp_get_instance_tree']) {
      await expectFailureChangesNothing(tenant, () => call(tenant, procedure, null), {
        code: '22023',
        message: 'p_instance_id must not be NULL',
      });
    }
  });
});
