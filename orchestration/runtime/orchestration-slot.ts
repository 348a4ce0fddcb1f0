import { randomUUID } from 'node:crypto';
import type { OrchestrationItem } from '../../provider/types/index.js';
import { infrastructure } from '../codec.js';
import { failExisting, runTurn, type TurnEnvironment, type TurnPlan } from '../engine/turn.js';
import { type RuntimeCore, factsOf, fetchBackoff } from './core.js';
import { jitter, sleep } from './waker.js';

const LOCK_LOST = new Set(['DXL01', 'DXL02']);

/** A fetched turn with its lock token (the provider returns the two side by side). */
type LockedItem = OrchestrationItem & { lockToken: string };

/** One orchestration dispatcher slot (§3.1); `attempts` counts failed turns per instance in this process (§3.5). */
export async function orchestrationSlot(core: RuntimeCore, slot: string, attempts: Map<string, number>): Promise<void> {
  let consecutiveErrors = 0;
  while (!core.isStopping()) {
    const began = Date.now();
    let item: LockedItem | null;
    try {
      const fetched = await core.provider.fetchOrchestrationItem();
      item = fetched && { ...fetched.item, lockToken: fetched.lockToken };
      consecutiveErrors = 0;
    } catch (error) {
      consecutiveErrors++;
      core.metrics.providerErrors++;
      core.report(error, 'fetchOrchestrationItem');
      await core.orchestrationWaker.wait(fetchBackoff(error, consecutiveErrors));
      continue;
    }
    if (!item) {
      await core.orchestrationWaker.wait(jitter(core.options.dispatcherPollIntervalMs) - (Date.now() - began));
      continue;
    }
    core.metrics.orchDispatcherItemsFetched++;
    if (core.isStopping()) {
      await core.provider.abandonOrchestrationItem(item.lockToken, 0).catch(() => {});
      break;
    }
    // Another slot may take the next item while this one works.
    core.orchestrationWaker.wakeOne();
    if (item.historyError !== null) {
      // Stored data this runtime cannot read (written by a newer one?): give it back for a while (contract v2 §6).
      core.report(new Error(item.historyError), 'fetchOrchestrationItem', item.instance);
      await core.provider.abandonOrchestrationItem(item.lockToken, 1000).catch(() => {});
      continue;
    }
    await processItem(core, slot, item, attempts);
  }
}

async function processItem(core: RuntimeCore, slot: string, item: LockedItem, attempts: Map<string, number>) {
  const attempt = (attempts.get(item.instance) ?? 0) + 1;
  attempts.set(item.instance, attempt);
  const began = Date.now();
  const { maxAttempts, unregisteredBackoff } = core.options;
  let plan: TurnPlan;
  let env: TurnEnvironment;
  try {
    env = await environment(core, item);
    plan = runTurn(item, env);
  } catch (bug) {
    core.report(bug, 'turn', item.instance);
    await core.provider.abandonOrchestrationItem(item.lockToken, backoff(core, attempt)).catch(() => {});
    return;
  }
  if (attempt > maxAttempts) {
    const details =
      plan.kind === 'unregistered'
        ? plan.details
        : infrastructure(
            'poison',
            `poison: orchestration ${item.instance} exceeded ${attempt} attempts (max ${maxAttempts})`,
          );
    if (plan.kind !== 'unregistered') core.metrics.orchPoison++;
    core.log.runtime.error(
      { instance_id: item.instance, attempt, max_attempts: maxAttempts },
      'orchestration failed after too many attempts',
    );
    plan = failExisting(item, details, env);
  } else if (plan.kind === 'unregistered') {
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
  if (await ack(core, item, plan, env)) {
    attempts.delete(item.instance);
    record(core, slot, item, plan, Date.now() - began);
  }
}

/** Parents' execution ids for linked starts without W1 (§2.9 fallback). */
async function environment(core: RuntimeCore, item: OrchestrationItem): Promise<TurnEnvironment> {
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
    trace: (fields, level, message) =>
      core.log.orchestration[level](
        {
          instance_id: fields.instance,
          execution_id: fields.executionId,
          orchestration_name: fields.name,
          orchestration_version: fields.version,
        },
        message,
      ),
  };
}

