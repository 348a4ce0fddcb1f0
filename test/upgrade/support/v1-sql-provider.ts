import type pg from 'pg';
import type { RuntimeProvider } from '../../../orchestration/index.js';
import type {
  ExecutionMetadata,
  HistoryEvent,
  InstanceInfo,
  OrchestrationItem,
  WorkItem,
} from '../../../provider/types/index.js';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';

/** A failed v1 call as the runtime classifies errors: by SQLSTATE, never retried (the v1 schema is gone for good). */
export class V1CallError extends Error {
  readonly retryable = false;
  constructor(
    readonly operation: string,
    readonly sqlstate: string | null,
    message: string,
  ) {
    super(`${operation}: ${message}`);
  }
}

/** Fields contract v2 added to the events the runtime writes (§2.4); a v1 runtime never wrote them. */
function toV1Event(event: HistoryEvent): HistoryEvent {
  if (!('OrchestrationStarted' in event)) return event;
  const {
    runtime_version: _v,
    carry_forward_events: _c,
    initial_custom_status: _s,
    ...v1
  } = event.OrchestrationStarted;
  return { OrchestrationStarted: v1 };
}

/**
 * What a v1-era process is, on the wire: the orchestration runtime's dispatcher calling the v1 procedures (0001…0006)
 * with plain SQL — the generated client and `PostgresProvider` speak contract v2 now. Only the operations the
 * runtime's slots and client call are here; the v1 signatures and result columns are spelled out, so once the schema
 * is migrated every call fails with the database's own error (42883: the v1 function no longer exists).
 */
