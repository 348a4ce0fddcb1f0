import { randomUUID } from 'node:crypto';
import type { OrchestrationItem } from '../../provider/types/index.js';
import { displayMessage, infrastructure, poison } from '../codec.js';
import { failExisting, runTurn, type TurnEnvironment, type TurnPlan, unregisteredOf } from '../engine/turn.js';
import { errorCategory } from '../telemetry/error-classes.js';
import type { SpanHandle } from '../telemetry/tracing.js';
import { bodyOf, type ErrorDetails, type HistoryEvent, kindOf, type WorkItem, withTraceContext } from '../wire.js';
import { type RuntimeCore, factsOf, fetchBackoff, renewalIntervalMs, startRenewal, untilStopped } from './core.js';
import { jitter, sleep } from './waker.js';

const LOCK_LOST = new Set(['DXL01', 'DXL02']);

/** A fetched turn with its lock token and the provider's attempt count (v2 §3.2.1), side by side in the fetch. */
type LockedItem = OrchestrationItem & { lockToken: string; attempt: number };

/** Above this id no real history reaches: the failure event of a history this runtime cannot read (v2 §3.2.5). */
const UNREADABLE_HISTORY_EVENT_ID = Number.MAX_SAFE_INTEGER;

/** One orchestration dispatcher slot (§3.1). */
export async function orchestrationSlot(core: RuntimeCore, slot: string): Promise<void> {
  const { orchestratorLockTimeoutMs: lockMs, dispatcherLongPollTimeoutMs: pollMs } = core.options;
  let consecutiveErrors = 0;
  while (!core.isStopping()) {
    const began = Date.now();
    const poller = !core.orchestrationWaker.polling;
    if (poller) core.orchestrationWaker.polling = true;
    let item: LockedItem | null;
    try {
      const fetched = await untilStopped(
        core,
        core.provider.fetchOrchestrationItem(lockMs, poller ? pollMs : 0),
        (late) => {
          core.metrics.itemFetched('orchestration');
          return core.provider.abandonOrchestrationItem(late.lockToken, 0, true);
        },
      );
      if (fetched === 'stopped') break;
      item = fetched && { ...fetched.item, lockToken: fetched.lockToken, attempt: fetched.attemptCount };
      consecutiveErrors = 0;
    } catch (error) {
      consecutiveErrors++;
      const facts = factsOf(error);
      core.metrics.providerError('fetchOrchestrationItem', facts.retryable, facts.sqlstate);
      core.report(error, 'fetchOrchestrationItem', { consecutive: consecutiveErrors });
      await core.orchestrationWaker.wait(fetchBackoff(error, consecutiveErrors));
      continue;
    } finally {
      if (poller) core.orchestrationWaker.polling = false;
    }
    if (!item) {
      // Nobody polls any more (the poller took an item meanwhile): this slot becomes the poller.
      if (!poller && !core.orchestrationWaker.polling) continue;
      const interval = jitter(core.options.dispatcherPollIntervalMs);
      await core.orchestrationWaker.wait(poller ? interval - (Date.now() - began) : Math.max(pollMs, interval));
      continue;
    }
    core.metrics.itemFetched('orchestration');
    if (core.isStopping()) {
      // Not this item's fault: the attempt is taken back.
      await core.provider.abandonOrchestrationItem(item.lockToken, 0, true).catch(() => {});
      break;
    }
    // Another slot may take the next item while this one works.
    core.orchestrationWaker.wakeOne();
    await tracedTurn(core, slot, item);
  }
}

/** What a turn span reports at its end (§5.3). */
interface TurnReport {
  plan?: TurnPlan;
  /** Set when the turn did not commit: the span's status is ERROR with this message (abandoned backoffs are not). */
  failure?: string;
  outcome?: string;
}

