/** Contract v2 §4.20 — key-value state: the store/delta model, snapshots, merging, pruning and deletion. */
import { describe, expect } from 'vitest';
import type { PostgresProvider } from '../../provider/postgres-provider.js';
import { keyValueCleared, keyValueSet, keyValuesCleared } from '../support/work-items.js';
import { PROCEDURE_VARIANTS, providerTest } from './support/provider-factory.js';
import { createInstance } from './support/scenario-helpers.js';
import { ackWithDelta, complete, continueAsNew, createFinished, snapshotOf } from './support/v2-turns.js';

const set = (provider: PostgresProvider, instance: string, pairs: Record<string, string>) =>
  ackWithDelta(provider, instance, (id) =>
    Object.entries(pairs).map(([key, value], i) => keyValueSet(id + i, key, value)),
  );
const clear = (provider: PostgresProvider, instance: string, key: string) =>
  ackWithDelta(provider, instance, (id) => [keyValueCleared(id, key)]);
const clearAll = (provider: PostgresProvider, instance: string) =>
  ackWithDelta(provider, instance, (id) => [keyValuesCleared(id)]);

/** An instance with `key` set in execution 1 and continued as new (so the value is in the store). */
async function withStoredValue(provider: PostgresProvider, instance: string, pairs: Record<string, string>) {
  await createInstance(provider, instance);
  await set(provider, instance, pairs);
  await continueAsNew(provider, instance);
}