export class V1SqlProvider {
  readonly calls = { ok: 0, failed: [] as { operation: string; sqlstate: string | null }[] };

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
    private readonly clock: () => number,
    readonly lockTimeoutMs: number,
  ) {
    this.s = quoteIdentifier(schema);
  }

  private readonly s: string;

  asRuntimeProvider(): RuntimeProvider {
    return this as unknown as RuntimeProvider;
  }

  private async call<R extends pg.QueryResultRow>(operation: string, sql: string, values: unknown[]): Promise<R[]> {
    try {
      const result = await this.pool.query<R>(sql, values);
      this.calls.ok++;
      return result.rows;
    } catch (error) {
      const sqlstate = (error as { code?: string }).code ?? null;
      this.calls.failed.push({ operation, sqlstate });
      throw new V1CallError(operation, sqlstate, (error as Error).message);
    }
  }

  async fetchOrchestrationItem(): Promise<{ item: OrchestrationItem; lockToken: string; attemptCount: number } | null> {
    const [row] = await this.call<{
      instance_id: string;
      orchestration_name: string;
      orchestration_version: string;
      execution_id: string;
      history: HistoryEvent[];
      messages: WorkItem[];
      lock_token: string;
    }>(
      'fetchOrchestrationItem',
      `SELECT instance_id, orchestration_name, orchestration_version, execution_id, history, messages, lock_token
         FROM ${this.s}.sp_fetch_orchestration_item($1::bigint, $2::bigint)`,
      [this.clock(), this.lockTimeoutMs],
    );
    if (!row) return null;
    return {
      item: {
        instance: row.instance_id,
        orchestrationName: row.orchestration_name,
        executionId: Number(row.execution_id),
        version: row.orchestration_version,
        history: row.history,
        messages: row.messages,
        historyError: null,
        kvSnapshot: {},
      },
      lockToken: row.lock_token,
      attemptCount: 1,
    };
  }

  async ackOrchestrationItem(
    lockToken: string,
    executionId: number,
    delta: HistoryEvent[],
    workerItems: WorkItem[],
    orchestratorItems: WorkItem[],
    metadata: ExecutionMetadata,
  ): Promise<void> {
    // The v1 ack knows status, output, name and version; parent and pinned version are contract v2.
    await this.call(
      'ackOrchestrationItem',
      `SELECT ${this.s}.sp_ack_orchestration_item($1::text, $2::bigint, $3::bigint, $4::jsonb, $5::jsonb, $6::jsonb,
                                                   $7::text, $8::text, $9::text, $10::text)`,
      [
        lockToken,
        this.clock(),
        executionId,
        JSON.stringify(delta.map(toV1Event)),
        JSON.stringify(workerItems),
        JSON.stringify(orchestratorItems),
        metadata.status ?? null,
        metadata.output ?? null,
        metadata.orchestrationName ?? null,
        metadata.orchestrationVersion ?? null,
      ],
    );
  }

  async abandonOrchestrationItem(lockToken: string, delayMs?: number | null): Promise<void> {
    await this.call(
      'abandonOrchestrationItem',
      `SELECT ${this.s}.sp_abandon_orchestration_item($1::text, $2::bigint, $3::bigint)`,
      [lockToken, this.clock(), delayMs ?? null],
    );
  }

  async enqueueOrchestratorWork(item: WorkItem, delayMs?: number | null): Promise<void> {
    await this.call(
      'enqueueOrchestratorWork',
      `SELECT ${this.s}.sp_enqueue_orchestrator_work($1::jsonb, $2::bigint, $3::bigint)`,
      [JSON.stringify(item), this.clock(), delayMs ?? null],
    );
  }

  async dequeueWorkerPeekLock(): Promise<{ item: WorkItem; lockToken: string } | null> {
    const [row] = await this.call<{ work_item: WorkItem; lock_token: string }>(
      'dequeueWorkerPeekLock',
      `SELECT work_item, lock_token FROM ${this.s}.sp_dequeue_worker_peek_lock($1::bigint, $2::bigint)`,
      [this.clock(), this.lockTimeoutMs],
    );
    return row ? { item: row.work_item, lockToken: row.lock_token } : null;
  }

  async ackWorker(lockToken: string, completion: WorkItem): Promise<void> {
    await this.call('ackWorker', `SELECT ${this.s}.sp_ack_worker($1::text, $2::jsonb, $3::bigint)`, [
      lockToken,
      JSON.stringify(completion),
      this.clock(),
    ]);
  }

  /**
   * The runtime speaks contract v2; a v1 process did the same work with the v1 calls, so these map the v2 operations
   * it uses onto them, and the v2-only ones onto what a v1 runtime did instead: no renewal and no abandon (leases and
   * locks run out), no release of a cancelled lease (it runs out too), no custom status, attempt 1.
   */
  async fetchWorkItem(): Promise<{ item: WorkItem; lockToken: string; attemptCount: number } | null> {
    const lease = await this.dequeueWorkerPeekLock();
    return lease && { ...lease, attemptCount: 1 };
  }

  async ackWorkItem(lockToken: string, completion: WorkItem | null): Promise<void> {
    if (completion) await this.ackWorker(lockToken, completion);
  }

  renewWorkItemLock(): Promise<void> {
    return Promise.resolve();
  }

  abandonWorkItem(): Promise<void> {
    return Promise.resolve();
  }

  renewOrchestrationItemLock(): Promise<void> {
    return Promise.resolve();
  }

  getCustomStatus(): Promise<null> {
    return Promise.resolve(null);
  }

  async read(instance: string): Promise<HistoryEvent[]> {
    const rows = await this.call<{ event_data: HistoryEvent }>(
      'read',
      `SELECT event_data FROM ${this.s}.sp_read_current_history($1::text)`,
      [instance],
    );
    return rows.map((r) => r.event_data);
  }

  async latestExecutionId(instance: string): Promise<number | null> {
    const [row] = await this.call<{ id: string | null }>(
      'latestExecutionId',
      `SELECT ${this.s}.sp_get_latest_execution_id($1::text) AS id`,
      [instance],
    );
    return row?.id == null ? null : Number(row.id);
  }

  async getInstanceInfo(instance: string): Promise<Omit<InstanceInfo, 'parentInstanceId'>> {
    const [row] = await this.call<{
      instance_id: string;
      orchestration_name: string;
      orchestration_version: string | null;
      current_execution_id: string;
      created_at: Date;
      updated_at: Date;
      status: string;
      output: string | null;
    }>('getInstanceInfo', `SELECT * FROM ${this.s}.sp_get_instance_info($1::text)`, [instance]);
    return {
      instanceId: row!.instance_id,
      orchestrationName: row!.orchestration_name,
      orchestrationVersion: row!.orchestration_version ?? 'unknown',
      currentExecutionId: Number(row!.current_execution_id),
      status: row!.status,
      output: row!.output,
      createdAt: row!.created_at.getTime(),
      updatedAt: row!.updated_at.getTime(),
    };
  }
}
