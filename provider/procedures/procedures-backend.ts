import type pg from 'pg';
import { ProcedureError } from 'pg-sproc-gen/runtime';
import { createClient, type Client } from '../../generated/procedures.js';
import type { ProceduresOnlyBackend, ProviderBackend, StoredTurn, StoredWorkItem, TurnAck } from '../backend.js';
import type { HistoryEvent } from '../types/history-event.js';
import type {
  ExecutionInfo,
  InstanceInfo,
  QueueDepths,
  SemverRange,
  SystemMetrics,
  WorkerLease,
  WorkItemAck,
  WorkItemAckOutcome,
} from '../types/provider-types.js';
import type { ActivityCompletion, WorkItem } from '../types/work-item.js';
import type { WorkItemFetch } from '../work-item-fetch.js';

/** `sp_ack_work_items`' outcomes as the provider names them. */
const ACK_OUTCOMES: Readonly<Record<string, WorkItemAckOutcome>> = {
  acked: 'acked',
  expired: 'expired',
  not_found: 'notFound',
};

function unknownOutcome(outcome: string): never {
  throw new Error(`sp_ack_work_items answered an unknown outcome: ${outcome}`);
}

/** The provider's database work as calls of the generated procedure client: one call per operation. */
export class ProceduresBackend implements ProviderBackend, ProceduresOnlyBackend {
  private readonly client: Client;

  constructor(
    pool: pg.Pool,
    private readonly schema: string,
  ) {
    this.client = createClient(pool, { schema });
  }

  /** Refuses to work against a procedure set other than the one the client was generated from. */
  async assertProceduresMatchClient(): Promise<void> {
    const check = await this.client.checkFingerprint().catch((error: unknown) => {
      // 42883: no fingerprint function (nothing installed); 3F000: no such schema; 42P01: no tracking table.
      if (error instanceof ProcedureError && ['42883', '3F000', '42P01'].includes((error as ProcedureError).sqlstate)) {
        throw new Error(
          `The schema ${this.schema} holds no procedures (${error.databaseMessage}). Start the provider with ` +
            "migrate: true (the default) or run 'npm start' to install them.",
          { cause: error },
        );
      }
      throw error;
    });
    if (!check.matches) {
      throw new Error(
        `The procedures installed in the schema (fingerprint ${check.actual ?? 'none'}) are not the ones the ` +
          `generated client was built from (fingerprint ${check.expected}). Run the migrations (start the provider ` +
          "with migrate: true, or 'npm start') and, if procedures/ changed, regenerate the client with " +
          "'npm run generate'.",
      );
    }
  }

  async fetchOrchestrationItem(
    nowMs: number,
    lockTimeoutMs: number,
    versions: SemverRange | null = null,
    orphanRetryMs?: number,
  ): Promise<StoredTurn | null> {
    const row = await this.client.fetchOrchestrationItem({
      nowMs,
      lockTimeoutMs,
      minMajor: versions?.min.major ?? null,
      minMinor: versions?.min.minor ?? null,
      minPatch: versions?.min.patch ?? null,
      maxMajor: versions?.max.major ?? null,
      maxMinor: versions?.max.minor ?? null,
      maxPatch: versions?.max.patch ?? null,
      orphanRetryMs,
    });
    if (!row) return null;
    return {
      instance: row.instanceId,
      orchestrationName: row.orchestrationName,
      executionId: row.executionId,
      version: row.orchestrationVersion,
      history: row.history,
      messages: row.messages,
      kvSnapshot: row.kvSnapshot,
      lockToken: row.lockToken,
      attemptCount: row.attemptCount,
    };
  }

  async ackOrchestrationItem(ack: TurnAck): Promise<void> {
    const { metadata } = ack;
    await this.client.ackOrchestrationItem({
      lockToken: ack.lockToken,
      nowMs: ack.nowMs,
      executionId: ack.executionId,
      historyDelta: ack.historyDelta,
      workerItems: ack.workerItems,
      orchestratorItems: ack.orchestratorItems,
      status: metadata.status ?? null,
      output: metadata.output ?? null,
      orchestrationName: metadata.orchestrationName ?? null,
      orchestrationVersion: metadata.orchestrationVersion ?? null,
      parentInstanceId: metadata.parentInstanceId ?? null,
      pinnedMajor: metadata.pinnedVersion?.major ?? null,
      pinnedMinor: metadata.pinnedVersion?.minor ?? null,
      pinnedPatch: metadata.pinnedVersion?.patch ?? null,
      cancelledActivities: ack.cancelledActivities.map((activity) => ({
        instance: activity.instance,
        execution_id: activity.executionId,
        activity_id: activity.activityId,
      })),
    });
  }

  async abandonOrchestrationItem(
    lockToken: string,
    nowMs: number,
    delayMs: number | null,
    ignoreAttempt = false,
  ): Promise<void> {
    await this.client.abandonOrchestrationItem({ lockToken, nowMs, delayMs, ignoreAttempt });
  }

  async renewOrchestrationItemLock(lockToken: string, nowMs: number, extendMs: number): Promise<void> {
    await this.client.renewOrchestrationItemLock({ lockToken, nowMs, extendMs });
  }

  async read(instance: string): Promise<HistoryEvent[]> {
    const rows = await this.client.readCurrentHistory({ instanceId: instance });
    return rows.map((row) => row.eventData);
  }

  async readWithExecution(instance: string, executionId: number): Promise<HistoryEvent[]> {
    const rows = await this.client.readHistory({ instanceId: instance, executionId });
    return rows.map((row) => row.eventData);
  }