describe.each(PROCEDURE_VARIANTS)('kv store (%s)', (variant) => {
  const it = providerTest(variant);

  it('V2-kv-17 kv get unknown instance', async ({ provider }) => {
    expect(await provider.getKvValue('kv-nobody', 'k')).toBeNull();
    expect(await provider.getKvAllValues('kv-nobody')).toEqual({});
  });

  it('V2-kv-01 kv set and get', async ({ provider }) => {
    await createInstance(provider, 'kv-1');
    await set(provider, 'kv-1', { counter: '42' });
    expect(await provider.getKvValue('kv-1', 'counter')).toBe('42');
  });

  it('V2-kv-02 kv overwrite', async ({ provider }) => {
    await createInstance(provider, 'kv-2');
    await set(provider, 'kv-2', { k: 'old' });
    await set(provider, 'kv-2', { k: 'new' });
    expect(await provider.getKvValue('kv-2', 'k')).toBe('new');
  });

  it('V2-kv-03 kv clear single', async ({ provider }) => {
    await createInstance(provider, 'kv-3');
    await set(provider, 'kv-3', { k: 'v' });
    await clear(provider, 'kv-3', 'k');
    expect(await provider.getKvValue('kv-3', 'k')).toBeNull();
  });

  it('V2-kv-04 kv clear all', async ({ provider }) => {
    await createInstance(provider, 'kv-4');
    await set(provider, 'kv-4', { a: '1', b: '2' });
    await clearAll(provider, 'kv-4');
    expect(await provider.getKvValue('kv-4', 'a')).toBeNull();
    expect(await provider.getKvValue('kv-4', 'b')).toBeNull();
  });

  it('V2-kv-05 kv get nonexistent', async ({ provider }) => {
    await createInstance(provider, 'kv-5');
    expect(await provider.getKvValue('kv-5', 'missing')).toBeNull();
  });

  it('V2-kv-06 kv snapshot in fetch', async ({ provider }) => {
    await createInstance(provider, 'kv-6');
    await set(provider, 'kv-6', { x: '10', y: '20' });
    await complete(provider, 'kv-6');
    expect(await snapshotOf(provider, 'kv-6')).toEqual({ x: '10', y: '20' });
  });

  it('V2-kv-07 kv snapshot after clear single', async ({ provider }) => {
    await createInstance(provider, 'kv-7');
    await set(provider, 'kv-7', { keep: '1', remove: '2' });
    await clear(provider, 'kv-7', 'remove');
    await complete(provider, 'kv-7');
    expect(await snapshotOf(provider, 'kv-7')).toEqual({ keep: '1' });
  });

  it('V2-kv-08 kv snapshot after clear all', async ({ provider }) => {
    await createInstance(provider, 'kv-8');
    await set(provider, 'kv-8', { a: '1', b: '2' });
    await clearAll(provider, 'kv-8');
    expect(await snapshotOf(provider, 'kv-8')).toEqual({});
  });

  it('V2-kv-09 kv execution id tracking', async ({ provider }) => {
    await withStoredValue(provider, 'kv-9', { k: 'from_exec_1' });
    await set(provider, 'kv-9', { k: 'from_exec_2' });
    await provider.pruneExecutions('kv-9', { keepLast: 1 });
    expect(await provider.getKvValue('kv-9', 'k')).toBe('from_exec_2');
  });

  it('V2-kv-10 kv cross execution overwrite', async ({ provider }) => {
    await withStoredValue(provider, 'kv-10', { k: 'exec1' });
    await set(provider, 'kv-10', { k: 'exec2' });
    expect(await provider.getKvValue('kv-10', 'k')).toBe('exec2');
  });

  it('V2-kv-11 kv cross execution remove and re-add', async ({ provider }) => {
    await withStoredValue(provider, 'kv-11', { k: 'exec1' });
    expect(await provider.getKvValue('kv-11', 'k')).toBe('exec1');
    await clear(provider, 'kv-11', 'k');
    await continueAsNew(provider, 'kv-11');
    expect(await provider.getKvValue('kv-11', 'k')).toBeNull();
    await set(provider, 'kv-11', { k: 'exec3' });
    expect(await provider.getKvValue('kv-11', 'k')).toBe('exec3');
  });

  it('V2-kv-12 kv prune preserves overwritten', async ({ provider }) => {
    await withStoredValue(provider, 'kv-12', { k: 'exec1' });
    await set(provider, 'kv-12', { k: 'exec2' });
    await continueAsNew(provider, 'kv-12');
    await provider.pruneExecutions('kv-12', { keepLast: 1 });
    expect(await provider.getKvValue('kv-12', 'k')).toBe('exec2');
  });

  it('V2-kv-13 kv prune preserves all keys', async ({ provider }) => {
    await withStoredValue(provider, 'kv-13', { only1: 'v' });
    await provider.pruneExecutions('kv-13', {});
    expect(await provider.listExecutions('kv-13')).toEqual([2]);
    expect(await provider.getKvValue('kv-13', 'only1')).toBe('v');
  });

  it('V2-kv-14 kv instance isolation', async ({ provider }) => {
    await createInstance(provider, 'kv-14-a');
    await createInstance(provider, 'kv-14-b');
    await set(provider, 'kv-14-a', { k: 'A' });
    await set(provider, 'kv-14-b', { k: 'B' });
    expect(await provider.getKvValue('kv-14-a', 'k')).toBe('A');
    expect(await provider.getKvValue('kv-14-b', 'k')).toBe('B');
  });

  it('V2-kv-15 kv delete instance cascades', async ({ provider }) => {
    await createInstance(provider, 'kv-15');
    await set(provider, 'kv-15', { k: 'v' });
    await complete(provider, 'kv-15');
    await provider.deleteInstance('kv-15', false);
    expect(await provider.getKvValue('kv-15', 'k')).toBeNull();
  });

  it('V2-kv-16 kv clear nonexistent key', async ({ provider }) => {
    await createInstance(provider, 'kv-16');
    await clear(provider, 'kv-16', 'never-set');
    expect(await provider.getKvValue('kv-16', 'never-set')).toBeNull();
  });

  it('V2-kv-18 kv set after clear', async ({ provider }) => {
    await createInstance(provider, 'kv-18');
    await set(provider, 'kv-18', { old1: '1', old2: '2' });
    await ackWithDelta(provider, 'kv-18', (id) => [keyValuesCleared(id), keyValueSet(id + 1, 'fresh', 'new')]);
    expect(await provider.getKvValue('kv-18', 'old1')).toBeNull();
    expect(await provider.getKvValue('kv-18', 'old2')).toBeNull();
    expect(await provider.getKvValue('kv-18', 'fresh')).toBe('new');
  });

  it('V2-kv-19 kv empty value', async ({ provider }) => {
    await createInstance(provider, 'kv-19');
    await set(provider, 'kv-19', { empty: '' });
    expect(await provider.getKvValue('kv-19', 'empty')).toBe('');
  });

  it('V2-kv-20 kv large value', async ({ provider }) => {
    await createInstance(provider, 'kv-20');
    const large = 'x'.repeat(16 * 1024);
    await set(provider, 'kv-20', { big: large });
    expect(await provider.getKvValue('kv-20', 'big')).toBe(large);
  });

  it('V2-kv-21 kv special chars in key', async ({ provider }) => {
    await createInstance(provider, 'kv-21');
    const keys = ['with spaces', '日本語キー', 'dots.in.key', 'slash/key', 'emoji🚀'];
    await set(provider, 'kv-21', Object.fromEntries(keys.map((key, i) => [key, `v${i}`])));
    for (const [i, key] of keys.entries()) expect(await provider.getKvValue('kv-21', key)).toBe(`v${i}`);
  });

  it('V2-kv-22 kv snapshot empty', async ({ provider }) => {
    await createInstance(provider, 'kv-22');
    expect(await snapshotOf(provider, 'kv-22')).toEqual({});
  });

  it('V2-kv-23 kv snapshot cross execution', async ({ provider }) => {
    await withStoredValue(provider, 'kv-23', { exec1: 'a' });
    await set(provider, 'kv-23', { exec2: 'b' });
    expect(await snapshotOf(provider, 'kv-23')).toEqual({ exec1: 'a' });
  });

  it('V2-kv-24 kv prune current execution protected', async ({ provider }) => {
    await createInstance(provider, 'kv-24');
    await set(provider, 'kv-24', { k: 'v' });
    await provider.pruneExecutions('kv-24', { keepLast: 1 });
    expect(await provider.getKvValue('kv-24', 'k')).toBe('v');
  });

  it('V2-kv-25 kv delete instance with children', async ({ provider }) => {
    await createInstance(provider, 'kv-25');
    await set(provider, 'kv-25', { p: '1' });
    await complete(provider, 'kv-25');
    await createInstance(provider, 'kv-25-child', { parentInstanceId: 'kv-25' });
    await set(provider, 'kv-25-child', { c: '2' });
    await complete(provider, 'kv-25-child');
    await provider.deleteInstance('kv-25', false);
    expect(await provider.getKvValue('kv-25', 'p')).toBeNull();
    expect(await provider.getKvValue('kv-25-child', 'c')).toBeNull();
  });

  it('V2-kv-26 kv clear isolation', async ({ provider }) => {
    await createInstance(provider, 'kv-26-a');
    await createInstance(provider, 'kv-26-b');
    await set(provider, 'kv-26-a', { k: 'A' });
    await set(provider, 'kv-26-b', { k: 'B' });
    await clearAll(provider, 'kv-26-a');
    expect(await provider.getKvValue('kv-26-b', 'k')).toBe('B');
  });

  it('V2-kv-27 kv delta snapshot excludes current execution', async ({ provider }) => {
    await createInstance(provider, 'kv-27');
    await set(provider, 'kv-27', { running: 'v' });
    expect(await provider.getKvValue('kv-27', 'running')).toBe('v');
    expect(await snapshotOf(provider, 'kv-27')).toEqual({});
  });

  it('V2-kv-28 kv delta snapshot includes completed execution', async ({ provider }) => {
    await withStoredValue(provider, 'kv-28', { k: 'exec1' });
    expect(await snapshotOf(provider, 'kv-28')).toEqual({ k: 'exec1' });
  });

  it('V2-kv-29 kv delta client reads merged', async ({ provider }) => {
    await withStoredValue(provider, 'kv-29', { color: 'red', size: 'large' });
    await set(provider, 'kv-29', { color: 'blue', shape: 'circle' });
    expect(await provider.getKvValue('kv-29', 'color')).toBe('blue');
    expect(await provider.getKvValue('kv-29', 'size')).toBe('large');
    expect(await provider.getKvValue('kv-29', 'shape')).toBe('circle');
    expect(await provider.getKvAllValues('kv-29')).toEqual({ color: 'blue', size: 'large', shape: 'circle' });
  });

  it('V2-kv-30 kv delta tombstone overrides store', async ({ provider }) => {
    await withStoredValue(provider, 'kv-30', { k: 'stored' });
    await clear(provider, 'kv-30', 'k');
    expect(await provider.getKvValue('kv-30', 'k')).toBeNull();
  });

  it('V2-kv-31 kv delta clear all tombstones store', async ({ provider }) => {
    await withStoredValue(provider, 'kv-31', { a: '1', b: '2' });
    await ackWithDelta(provider, 'kv-31', (id) => [keyValuesCleared(id), keyValueSet(id + 1, 'c', '3')]);
    expect(await provider.getKvValue('kv-31', 'a')).toBeNull();
    expect(await provider.getKvValue('kv-31', 'b')).toBeNull();
    expect(await provider.getKvValue('kv-31', 'c')).toBe('3');
  });

  it('V2-kv-32 kv delta merged on completion', async ({ provider }) => {
    await createInstance(provider, 'kv-32');
    await set(provider, 'kv-32', { k: 'v' });
    await complete(provider, 'kv-32');
    expect(await provider.getKvValue('kv-32', 'k')).toBe('v');
  });

  it('V2-kv-33 kv delta merged on continue-as-new', async ({ provider }) => {
    await createInstance(provider, 'kv-33');
    await set(provider, 'kv-33', { version: '1', progress: '50%' });
    await set(provider, 'kv-33', { progress: '100%' });
    await continueAsNew(provider, 'kv-33');
    expect(await snapshotOf(provider, 'kv-33')).toEqual({ version: '1', progress: '100%' });
  });

  it('V2-kv-34 kv delta delete instance cascades', async ({ provider }) => {
    await createInstance(provider, 'kv-34');
    await set(provider, 'kv-34', { k: 'delta-only' });
    await provider.deleteInstance('kv-34', true);
    expect(await provider.getKvValue('kv-34', 'k')).toBeNull();
  });

  it('V2-kv-35 kv delta prune untouched key survives', async ({ provider }) => {
    await withStoredValue(provider, 'kv-35', { from1: 'a' });
    await set(provider, 'kv-35', { from2: 'b' });
    await continueAsNew(provider, 'kv-35');
    await provider.pruneExecutions('kv-35', {});
    expect(await provider.listExecutions('kv-35')).toEqual([3]);
    expect(await provider.getKvValue('kv-35', 'from1')).toBe('a');
    expect(await provider.getKvValue('kv-35', 'from2')).toBe('b');
    expect(await snapshotOf(provider, 'kv-35')).toEqual({ from1: 'a', from2: 'b' });
  });

  it('a finished instance deleted in bulk loses its KV', async ({ provider }) => {
    await createFinished(provider, 'kv-bulk');
    await provider.deleteInstanceBulk({ instanceIds: ['kv-bulk'] });
    expect(await provider.getKvAllValues('kv-bulk')).toEqual({});
  });
});
