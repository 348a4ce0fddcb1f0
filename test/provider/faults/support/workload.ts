import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import type { PostgresProvider, ProviderMethod } from '../../../../provider/postgres-provider.js';
import { ProviderError } from '../../../../provider/provider-error.js';
import type { ExecutionMetadata, HistoryEvent, OrchestrationItem, WorkItem } from '../../../../provider/types/index.js';
import {
  activityCompleted,
  activityExecute,
  activityScheduled,
  orchestrationCompleted,
  orchestrationStarted,
} from '../../../support/work-items.js';
import { startItem } from '../../support/scenario-helpers.js';
import type { ManualClock } from '../../support/test-clocks.js';

export interface WorkloadOptions {
  /** Activities each orchestration runs one after the other before it completes. */
  activities: number;
  dispatchers: number;
  workers: number;
  /** Share of fetched turns abandoned instead of acked (the abandoned batch comes back). */
  abandonShare: number;
  /** Called as every provider call starts: where a fault test injects its faults. */
  onCall?: (method: ProviderMethod) => void;
  /** Called with every error a call reports. */
  onFailure?: (error: ProviderError) => void;
}

/** How the calls of a run ended, by method. */
export interface CallTally {
  calls: number;
  /** Failed with a retryable error after the provider's own re-issues. */
  retryable: number;
  /** Failed with DXL01/DXW01 after a re-issue following a lost connection: an earlier attempt had committed. */
  committedEarlier: number;
}

const TRACKED = [
  'fetchOrchestrationItem',
  'ackOrchestrationItem',
  'abandonOrchestrationItem',
  'dequeueWorkerPeekLock',
  'ackWorker',
] as const;
type Tracked = (typeof TRACKED)[number];

/**
 * Orchestrations driven through a provider the way a runtime would (dispatchers fetch and ack turns, workers run
 * activities), in rounds. Every call's outcome is checked as it happens — a failure must be retryable, or the
 * DXL01/DXW01 of a re-issue whose earlier attempt committed — and so is exactly-once delivery: a message consumed by
 * a committed ack, or an activity whose completion was committed, must never be delivered again. Between rounds no
 * call is in flight, and the clock moves past the lock timeout, so a lock whose taker never heard of it (the answer
 * was lost) expires and its work is delivered again.
 */
export class Workload {
  readonly tally = Object.fromEntries(
    TRACKED.map((method) => [method, { calls: 0, retryable: 0, committedEarlier: 0 }]),
  ) as Record<Tracked, CallTally>;
  /** Everything that broke a rule, in words; a passing run leaves it empty. */
  readonly violations: string[] = [];
  private readonly consumed = new Set<string>();
  private instances = 0;
  private readonly completedActivities = new Set<string>();

  constructor(
    private readonly provider: PostgresProvider,
    private readonly clock: ManualClock,
    private readonly lockTimeoutMs: number,
    private readonly options: WorkloadOptions,
  ) {}

  instanceIds(): string[] {
    return Array.from({ length: this.instances }, (_, index) => `order-${index}`);
  }

  /**
   * Starts `count` more instances. Call it with no faults under way: an enqueue is not re-issued after a lost
   * connection (it could store the message twice), and this driver does not re-send one.
   */
  async addInstances(count: number): Promise<void> {
    for (let index = 0; index < count; index++) {
      await this.provider.enqueueOrchestratorWork(startItem(`order-${this.instances}`));
      this.instances++;
    }
  }

  /** Whether every instance has completed, read directly (not through the provider under test). */
  async allCompleted(pool: pg.Pool, quotedSchema: string): Promise<boolean> {
    const result = await pool.query<{ done: string }>(
      `SELECT count(*) AS done FROM ${quotedSchema}.executions WHERE status = 'Completed'`,
    );
    return Number(result.rows[0]?.done) === this.instances;
  }

