import type { FetchedWorkItem } from '../../provider/types/index.js';
import { ActivityContext, type CancellationReason } from '../activity-context.js';
import { applicationError, displayMessage, encode, messageOf, poison } from '../codec.js';
import type { ActivityOutcome } from '../telemetry/runtime-metrics.js';
import type { ErrorDetails, WorkItem } from '../wire.js';
import type { ExecutionName } from './execution-names.js';
import { type RuntimeCore, factsOf, fetchBackoff, renewalIntervalMs, startRenewal, untilStopped } from './core.js';
import { jitter, settledWithin, sleep } from './waker.js';

type Execute = Extract<WorkItem, { ActivityExecute: unknown }>['ActivityExecute'];
type Completion = Extract<WorkItem, { ActivityCompleted: unknown } | { ActivityFailed: unknown }>;

/** One worker slot (§3.2 on contract v2: attempt counts, renewal, abandon, cancellation by lock stealing). */
export async function workerSlot(core: RuntimeCore, slot: string): Promise<void> {
  const { workerLockTimeoutMs: lockMs, dispatcherLongPollTimeoutMs: pollMs } = core.options;
  let consecutiveErrors = 0;
  while (!core.isStopping()) {
    const began = Date.now();
    const poller = !core.workerWaker.polling;
    if (poller) core.workerWaker.polling = true;
    let fetched: FetchedWorkItem | null;
    try {
      const result = await untilStopped(core, core.provider.fetchWorkItem(lockMs, poller ? pollMs : 0), (late) => {
        core.metrics.itemFetched('worker');
        return core.provider.abandonWorkItem(late.lockToken, 0, true);
      });
      if (result === 'stopped') break;
      fetched = result;
      consecutiveErrors = 0;
    } catch (error) {
      consecutiveErrors++;
      const facts = factsOf(error);
      core.metrics.providerError('fetchWorkItem', facts.retryable, facts.sqlstate);
      core.report(error, 'fetchWorkItem', { consecutive: consecutiveErrors });
      await core.workerWaker.wait(fetchBackoff(error, consecutiveErrors));
      continue;
    } finally {
      if (poller) core.workerWaker.polling = false;
    }
    if (!fetched) {
      // Nobody polls any more (the poller took an item meanwhile): this slot becomes the poller.
      if (!poller && !core.workerWaker.polling) continue;
      const interval = jitter(core.options.dispatcherPollIntervalMs);
      await core.workerWaker.wait(poller ? interval - (Date.now() - began) : Math.max(pollMs, interval));
      continue;
    }
    core.metrics.itemFetched('worker');
    if (core.isStopping()) {
      // Not this item's fault: the attempt is taken back and the item is at once fetchable elsewhere (§3.7).
      await core.provider.abandonWorkItem(fetched.lockToken, 0, true).catch(() => {});
      break;
    }
    core.workerWaker.wakeOne();
    // The provider's worker queue holds only ActivityExecute (v2 §2.3); anything else is left to expire.
    if (!('ActivityExecute' in fetched.item)) continue;
    core.busy.worker++;
    try {
      await tracedActivity(core, slot, fetched.lockToken, fetched.item.ActivityExecute, fetched.attemptCount);
    } finally {
      core.busy.worker--;
    }
  }
}

/** §5.3: one `duroxide.activity` CONSUMER span per fetched activity, linked to the turn that scheduled it. */
async function tracedActivity(core: RuntimeCore, slot: string, token: string, item: Execute, attempt: number) {
  const span = core.tracing.start(
    `duroxide.activity ${item.name}`,
    'CONSUMER',
    {
      'duroxide.instance_id': item.instance,
      'duroxide.execution_id': item.execution_id,
      'duroxide.activity.name': item.name,
      'duroxide.activity.id': item.id,
      'duroxide.worker_id': slot,
      'duroxide.attempt': attempt,
    },
    [(item as { trace_context?: unknown }).trace_context],
  );
  try {
    const settled = await span.run(() => runActivity(core, slot, token, item, attempt));
    span.set({ 'duroxide.activity.outcome': settled.outcome });
    if (settled.error !== undefined) span.fail(settled.error);
  } catch (bug) {
    span.fail((bug as Error)?.message ?? String(bug));
    throw bug;
  } finally {
    span.end();
  }
}

/** How an activity fetch ended, for its span. */
interface Settled {
  outcome: ActivityOutcome | 'unregistered' | 'shutdown';
  /** Set for outcomes that are failures (status ERROR). */
  error?: string;
}