/** §5.3: one `duroxide.turn` CONSUMER span per fetched item, through its ack; linked to the messages' producers. */
async function tracedTurn(core: RuntimeCore, slot: string, item: LockedItem) {
  const attempt = item.attempt;
  const span = core.tracing.start(
    `duroxide.turn ${item.orchestrationName}`,
    'CONSUMER',
    {
      'duroxide.instance_id': item.instance,
      'duroxide.execution_id': item.executionId,
      'duroxide.worker_id': slot,
      'duroxide.attempt': attempt,
      'duroxide.turn.messages': item.messages.length,
    },
    item.messages.map((m) => (bodyOf(m) as { trace_context?: unknown }).trace_context),
  );
  core.busy.orchestration++;
  const report: TurnReport = {};
  // Turns longer than the renewal interval (a slow ack, its retries) keep their lock (v2 §6).
  const { orchestratorLockTimeoutMs: lockMs, orchestratorLockRenewalBufferMs: bufferMs } = core.options;
  const renewal = startRenewal(
    renewalIntervalMs(lockMs, bufferMs),
    () => core.provider.renewOrchestrationItemLock(item.lockToken, lockMs),
    (error) => {
      // The ack will fail with DXL02 and whoever holds the instance next redoes the turn (§3.4).
      const facts = factsOf(error);
      core.metrics.lockLost('orchestrator');
      core.log.runtime.warn(
        { instance_id: item.instance, operation: 'renewOrchestrationItemLock', sqlstate: facts.sqlstate },
        'lock lost',
      );
    },
  );
  try {
    await span.run(() => processItem(core, slot, item, span, report));
  } catch (bug) {
    report.failure = (bug as Error)?.message ?? String(bug);
    throw bug;
  } finally {
    renewal.stop();
    core.busy.orchestration--;
    endTurnSpan(span, report);
  }
}

function endTurnSpan(span: SpanHandle, report: TurnReport): void {
  const plan = report.plan;
  if (plan?.kind === 'ack') {
    span.rename(`duroxide.turn ${plan.name}`);
    span.set({
      'duroxide.execution_id': plan.executionId,
      'duroxide.orchestration.name': plan.name,
      'duroxide.orchestration.version': plan.version,
      'duroxide.turn.replayed_events': plan.replayed,
      'duroxide.turn.new_events': plan.delta.length,
    });
    if ((plan.outcome === 'failed' || plan.outcome === 'cancelled') && plan.details) {
      span.fail(displayMessage(plan.details));
    }
  } else if (plan?.kind === 'unregistered') {
    span.set({ 'duroxide.orchestration.name': plan.name });
  }
  span.set({ 'duroxide.turn.outcome': report.outcome ?? (plan?.kind === 'ack' ? plan.outcome : 'abandoned') });
  if (report.failure !== undefined) span.fail(report.failure);
  span.end();
}

async function processItem(core: RuntimeCore, slot: string, item: LockedItem, span: SpanHandle, report: TurnReport) {
  const attempt = item.attempt;
  const began = Date.now();
  const { maxAttempts, unregisteredBackoff } = core.options;
  if (item.historyError !== null) {
    // Stored data this runtime cannot read (written by a newer one?): give it back for a while, counting the attempt,
    // so that it ends in poison unless a runtime that reads it comes along (v2 §6).
    core.report(new Error(item.historyError), 'fetchOrchestrationItem', { instance_id: item.instance, attempt });
    if (attempt <= maxAttempts) {
      report.outcome = 'abandoned';
      await core.provider.abandonOrchestrationItem(item.lockToken, 1_000).catch(() => {});
      return;
    }
    report.plan = unreadableHistoryFailure(item, maxAttempts);
  }
  let plan: TurnPlan;
  let env: TurnEnvironment;
  try {
    env = await environment(core, slot, item, attempt, span);
    if (report.plan) plan = report.plan;
    else if (attempt > maxAttempts) {
      // Poison (§3.5): fail without running the code that may be what keeps failing.
      const unregistered = unregisteredOf(item, core.registry);
      const details =
        unregistered?.kind === 'unregistered'
          ? unregistered.details
          : poison(
              attempt,
              maxAttempts,
              { Orchestration: { instance: item.instance, execution_id: item.executionId } },
              JSON.stringify(item.messages),
            );
      if (!unregistered) core.metrics.orchestrationPoisoned();
      core.log.runtime.error(
        { instance_id: item.instance, attempt, max_attempts: maxAttempts, error: displayMessage(details) },
        'orchestration failed after too many attempts',
      );
      plan = failExisting(item, details, env);
    } else plan = runTurn(item, env);
  } catch (bug) {
    report.failure = (bug as Error)?.message ?? String(bug);
    report.outcome = 'abandoned';
    core.report(bug, 'turn', { instance_id: item.instance });
    await core.provider.abandonOrchestrationItem(item.lockToken, backoff(core, attempt)).catch(() => {});
    return;
  }
  if (plan.kind === 'unregistered') {
    report.plan = plan;
    const delay = Math.min(
      unregisteredBackoff.baseDelayMs * 2 ** Math.min(attempt - 1, 6),
      unregisteredBackoff.maxDelayMs,
    );
    core.log.runtime.warn(
      {
        instance_id: item.instance,
        orchestration_name: plan.name,
        backoff_ms: delay,
        attempt,
        remaining_attempts: maxAttempts - attempt + 1,
      },
      'unregistered orchestration: backing off',
    );
    await core.provider.abandonOrchestrationItem(item.lockToken, delay).catch(() => {});
    return;
  }
  if (plan.kind !== 'ack') return;
  report.plan = stampTraceContext(plan, span);
  const acked = await ack(core, item, report.plan, env);
  if (acked === true) record(core, slot, item, attempt, report.plan, Date.now() - began);
  else report.failure = acked;
}

