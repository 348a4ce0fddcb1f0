import type { WorkerLease } from '../../provider/types/index.js';
import { ActivityContext, type CancellationReason } from '../activity-context.js';
import { applicationError, cancelledError, displayMessage, encode, infrastructure, messageOf } from '../codec.js';
import type { ActivityOutcome } from '../telemetry/runtime-metrics.js';
import type { ErrorDetails, WorkItem } from '../wire.js';
import { type RuntimeCore, factsOf, fetchBackoff } from './core.js';
import { jitter, sleep } from './waker.js';

type Execute = Extract<WorkItem, { ActivityExecute: unknown }>['ActivityExecute'];
type Completion = Extract<WorkItem, { ActivityCompleted: unknown } | { ActivityFailed: unknown }>;

const ATTEMPT_KEYS = 10_000;

/** One worker slot (§3.2); `attempts` counts dequeues per activity in this process (bounded, oldest dropped). */
export async function workerSlot(core: RuntimeCore, slot: string, attempts: Map<string, number>): Promise<void> {
  let consecutiveErrors = 0;
  while (!core.isStopping()) {
    const began = Date.now();
    let lease: WorkerLease | null;
    try {
      lease = await core.provider.dequeueWorkerPeekLock();
      consecutiveErrors = 0;
    } catch (error) {
      consecutiveErrors++;
      const facts = factsOf(error);
      core.metrics.providerError('dequeueWorkerPeekLock', facts.retryable, facts.sqlstate);
      core.report(error, 'dequeueWorkerPeekLock', { consecutive: consecutiveErrors });
      await core.workerWaker.wait(fetchBackoff(error, consecutiveErrors));
      continue;
    }
    if (!lease) {
      await core.workerWaker.wait(jitter(core.options.dispatcherPollIntervalMs) - (Date.now() - began));
      continue;
    }
    core.metrics.itemFetched('worker');
    // Without abandon (contract v2 P4) a lease taken during shutdown is left to expire.
    if (core.isStopping()) break;
    core.workerWaker.wakeOne();
    if (!('ActivityExecute' in lease.item)) continue;
    core.busy.worker++;
    try {
      await tracedActivity(core, slot, lease.lockToken, lease.item.ActivityExecute, attempts);
    } finally {
      core.busy.worker--;
    }
  }
}

/** §5.3: one `duroxide.activity` CONSUMER span per dequeued activity, linked to the turn that scheduled it. */
async function tracedActivity(
  core: RuntimeCore,
  slot: string,
  token: string,
  item: Execute,
  attempts: Map<string, number>,
) {
  const span = core.tracing.start(
    `duroxide.activity ${item.name}`,
    'CONSUMER',
    {
      'duroxide.instance_id': item.instance,
      'duroxide.execution_id': item.execution_id,
      'duroxide.activity.name': item.name,
      'duroxide.activity.id': item.id,
      'duroxide.worker_id': slot,
    },
    [(item as { trace_context?: unknown }).trace_context],
  );
  try {
    const settled = await span.run(() => runActivity(core, slot, token, item, attempts));
    span.set({ 'duroxide.attempt': settled.attempt, 'duroxide.activity.outcome': settled.outcome });
    if (settled.error !== undefined) span.fail(settled.error);
  } catch (bug) {
    span.fail((bug as Error)?.message ?? String(bug));
    throw bug;
  } finally {
    span.end();
  }
}

/** How an activity dequeue ended, for its span. */
interface Settled {
  attempt: number;
  outcome: ActivityOutcome | 'unregistered' | 'shutdown';
  /** Set for outcomes that are failures (status ERROR). */
  error?: string;
}

type Running = { running: true; name: string; version: string } | { running: false };

async function executionStatus(core: RuntimeCore, item: Execute): Promise<Running | null> {
  try {
    const info = await core.provider.getInstanceInfo(item.instance);
    if (info.status !== 'Running' || info.currentExecutionId !== item.execution_id) return { running: false };
    return { running: true, name: info.orchestrationName, version: info.orchestrationVersion };
  } catch (error) {
    if (factsOf(error).sqlstate === 'P0002') return { running: false };
    return null;
  }
}