  async appendWithExecution(
    instance: string,
    executionId: number,
    events: HistoryEvent[],
    nowMs: number,
  ): Promise<void> {
    await this.client.appendHistory({ instanceId: instance, executionId, events, nowMs });
  }

  async enqueueWorkerWork(item: WorkItem, nowMs: number): Promise<void> {
    await this.client.enqueueWorkerWork({ workItem: item, nowMs });
  }

  /** v1's dequeue on the v2 procedure: no session, untagged items only (contract v2 §3.1). */
  async dequeueWorkerPeekLock(nowMs: number, lockTimeoutMs: number): Promise<WorkerLease | null> {
    const row = await this.client.fetchWorkItem({ nowMs, lockTimeoutMs });
    return row ? { item: row.workItem, lockToken: row.lockToken } : null;
  }

  async ackWorker(lockToken: string, completion: WorkItem, nowMs: number): Promise<void> {
    // sp_ack_work_item refuses any other kind (DXI01): the type is the procedure's check, not the caller's.
    await this.client.ackWorkItem({ lockToken, completion: completion as ActivityCompletion, nowMs });
  }

  async fetchWorkItem(nowMs: number, fetch: WorkItemFetch): Promise<StoredWorkItem | null> {
    const row = await this.client.fetchWorkItem({ nowMs, ...fetch });
    return row ? { id: row.id, item: row.workItem, lockToken: row.lockToken, attemptCount: row.attemptCount } : null;
  }

  async ackWorkItem(lockToken: string, completion: ActivityCompletion | null, nowMs: number): Promise<void> {
    await this.client.ackWorkItem({ lockToken, completion, nowMs });
  }

  async fetchWorkItems(nowMs: number, fetch: WorkItemFetch, maxItems: number): Promise<StoredWorkItem[]> {
    const { lockTimeoutMs, tagMode, tags } = fetch;
    const rows = await this.client.fetchWorkItems({ nowMs, lockTimeoutMs, maxItems, tagMode, tags });
    return rows.map((row) => ({
      id: row.id,
      item: row.workItem,
      lockToken: row.lockToken,
      attemptCount: row.attemptCount,
    }));
  }

  async ackWorkItems(acks: readonly WorkItemAck[], nowMs: number): Promise<WorkItemAckOutcome[]> {
    const rows = await this.client.ackWorkItems({
      lockTokens: acks.map((ack) => ack.lockToken),
      completions: acks.map((ack) => ack.completion),
      nowMs,
    });
    return rows.map((row) => ACK_OUTCOMES[row.outcome] ?? unknownOutcome(row.outcome));
  }

  async renewWorkItemLock(lockToken: string, nowMs: number, extendMs: number): Promise<void> {
    await this.client.renewWorkItemLock({ lockToken, nowMs, extendMs });
  }

  async abandonWorkItem(
    lockToken: string,
    nowMs: number,
    delayMs: number | null,
    ignoreAttempt: boolean,
  ): Promise<void> {
    await this.client.abandonWorkItem({ lockToken, nowMs, delayMs, ignoreAttempt });
  }

  renewSessionLock(ownerIds: string[], nowMs: number, extendMs: number, idleTimeoutMs: number): Promise<number> {
    return this.client.renewSessionLock({ ownerIds, nowMs, extendMs, idleTimeoutMs });
  }

  cleanupOrphanedSessions(nowMs: number, idleTimeoutMs: number): Promise<number> {
    return this.client.cleanupOrphanedSessions({ nowMs, idleTimeoutMs });
  }

  async enqueueOrchestratorWork(item: WorkItem, nowMs: number, delayMs: number | null): Promise<void> {
    await this.client.enqueueOrchestratorWork({ workItem: item, nowMs, delayMs });
  }

  latestExecutionId(instance: string): Promise<number | null> {
    return this.client.getLatestExecutionId({ instanceId: instance });
  }

  async listInstances(): Promise<string[]> {
    return (await this.client.listInstances()).map((row) => row.instanceId);
  }

  async listExecutions(instance: string): Promise<number[]> {
    return (await this.client.listExecutions({ instanceId: instance })).map((row) => row.executionId);
  }

  async listInstancesByStatus(status: string): Promise<string[]> {
    return (await this.client.listInstancesByStatus({ status })).map((row) => row.instanceId);
  }

  async getInstanceInfo(instance: string): Promise<InstanceInfo> {
    const row = await this.client.getInstanceInfo({ instanceId: instance });
    return {
      instanceId: row.instanceId,
      orchestrationName: row.orchestrationName,
      orchestrationVersion: row.orchestrationVersion,
      currentExecutionId: row.currentExecutionId,
      status: row.status,
      output: row.output,
      createdAt: row.createdAt.getTime(),
      updatedAt: row.updatedAt.getTime(),
      parentInstanceId: row.parentInstanceId,
    };
  }

  async getExecutionInfo(instance: string, executionId: number): Promise<ExecutionInfo> {
    const row = await this.client.getExecutionInfo({ instanceId: instance, executionId });
    return {
      executionId: row.executionId,
      status: row.status,
      output: row.output,
      startedAt: row.startedAt.getTime(),
      completedAt: row.completedAt?.getTime() ?? null,
      eventCount: row.eventCount,
    };
  }

  async getSystemMetrics(): Promise<SystemMetrics> {
    return this.client.getSystemMetrics();
  }

  async getQueueDepths(nowMs: number): Promise<QueueDepths> {
    const row = await this.client.getQueueDepths({ nowMs });
    return { orchestratorQueue: row.orchestratorQueue, workerQueue: row.workerQueue, timerQueue: 0 };
  }
}