/** v2 §3.2.5/§6: poison for a history that never decoded; the failure is appended after whatever is stored. */
function unreadableHistoryFailure(item: LockedItem, maxAttempts: number): TurnPlan {
  const error = item.historyError!;
  const details = poison(
    item.attempt,
    maxAttempts,
    { FailedDeserialization: { instance: item.instance, execution_id: item.executionId, error } },
    error,
  );
  return {
    kind: 'ack',
    executionId: item.executionId,
    delta: [{ OrchestrationFailed: { event_id: UNREADABLE_HISTORY_EVENT_ID, details } }],
    workerItems: [],
    orchestratorItems: [],
    metadata: { status: 'Failed', output: displayMessage(details) },
    cancelledActivities: [],
    outcome: 'failed',
    details,
    name: item.orchestrationName,
    version: item.version,
    replayed: 0,
  };
}

/** W3 (§5.3): activities and starts scheduled by this turn carry its span context, for the consumers' links. */
function stampTraceContext<P extends Extract<TurnPlan, { kind: 'ack' }>>(plan: P, span: SpanHandle): P {
  const traceparent = span.traceparent();
  if (!traceparent) return plan;
  const stamp = (item: WorkItem): WorkItem =>
    'ActivityExecute' in item || 'StartOrchestration' in item
      ? ({ [kindOf(item)]: withTraceContext(bodyOf(item), traceparent) } as unknown as WorkItem)
      : item;
  return { ...plan, workerItems: plan.workerItems.map(stamp), orchestratorItems: plan.orchestratorItems.map(stamp) };
}

/** Parents' execution ids for linked starts without W1 (§2.9 fallback). */
async function environment(
  core: RuntimeCore,
  slot: string,
  item: OrchestrationItem,
  attempt: number,
  span: SpanHandle,
): Promise<TurnEnvironment> {
  const parentExecutionIds = new Map<string, number>();
  const links: { parent_instance: string | null; parent_execution_id?: number }[] = [];
  const first = item.history[0];
  if (first && 'OrchestrationStarted' in first) links.push(first.OrchestrationStarted);
  for (const message of item.messages) {
    if ('StartOrchestration' in message) links.push(message.StartOrchestration);
  }
  for (const link of links) {
    if (link.parent_instance && link.parent_execution_id === undefined) {
      const latest = await core.provider.latestExecutionId(link.parent_instance);
      if (latest !== null) parentExecutionIds.set(link.parent_instance, latest);
    }
  }
  return {
    registry: core.registry,
    clock: core.options.clock,
    uuid: randomUUID,
    maxNewEventsPerTurn: core.options.maxNewEventsPerTurn,
    parentExecutionIds,
    trace: (fields, level, message) => {
      // Live calls only (the context suppresses replayed ones), so each appears once per committed turn.
      span.event(message, { 'log.severity': level });
      core.log.orchestration[level](
        {
          instance_id: fields.instance,
          execution_id: fields.executionId,
          orchestration_name: fields.name,
          orchestration_version: fields.version,
          worker_id: slot,
          attempt,
        },
        message,
      );
    },
  };
}

