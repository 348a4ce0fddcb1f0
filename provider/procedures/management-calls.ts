import type pg from 'pg';
import { createClient, type Client } from '../../generated/procedures.js';
import type {
  CustomStatusChange,
  DeleteInstanceResult,
  InstanceFilter,
  InstanceStats,
  InstanceTree,
  PruneOptions,
  PruneResult,
} from '../types/provider-types.js';

/**
 * The v2 management operations (contract v2 §3.16–§3.29): custom status, KV reads, instance statistics, parent links
 * and trees, deletion and pruning. They exist only as procedures — the inline baseline stays at the v1 operations —
 * so they are calls of the generated client, one call per operation, arguments already checked by the provider.
 */
export class ManagementCalls {
  private readonly client: Client;

  constructor(pool: pg.Pool, schema: string) {
    this.client = createClient(pool, { schema });
  }

  async getCustomStatus(instanceId: string, lastSeenVersion: number): Promise<CustomStatusChange | null> {
    const row = await this.client.getCustomStatus({ instanceId, lastSeenVersion });
    return row && { customStatus: row.customStatus, version: row.customStatusVersion };
  }

  async getKvValue(instanceId: string, key: string): Promise<string | null> {
    const row = await this.client.getKvValue({ instanceId, key });
    return row.found ? row.value : null;
  }

  async getKvAllValues(instanceId: string): Promise<Record<string, string>> {
    const rows = await this.client.getKvAllValues({ instanceId });
    // fromEntries defines own properties: a key such as "__proto__" stays a key.
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  async getInstanceStats(instanceId: string): Promise<InstanceStats | null> {
    const { found, ...stats } = await this.client.getInstanceStats({ instanceId });
    return found ? stats : null;
  }

  async listChildren(instanceId: string): Promise<string[]> {
    return (await this.client.listChildren({ instanceId })).map((row) => row.instanceId);
  }

  getParentId(instanceId: string): Promise<string | null> {
    return this.client.getParentId({ instanceId });
  }

  async getInstanceTree(instanceId: string): Promise<InstanceTree> {
    const rows = await this.client.getInstanceTree({ instanceId });
    return { rootId: instanceId, allIds: rows.map((row) => row.instanceId) };
  }

  deleteInstancesAtomic(instanceIds: string[], force: boolean): Promise<DeleteInstanceResult> {
    return this.client.deleteInstancesAtomic({ instanceIds, force });
  }

  deleteInstance(instanceId: string, force: boolean): Promise<DeleteInstanceResult> {
    return this.client.deleteInstance({ instanceId, force });
  }

  deleteInstanceBulk(filter: InstanceFilter): Promise<DeleteInstanceResult> {
    return this.client.deleteInstanceBulk({
      instanceIds: filter.instanceIds ?? null,
      completedBeforeMs: filter.completedBefore ?? null,
      limit: filter.limit ?? 1000,
    });
  }

  pruneExecutions(instanceId: string, options: PruneOptions): Promise<PruneResult> {
    return this.client.pruneExecutions({
      instanceId,
      keepLast: options.keepLast ?? null,
      completedBeforeMs: options.completedBefore ?? null,
    });
  }

  pruneExecutionsBulk(filter: InstanceFilter, options: PruneOptions): Promise<PruneResult> {
    return this.client.pruneExecutionsBulk({
      instanceIds: filter.instanceIds ?? null,
      completedBeforeMs: filter.completedBefore ?? null,
      limit: filter.limit ?? 1000,
      keepLast: options.keepLast ?? null,
      pruneCompletedBeforeMs: options.completedBefore ?? null,
    });
  }

  async readHistory(instanceId: string): Promise<unknown[]> {
    return (await this.client.readCurrentHistory({ instanceId })).map((row) => row.eventData);
  }
}