  /**
   * Runs rounds until `isDone` says so or `maxRounds` pass; `betweenRounds` runs with no call in flight. Returns the
   * number of rounds run.
   */
  async run(isDone: () => Promise<boolean>, maxRounds: number, betweenRounds?: () => Promise<void>): Promise<number> {
    for (let round = 1; round <= maxRounds; round++) {
      const tasks = [
        ...Array.from({ length: this.options.dispatchers }, () => this.dispatch()),
        ...Array.from({ length: this.options.workers }, () => this.work()),
      ];
      await Promise.all(tasks);
      await betweenRounds?.();
      this.clock.advance(this.lockTimeoutMs + 1);
      if (await isDone()) return round;
    }
    return maxRounds;
  }

  /** Fetches and acks (or abandons) turns until a fetch finds nothing or fails. */
  private async dispatch(): Promise<void> {
    for (;;) {
      const fetched = await this.call('fetchOrchestrationItem', () => this.provider.fetchOrchestrationItem());
      const item = fetched.ok && fetched.value ? { ...fetched.value.item, lockToken: fetched.value.lockToken } : null;
      if (!item) return;
      for (const message of item.messages) {
        if (this.consumed.has(messageKey(message))) {
          this.violations.push(`${item.instance}: ${messageKey(message)} delivered again after a committed ack`);
        }
      }
      if (Math.random() < this.options.abandonShare) {
        await this.call('abandonOrchestrationItem', () => this.provider.abandonOrchestrationItem(item.lockToken));
        continue;
      }
      const turn = this.nextTurn(item);
      if (!turn) return;
      const outcome = await this.call('ackOrchestrationItem', () =>
        this.provider.ackOrchestrationItem(
          item.lockToken,
          item.executionId,
          turn.events,
          turn.workerItems,
          [],
          turn.metadata,
        ),
      );
      if (outcome.ok || outcome.committedEarlier) {
        for (const message of item.messages) this.consumed.add(messageKey(message));
      }
    }
  }

  /** Dequeues and completes activities until a dequeue finds nothing or fails. */
  private async work(): Promise<void> {
    for (;;) {
      const dequeued = await this.call('dequeueWorkerPeekLock', () => this.provider.dequeueWorkerPeekLock());
      const lease = dequeued.ok ? dequeued.value : null;
      if (!lease) return;
      if (!('ActivityExecute' in lease.item)) {
        this.violations.push(`unexpected worker item ${JSON.stringify(lease.item)}`);
        return;
      }
      const { instance, id } = lease.item.ActivityExecute;
      const key = `${instance}#${id}`;
      if (this.completedActivities.has(key)) this.violations.push(`activity ${key} delivered again after its ack`);
      const outcome = await this.call('ackWorker', () =>
        this.provider.ackWorker(lease.lockToken, activityCompleted(instance, id)),
      );
      if (outcome.ok || outcome.committedEarlier) this.completedActivities.add(key);
    }
  }

  /**
   * What the orchestration does next, from its history and the batch: start the first activity, or record the
   * completed one and start the next, or complete.
   */
  private nextTurn(
    item: OrchestrationItem,
  ): { events: HistoryEvent[]; workerItems: WorkItem[]; metadata: ExecutionMetadata } | null {
    const { instance, history, messages } = item;
    if (history.length === 0) {
      if (!messages.some((message) => 'StartOrchestration' in message)) {
        this.violations.push(`${instance}: first batch without its start: ${JSON.stringify(messages)}`);
        return null;
      }
      return {
        events: [orchestrationStarted(1), activityScheduled(2)] as HistoryEvent[],
        workerItems: [activityExecute(instance, 2)] as WorkItem[],
        metadata: { orchestrationName: 'TestOrch', orchestrationVersion: '1.0.0' },
      };
    }
    const scheduledId = history.length;
    const expected = activityCompleted(instance, scheduledId);
    if (messages.length !== 1 || !isDeepStrictEqual(messages[0], expected)) {
      this.violations.push(`${instance}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(messages)}`);
      return null;
    }
    const completed: HistoryEvent = {
      ActivityCompleted: { event_id: scheduledId + 1, source_event_id: scheduledId, result: `"ok-${scheduledId}"` },
    };
    const activitiesDone = (history.length + 1) / 2;
    if (activitiesDone < this.options.activities) {
      return {
        events: [completed, activityScheduled(scheduledId + 2)],
        workerItems: [activityExecute(instance, scheduledId + 2)] as WorkItem[],
        metadata: {},
      };
    }
    return {
      events: [completed, orchestrationCompleted(scheduledId + 2, '"done"')],
      workerItems: [] as WorkItem[],
      metadata: { status: 'Completed', output: '"done"' },
    };
  }