function backoff(core: RuntimeCore, attempt: number): number {
  const { baseDelayMs, maxDelayMs } = core.options.unregisteredBackoff;
  return Math.min(baseDelayMs * 2 ** Math.min(attempt - 1, 6), maxDelayMs);
}

/**
 * §3.8: the ack, re-issued on retryable errors; a refused ack is replaced by a failure turn once. True when committed,
 * else why not (for the turn span).
 */
async function ack(
  core: RuntimeCore,
  item: LockedItem,
  plan: Extract<TurnPlan, { kind: 'ack' }>,
  env: TurnEnvironment,
): Promise<true | string> {
  let current = plan;
  let replaced = false;
  for (let retry = 0; ; retry++) {
    try {
      // Before the ack, not after: a worker of this process may fetch the turn's activities the moment it commits.
      rememberNames(core, item.instance, current);
      await core.provider.ackOrchestrationItem(
        item.lockToken,
        current.executionId,
        current.delta,
        current.workerItems,
        current.orchestratorItems,
        current.metadata,
        current.cancelledActivities,
      );
      if (current !== plan) Object.assign(plan, current);
      forgetEndedNames(core, item.instance, current);
      wake(core, current);
      return true;
    } catch (error) {
      const facts = factsOf(error);
      core.metrics.providerError('ackOrchestrationItem', facts.retryable, facts.sqlstate);
      if (facts.sqlstate && LOCK_LOST.has(facts.sqlstate)) {
        core.metrics.lockLost('orchestrator');
        core.log.runtime.warn(
          { instance_id: item.instance, operation: 'ackOrchestrationItem', sqlstate: facts.sqlstate },
          'lock lost; the turn will be redone',
        );
        return `lock lost (${facts.sqlstate})`;
      }
      if ((facts.retryable || facts.sqlstate === null) && retry < 5) {
        core.report(error, 'ackOrchestrationItem', { instance_id: item.instance, consecutive: retry + 1 });
        await sleep(10 * 2 ** retry);
        continue;
      }
      core.report(error, 'ackOrchestrationItem', { instance_id: item.instance, consecutive: retry + 1 });
      if (facts.retryable || facts.sqlstate === null || replaced) {
        await core.provider.abandonOrchestrationItem(item.lockToken, replaced ? 50 : 0).catch(() => {});
        return `ack failed: ${facts.message}`;
      }
      replaced = true;
      retry = -1;
      current = failExisting(item, infrastructure('ack_orchestration_item', facts.message), env) as typeof plan;
    }
  }
}

/**
 * The name and version this turn's activities will show (§1.5), known here without asking the provider. Recording
 * them for a turn whose ack then fails is harmless: they are the execution's whatever the ack's fate.
 */
function rememberNames(core: RuntimeCore, instance: string, plan: Extract<TurnPlan, { kind: 'ack' }>): void {
  if (plan.workerItems.length > 0) {
    core.executionNames.set(instance, plan.executionId, { name: plan.name, version: plan.version });
  }
}

/** Once an execution's last turn committed, its activities need its names no more. */
function forgetEndedNames(core: RuntimeCore, instance: string, plan: Extract<TurnPlan, { kind: 'ack' }>): void {
  if (plan.workerItems.length === 0 && plan.outcome !== 'continue' && plan.outcome !== 'dropped') {
    core.executionNames.delete(instance, plan.executionId);
  }
}