async function runActivity(
  core: RuntimeCore,
  slot: string,
  token: string,
  item: Execute,
  attempts: Map<string, number>,
): Promise<Settled> {
  const key = `${item.instance}\u0000${item.execution_id}\u0000${item.id}`;
  const attempt = (attempts.get(key) ?? 0) + 1;
  attempts.delete(key);
  attempts.set(key, attempt);
  if (attempts.size > ATTEMPT_KEYS) attempts.delete(attempts.keys().next().value!);
  const { maxAttempts } = core.options;
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
  const skipped = fail(cancelledError('orchestration terminal', 'activity skipped: execution is not running'));

  const handler = core.registry.activity(item.name);
  if (attempt > maxAttempts) {
    const details: ErrorDetails = handler
      ? infrastructure(
          'poison',
          `poison: activity ${item.name}#${item.id} exceeded ${attempt} attempts (max ${maxAttempts})`,
        )
      : { Configuration: { kind: 'UnregisteredActivity', resource: item.name, message: null } };
    const outcome = handler ? 'poison' : 'config_error';
    core.log.activity.error(
      { ...fields, max_attempts: maxAttempts, error: displayMessage(details) },
      handler ? 'activity poisoned' : 'unregistered activity failed after too many attempts',
    );
    await ackWorker(core, token, fail(details), fields);
    core.metrics.activitySettled(item.name, outcome);
    attempts.delete(key);
    return { attempt, outcome, error: displayMessage(details) };
  }
  const status = await executionStatus(core, item);
  if (status && !status.running) {
    core.log.activity.info({ ...fields, reason: 'execution not running' }, 'activity skipped');
    await ackWorker(core, token, skipped, fields);
    core.metrics.activitySettled(item.name, 'skipped');
    return { attempt, outcome: 'skipped' };
  }
  if (status?.running) {
    Object.assign(fields, { orchestration_name: status.name, orchestration_version: status.version });
  }
  if (!handler) {
    // No abandon without contract v2 P4: the lock timeout is the back-off, so another node may take it meanwhile.
    core.log.activity.warn(
      {
        ...fields,
        backoff_ms: core.options.workerLockTimeoutMs,
        remaining_attempts: maxAttempts - attempt + 1,
      },
      'unregistered activity: leaving the lease to expire',
    );
    return { attempt, outcome: 'unregistered' };
  }

  const controller = new AbortController();
  const context = new ActivityContext(
    item.instance,
    item.execution_id,
    status?.running ? status.name : 'unknown',
    status?.running ? status.version : 'unknown',
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
  const monitor = setInterval(() => {
    void executionStatus(core, item).then((s) => {
      if (s && !s.running && !controller.signal.aborted) controller.abort('orchestration-terminal');
    });
  }, core.options.cancellationCheckIntervalMs);

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
      const durationMs = Date.now() - began;
      const error = 'ActivityFailed' in first ? displayMessage(first.ActivityFailed.details) : undefined;
      const settled: ActivityOutcome = error === undefined ? 'success' : 'app_error';
      core.log.activity[error === undefined ? 'debug' : 'warn'](
        { ...fields, duration_ms: durationMs, outcome: settled, ...(error === undefined ? {} : { error }) },
        error === undefined ? 'activity completed' : 'activity failed',
      );
      const acked = await ackWorker(core, token, first, fields);
      core.metrics.activitySettled(item.name, acked ? settled : 'lost', durationMs);
      return { attempt, outcome: acked ? settled : 'lost', ...(error === undefined ? {} : { error }) };
    }
    if (first === 'shutdown') {
      core.log.activity.info({ ...fields, reason: 'shutdown' }, 'activity abandoned at the shutdown deadline');
      return { attempt, outcome: 'shutdown' };
    }
    const grace = core.options.activityCancellationGracePeriodMs;
    const deadline = new Promise<void>((resolve) =>
      core.deadlineSignal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await Promise.race([outcome, sleep(grace), deadline]);
    core.log.activity.info({ ...fields, reason: 'orchestration-terminal' }, 'activity cancelled; result discarded');
    await ackWorker(core, token, skipped, fields);
    core.metrics.activitySettled(item.name, 'cancelled', Date.now() - began);
    return { attempt, outcome: 'cancelled' };
  } finally {
    clearInterval(monitor);
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
 * §3.8: retryable or unknown outcomes re-issued (10…160 ms); DXW01 means someone else's completion counts. True when
 * this completion was recorded.
 */
async function ackWorker(
  core: RuntimeCore,
  token: string,
  completion: Completion,
  fields: Record<string, unknown>,
): Promise<boolean> {
  for (let retry = 0; ; retry++) {
    try {
      await core.provider.ackWorker(token, completion);
      core.orchestrationWaker.wakeOne();
      return true;
    } catch (error) {
      const facts = factsOf(error);
      core.metrics.providerError('ackWorker', facts.retryable, facts.sqlstate);
      if (facts.sqlstate === 'DXW01') {
        core.metrics.lockLost('worker');
        core.log.activity.info(
          { ...fields, operation: 'ackWorker', sqlstate: 'DXW01' },
          'lease already acked or redelivered',
        );
        return false;
      }
      core.report(error, 'ackWorker', { ...fields, consecutive: retry + 1 });
      if ((facts.retryable || facts.sqlstate === null) && retry < 5) {
        await sleep(10 * 2 ** retry);
        continue;
      }
      return false;
    }
  }
}