/**
 * The context's orchestration name and version (§1.5): those of the activity's own execution. Remembered from this
 * runtime's acks; otherwise (another node ran the turn, or this one restarted) read once from the instance row while
 * it still describes that execution. `unknown` when unavailable.
 */
async function describeOrchestration(core: RuntimeCore, item: Execute): Promise<ExecutionName | null> {
  const known = core.executionNames.get(item.instance, item.execution_id);
  if (known) return known;
  try {
    const info = await core.provider.getInstanceInfo(item.instance);
    if (info.currentExecutionId === item.execution_id) {
      const found = { name: info.orchestrationName, version: info.orchestrationVersion };
      core.executionNames.set(item.instance, item.execution_id, found);
      return found;
    }
    // The instance moved on: this activity's execution ended, and with it the activity (v2 §6).
    return null;
  } catch {
    return null;
  }
}

/**
 * A failed renewal means the lock is gone (v2 §6). DXW01: the row was deleted — by the ack that ended the execution,
 * or by one that dropped the activity as a race loser; the instance row tells the two apart. Otherwise the lock
 * expired (or the call failed) and the item may already run elsewhere.
 */
async function whyLost(core: RuntimeCore, item: Execute, error: unknown): Promise<CancellationReason> {
  if (factsOf(error).sqlstate !== 'DXW01') return 'lock-lost';
  try {
    const info = await core.provider.getInstanceInfo(item.instance);
    const runs = info.status === 'Running' && info.currentExecutionId === item.execution_id;
    return runs ? 'cancelled' : 'orchestration-terminal';
  } catch {
    return 'orchestration-terminal';
  }
}