function wake(core: RuntimeCore, plan: Extract<TurnPlan, { kind: 'ack' }>): void {
  if (plan.metadata.status || plan.delta.some((e) => 'CustomStatusUpdated' in e)) core.client.notifyChanged();
  for (let i = 0; i < plan.workerItems.length; i++) core.workerWaker.wakeOne();
  const now = core.options.clock();
  for (const item of plan.orchestratorItems) {
    if ('TimerFired' in item) {
      const delay = item.TimerFired.fire_at_ms - now;
      if (delay <= 60_000) setTimeout(() => core.orchestrationWaker.wakeOne(), Math.max(0, delay) + 1).unref();
    } else core.orchestrationWaker.wakeOne();
  }
}

const COMPLETION_STATUS = {
  completed: 'success',
  failed: 'failed',
  cancelled: 'cancelled',
  continuedAsNew: 'continuedAsNew',
} as const;

/** Logs (§5.1) and metrics (§5.2) of a committed turn. */
function record(
  core: RuntimeCore,
  slot: string,
  item: OrchestrationItem,
  attempt: number,
  plan: Extract<TurnPlan, { kind: 'ack' }>,
  durationMs: number,
) {
  const m = core.metrics;
  const fields = {
    instance_id: item.instance,
    execution_id: plan.executionId,
    orchestration_name: plan.name,
    orchestration_version: plan.version,
    worker_id: slot,
    attempt,
  };
  const historyEvents = plan.replayed + plan.delta.length;
  if (plan.startedBy) {
    m.orchestrationStarted(plan.name, plan.version, plan.startedBy);
    core.log.runtime.debug(
      { ...fields, initiated_by: plan.startedBy, history_events: historyEvents },
      'execution started',
    );
  }
  if (plan.outcome !== 'continue' && plan.outcome !== 'dropped') {
    const status = COMPLETION_STATUS[plan.outcome];
    const details = plan.outcome === 'failed' || plan.outcome === 'cancelled' ? plan.details : undefined;
    m.orchestrationEnded(plan.name, plan.version, status, historyEvents, details);
    if (details) logFailure(core, fields, details);
    else {
      const message = plan.outcome === 'completed' ? 'execution completed' : 'execution continued as new';
      core.log.runtime.debug({ ...fields, history_events: historyEvents }, message);
    }
  }
  if (plan.outcome === 'dropped') {
    core.log.runtime.info(
      { ...fields, dropped: item.messages.map((x) => Object.keys(x)[0]) },
      `batch dropped (${plan.dropped})`,
    );
  }
  recordChildCalls(core, item.history, plan);
  m.turn(plan.name, plan.outcome, durationMs, plan.replayed);
  core.log.runtime.debug(
    {
      ...fields,
      messages: item.messages.length,
      replayed_events: plan.replayed,
      new_events: plan.delta.length,
      outcome: plan.outcome,
      duration_ms: durationMs,
    },
    'turn committed',
  );
  if (durationMs > core.options.orchestratorLockTimeoutMs / 2) {
    core.log.runtime.warn({ ...fields, duration_ms: durationMs }, 'turn took more than half the lock timeout');
  }
}

/** §5.1: application failures at warn; configuration, infrastructure, poison and nondeterminism at error. */
function logFailure(core: RuntimeCore, fields: Record<string, unknown>, details: ErrorDetails): void {
  const level = 'Application' in details ? 'warn' : 'error';
  core.log.runtime[level](
    { ...fields, error: displayMessage(details), error_category: errorCategory(details) },
    'execution failed',
  );
}

/** `duroxide_suborchestration_calls_total`: each child completion the parent's turn accepted into its history. */
function recordChildCalls(core: RuntimeCore, history: HistoryEvent[], plan: Extract<TurnPlan, { kind: 'ack' }>) {
  const scheduled = new Map<number, string>();
  for (const event of [...history, ...plan.delta]) {
    if ('SubOrchestrationScheduled' in event) {
      scheduled.set(event.SubOrchestrationScheduled.event_id, event.SubOrchestrationScheduled.name);
    }
  }
  for (const event of plan.delta) {
    const completed = 'SubOrchestrationCompleted' in event;
    if (!completed && !('SubOrchestrationFailed' in event)) continue;
    const source = bodyOf(event).source_event_id as number;
    core.metrics.subOrchestrationCall(plan.name, scheduled.get(source) ?? 'unknown', completed ? 'success' : 'failed');
  }
}