  /**
   * Runs one call and checks how it ended. `committedEarlier`: an ack's or abandon's DXL01, or a worker ack's DXW01,
   * after a re-issue that followed a lost connection — the earlier attempt took effect (within a round no lock
   * expires, so nothing else can have taken the token).
   */
  private async call<T>(
    method: Tracked,
    run: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; committedEarlier: boolean }> {
    this.tally[method].calls++;
    this.options.onCall?.(method);
    try {
      return { ok: true, value: await run() };
    } catch (error) {
      if (error instanceof ProviderError) this.options.onFailure?.(error);
      if (!(error instanceof ProviderError)) {
        this.violations.push(`${method} threw ${String(error)}`);
      } else if (error.retryable) {
        this.tally[method].retryable++;
      } else if (error.mayHaveCommitted && (error.sqlstate === 'DXL01' || error.sqlstate === 'DXW01')) {
        this.tally[method].committedEarlier++;
        return { ok: false, committedEarlier: true };
      } else {
        this.violations.push(`${method} failed permanently: ${error.message} (SQLSTATE ${error.sqlstate})`);
      }
      return { ok: false, committedEarlier: false };
    }
  }

  /**
   * The end state: every instance completed with exactly the history its turns wrote (event ids 1..n, each event
   * once, in order), and both queues empty.
   */
  async verify(pool: pg.Pool, quotedSchema: string): Promise<string[]> {
    const problems = [...this.violations];
    const expectedKinds = [
      'OrchestrationStarted',
      ...Array.from({ length: this.options.activities }, () => ['ActivityScheduled', 'ActivityCompleted']).flat(),
      'OrchestrationCompleted',
    ];
    const histories = await pool.query<{ instance_id: string; status: string; ids: string[]; kinds: string[] }>(
      `SELECT e.instance_id, e.status,
              array_agg(h.event_id::text ORDER BY h.event_id) AS ids,
              array_agg(h.event_type ORDER BY h.event_id) AS kinds
         FROM ${quotedSchema}.executions e
         JOIN ${quotedSchema}.history h USING (instance_id, execution_id)
        GROUP BY e.instance_id, e.status`,
    );
    const byInstance = new Map(histories.rows.map((row) => [row.instance_id, row]));
    for (const instance of this.instanceIds()) {
      const row = byInstance.get(instance);
      if (!row) {
        problems.push(`${instance}: lost (no history)`);
        continue;
      }
      if (row.status !== 'Completed') problems.push(`${instance}: status ${row.status}`);
      const ids = row.ids.map(Number);
      if (ids.join() !== expectedKinds.map((_, index) => index + 1).join()) {
        problems.push(`${instance}: event ids ${ids.join()} (gaps or duplicates)`);
      }
      if (row.kinds.join() !== expectedKinds.join()) problems.push(`${instance}: events ${row.kinds.join()}`);
    }
    const queues = await pool.query<{ orchestrator: string; worker: string }>(
      `SELECT (SELECT count(*) FROM ${quotedSchema}.orchestrator_queue) AS orchestrator,
              (SELECT count(*) FROM ${quotedSchema}.worker_queue) AS worker`,
    );
    const { orchestrator, worker } = queues.rows[0]!;
    if (orchestrator !== '0' || worker !== '0') problems.push(`queues not empty: ${orchestrator} and ${worker}`);
    return problems;
  }
}

/** Identifies a message across deliveries. */
function messageKey(message: WorkItem): string {
  if ('StartOrchestration' in message) return `start ${message.StartOrchestration.instance}`;
  if ('ActivityCompleted' in message) {
    return `completed ${message.ActivityCompleted.instance}#${message.ActivityCompleted.id}`;
  }
  return JSON.stringify(message);
}