async function runActivity(
  core: RuntimeCore,
  slot: string,
  token: string,
  item: Execute,
  attempt: number,
): Promise<Settled> {
  const { maxAttempts, unregisteredBackoff } = core.options;
  const fields = {
    instance_id: item.instance,
    execution_id: item.execution_id,
    activity_name: item.name,
    activity_id: item.id,
    worker_id: slot,
    attempt,
  };
  const fail = (details: ErrorDetails): Completion => ({
    ActivityFailed: { instance: item.instance, execution_id: item.execution_id, id: item.id, details },
  });

  const handler = core.registry.activity(item.name);
  if (attempt > maxAttempts) {
    const details: ErrorDetails = handler
      ? poison(
          attempt,
          maxAttempts,
          {
            Activity: {
              instance: item.instance,
              execution_id: item.execution_id,
              activity_name: item.name,
              activity_id: item.id,
            },
          },
          JSON.stringify({ ActivityExecute: item }),
        )
      : { Configuration: { kind: 'UnregisteredActivity', resource: item.name, message: null } };
    const outcome = handler ? 'poison' : 'config_error';
    core.log.activity.error(
      { ...fields, max_attempts: maxAttempts, error: displayMessage(details) },
      handler ? 'activity poisoned' : 'unregistered activity failed after too many attempts',
    );
    await ack(core, token, fail(details), fields);
    core.metrics.activitySettled(item.name, outcome);
    return { outcome, error: displayMessage(details) };
  }
  if (!handler) {
    // §3.6 with P4: back off so that a node that has the activity can take it; the attempt counts, ending in failure.
    const delay = Math.min(
      unregisteredBackoff.baseDelayMs * 2 ** Math.min(attempt - 1, 6),
      unregisteredBackoff.maxDelayMs,
    );
    core.log.activity.warn(
      { ...fields, backoff_ms: delay, remaining_attempts: maxAttempts - attempt + 1 },
      'unregistered activity: backing off',
    );
    await core.provider.abandonWorkItem(token, delay).catch((error: unknown) => core.report(error, 'abandonWorkItem'));
    return { outcome: 'unregistered' };
  }

  const described = await describeOrchestration(core, item);
  if (described) {
    Object.assign(fields, { orchestration_name: described.name, orchestration_version: described.version });
  }
  const orchestration = described ?? { name: 'unknown', version: 'unknown' };
  const controller = new AbortController();
  const context = new ActivityContext(
    item.instance,
    item.execution_id,
    orchestration.name,
    orchestration.version,
    item.name,
    item.id,
    slot,
    attempt,
    controller.signal,
    core.log.activity,
    core.client,
  );
  const aborted = new Promise<CancellationReason>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve(controller.signal.reason as CancellationReason), {
      once: true,
    }),
  );
  const onDeadline = () => controller.abort('shutdown');
  if (core.deadlineSignal.aborted) onDeadline();
  core.deadlineSignal.addEventListener('abort', onDeadline, { once: true });
  const { workerLockTimeoutMs: lockMs, workerLockRenewalBufferMs: bufferMs } = core.options;
  const renewal = startRenewal(
    renewalIntervalMs(lockMs, bufferMs),
    () => core.provider.renewWorkItemLock(token, lockMs),
    (error) => {
      void whyLost(core, item, error).then((reason) => {
        const facts = factsOf(error);
        core.metrics.lockLost('worker');
        core.log.activity.info(
          { ...fields, operation: 'renewWorkItemLock', sqlstate: facts.sqlstate, reason },
          'activity lock lost; cancelling',
        );
        if (!controller.signal.aborted) controller.abort(reason);
      });
    },
  );

  const began = Date.now();
  core.log.activity.debug(fields, 'activity started');
  const outcome = (async (): Promise<Completion> => {
    try {
      const value = await handler(context, decodeInput(item.input));
      return {
        ActivityCompleted: {
          instance: item.instance,
          execution_id: item.execution_id,
          id: item.id,
          result: encode(value),
        },
      };
    } catch (error) {
      return fail(applicationError('ActivityFailed', messageOf(error)));
    }
  })();
  try {
    const first = await Promise.race([outcome, aborted]);
    if (typeof first !== 'string') {
      renewal.stop();
      const durationMs = Date.now() - began;
      const error = 'ActivityFailed' in first ? displayMessage(first.ActivityFailed.details) : undefined;
      const settled: ActivityOutcome = error === undefined ? 'success' : 'app_error';
      core.log.activity[error === undefined ? 'debug' : 'warn'](
        { ...fields, duration_ms: durationMs, outcome: settled, ...(error === undefined ? {} : { error }) },
        error === undefined ? 'activity completed' : 'activity failed',
      );
      const acked = await ack(core, token, first, fields);
      core.metrics.activitySettled(item.name, acked ? settled : 'lost', durationMs);
      return { outcome: acked ? settled : 'lost', ...(error === undefined ? {} : { error }) };
    }
    renewal.stop();
    if (first === 'shutdown') {
      core.log.activity.info({ ...fields, reason: 'shutdown' }, 'activity abandoned at the shutdown deadline');
      await core.provider.abandonWorkItem(token, 0, true).catch(() => {});
      return { outcome: 'shutdown' };
    }
    // v2 §6: the handler gets the grace period, then the lease is released without a completion; for a deleted row
    // that ack fails with DXW01, as expected. Whatever the handler returns later is discarded.
    await settledWithin(outcome, core.options.activityCancellationGracePeriodMs, core.deadlineSignal);
    core.log.activity.info({ ...fields, reason: first }, 'activity cancelled; result discarded');
    await ack(core, token, null, fields);
    core.metrics.activitySettled(item.name, 'cancelled', Date.now() - began);
    return { outcome: 'cancelled' };
  } finally {
    renewal.stop();
    core.deadlineSignal.removeEventListener('abort', onDeadline);
  }
}

function decodeInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * §3.8: retryable or unknown outcomes re-issued (10…160 ms). DXW01 (the row is gone: cancelled, or acked by an earlier
 * attempt) and DXW02 (the lock expired: the item will run again elsewhere) mean this completion does not count. True
 * when it was recorded.
 */
async function ack(
  core: RuntimeCore,
  token: string,
  completion: Completion | null,
  fields: Record<string, unknown>,
): Promise<boolean> {
  for (let retry = 0; ; retry++) {
    try {
      await core.provider.ackWorkItem(token, completion);
      if (completion) core.orchestrationWaker.wakeOne();
      return true;
    } catch (error) {
      const facts = factsOf(error);
      core.metrics.providerError('ackWorkItem', facts.retryable, facts.sqlstate);
      if (facts.sqlstate === 'DXW01' || facts.sqlstate === 'DXW02') {
        // A cancelled activity's final ack finds its row deleted: expected, not a lost lease.
        if (completion) core.metrics.lockLost('worker');
        core.log.activity.info(
          { ...fields, operation: 'ackWorkItem', sqlstate: facts.sqlstate },
          completion ? 'lease lost: cancelled, expired or redelivered' : 'cancelled lease released',
        );
        return false;
      }
      core.report(error, 'ackWorkItem', { ...fields, consecutive: retry + 1 });
      if ((facts.retryable || facts.sqlstate === null) && retry < 5) {
        await sleep(10 * 2 ** retry);
        continue;
      }
      return false;
    }
  }
}