function backoff(core: RuntimeCore, attempt: number): number {
  const { baseDelayMs, maxDelayMs } = core.options.unregisteredBackoff;
  return Math.min(baseDelayMs * 2 ** Math.min(attempt - 1, 6), maxDelayMs);
}

/** §3.8: the ack, re-issued on retryable errors; a refused ack is replaced by a failure turn once. True when committed. */
async function ack(
  core: RuntimeCore,
  item: LockedItem,
  plan: Extract<TurnPlan, { kind: 'ack' }>,
  env: TurnEnvironment,
): Promise<boolean> {
  let current = plan;
  let replaced = false;
  for (let retry = 0; ; retry++) {
    try {
      await core.provider.ackOrchestrationItem(
        item.lockToken,
        current.executionId,
        current.delta,
        current.workerItems,
        current.orchestratorItems,
        current.metadata,
      );
      if (current !== plan) Object.assign(plan, current);
      wake(core, current);
      return true;
    } catch (error) {
      core.metrics.providerErrors++;
      const facts = factsOf(error);
      if (facts.sqlstate && LOCK_LOST.has(facts.sqlstate)) {
        core.log.runtime.warn(
          { instance_id: item.instance, operation: 'ackOrchestrationItem', sqlstate: facts.sqlstate },
          'lock lost; the turn will be redone',
        );
        return false;
      }
      if ((facts.retryable || facts.sqlstate === null) && retry < 5) {
        core.report(error, 'ackOrchestrationItem', item.instance);
        await sleep(10 * 2 ** retry);
        continue;
      }
      core.report(error, 'ackOrchestrationItem', item.instance);
      if (facts.retryable || facts.sqlstate === null || replaced) {
        await core.provider.abandonOrchestrationItem(item.lockToken, replaced ? 50 : 0).catch(() => {});
        return false;
      }
      replaced = true;
      retry = -1;
      current = failExisting(item, infrastructure('ack_orchestration_item', facts.message), env) as typeof plan;
    }
  }
}

function wake(core: RuntimeCore, plan: Extract<TurnPlan, { kind: 'ack' }>): void {
  if (plan.metadata.status) core.client.notifyChanged();
  if (plan.workerItems.length > 0) core.workerWaker.wakeAll();
  const now = core.options.clock();
  for (const item of plan.orchestratorItems) {
    if ('TimerFired' in item) {
      const delay = item.TimerFired.fire_at_ms - now;
      if (delay <= 60_000) setTimeout(() => core.orchestrationWaker.wakeOne(), Math.max(0, delay) + 1).unref();
    } else core.orchestrationWaker.wakeOne();
  }
}

function record(
  core: RuntimeCore,
  slot: string,
  item: OrchestrationItem,
  plan: Extract<TurnPlan, { kind: 'ack' }>,
  durationMs: number,
) {
  const m = core.metrics;
  if (plan.startedBy) m.orchStarts++;
  const fields = {
    instance_id: item.instance,
    execution_id: plan.executionId,
    orchestration_name: plan.name,
    orchestration_version: plan.version,
    worker_id: slot,
  };
  switch (plan.outcome) {
    case 'completed':
      m.orchCompletions++;
      break;
    case 'continuedAsNew':
      m.orchContinueAsNew++;
      m.orchCompletions++;
      break;
    case 'failed':
    case 'cancelled': {
      m.orchFailures++;
      const details = plan.details!;
      if ('Application' in details) m.orchApplicationErrors++;
      else if ('Configuration' in details) m.orchConfigurationErrors++;
      else m.orchInfrastructureErrors++;
      const level = 'Application' in details ? 'warn' : 'error';
      core.log.runtime[level]({ ...fields, error: JSON.stringify(details) }, 'execution failed');
      break;
    }
    case 'dropped':
      core.log.runtime.info(
        { ...fields, dropped: item.messages.map((x) => Object.keys(x)[0]) },
        `batch dropped (${plan.dropped})`,
      );
      break;
    default:
      break;
  }
  m.suborchestrationCalls += item.messages.filter((x) => 'SubOrchCompleted' in x || 'SubOrchFailed' in x).length;
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
}
