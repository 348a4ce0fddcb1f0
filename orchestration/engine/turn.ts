import type { ExecutionMetadata, OrchestrationItem, ScheduledActivityIdentifier } from '../../provider/types/index.js';
import {
  applicationError,
  cancelledError,
  decodeInput,
  displayMessage,
  encode,
  messageOf,
  nondeterminism,
  infrastructure,
} from '../codec.js';
import type { TraceLevel } from '../context.js';
import type { Registry } from '../registry.js';
import {
  bodyOf,
  type ErrorDetails,
  eventIdOf,
  type HistoryEvent,
  isSystemError,
  kindOf,
  type StartedBody,
  type StartItemBody,
  type WorkItem,
} from '../wire.js';
import { Execution } from './execution.js';

export type TurnOutcome = 'continue' | 'completed' | 'failed' | 'cancelled' | 'continuedAsNew' | 'dropped';

/** What the dispatcher acks (or, for unregistered handlers, what it backs off on). */
export type TurnPlan =
  | {
      kind: 'ack';
      executionId: number;
      delta: HistoryEvent[];
      workerItems: WorkItem[];
      orchestratorItems: WorkItem[];
      metadata: ExecutionMetadata;
      /** In-flight activities whose worker rows the ack deletes (v2 §3.2.10), each with an `ActivityCancelRequested`. */
      cancelledActivities: ScheduledActivityIdentifier[];
      outcome: TurnOutcome;
      details?: ErrorDetails;
      name: string;
      version: string;
      replayed: number;
      /** Why the batch was dropped, for the log. */
      dropped?: string;
      /** Set on the first turn of an execution. */
      startedBy?: 'client' | 'suborchestration' | 'continueAsNew';
    }
  | { kind: 'unregistered'; name: string; requested: string | null; details: ErrorDetails };

export interface TurnEnvironment {
  registry: Registry;
  clock: () => number;
  uuid: () => string;
  maxNewEventsPerTurn: number;
  /** Parents' current execution ids, for completions of children started without W1 (§2.9). */
  parentExecutionIds: ReadonlyMap<string, number>;
  trace: (
    fields: { instance: string; executionId: number; name: string; version: string },
    level: TraceLevel,
    message: string,
  ) => void;
}

interface Frame {
  executionId: number;
  baseline: HistoryEvent[];
  started: StartedBody;
  newStart: boolean;
  startedBy?: 'client' | 'suborchestration' | 'continueAsNew';
}

const finishedKinds = new Set(['OrchestrationCompleted', 'OrchestrationFailed']);

/** Steps 2–7 of §2.1: a pure function of the fetched item and the registry. */
export function runTurn(item: OrchestrationItem, env: TurnEnvironment): TurnPlan {
  const history = item.history;
  const startIndex = item.messages.findIndex((m) => 'StartOrchestration' in m || 'ContinueAsNew' in m);
  const startItem = startIndex >= 0 ? item.messages[startIndex]! : undefined;
  const completions = item.messages.filter((m) => !('StartOrchestration' in m || 'ContinueAsNew' in m));
  const last = history.at(-1);
  const lastKind = last ? kindOf(last) : undefined;
  const drop = (why: string, extra: WorkItem[] = []): TurnPlan => ({
    kind: 'ack',
    executionId: item.executionId,
    delta: [],
    workerItems: [],
    orchestratorItems: extra,
    metadata: {},
    cancelledActivities: [],
    outcome: 'dropped',
    name: item.orchestrationName,
    version: item.version,
    replayed: 0,
    dropped: why,
  });

  if (lastKind && finishedKinds.has(lastKind)) {
    // A parent starting a child id that already finished gets the recorded outcome instead of waiting forever.
    const start =
      startItem && 'StartOrchestration' in startItem ? (startItem.StartOrchestration as StartItemBody) : undefined;
    const answer = start ? parentNotification(start, last!, env) : [];
    return drop('finished', answer);
  }

  let frame: Frame;
  if (history.length === 0) {
    if (!startItem || !('StartOrchestration' in startItem)) return drop('never started');
    const start = startItem.StartOrchestration as StartItemBody;
    const resolution = env.registry.resolve(start.orchestration, start.version);
    if (!resolution.found) return unregistered(start.orchestration, resolution.requested);
    const started: StartedBody = {
      event_id: 1,
      name: start.orchestration,
      version: resolution.version,
      input: start.input,
      parent_instance: start.parent_instance,
      parent_id: start.parent_id,
    };
    if (start.parent_execution_id !== undefined) started.parent_execution_id = start.parent_execution_id;
    frame = {
      executionId: start.execution_id,
      baseline: [],
      started,
      newStart: true,
      startedBy: start.parent_instance ? 'suborchestration' : 'client',
    };
  } else {
    const corrupt = integrityProblem(history);
    if (corrupt) return failExisting(item, nondeterminism(`corrupted history: ${corrupt}`), env);
    const first = history[0] as { OrchestrationStarted: StartedBody };
    if (lastKind === 'OrchestrationContinuedAsNew') {
      if (!startItem || !('ContinueAsNew' in startItem)) return drop('stale');
      const next = startItem.ContinueAsNew;
      const resolution = env.registry.resolve(next.orchestration, next.version);
      if (!resolution.found) return unregistered(next.orchestration, resolution.requested);
      // Only the parent link carries over from the previous execution (§2.11), and the custom status (v2 §2.3).
      const { initial_custom_status: _previousStatus, ...previous } = first.OrchestrationStarted;
      const started: StartedBody = {
        ...previous,
        event_id: 1,
        name: next.orchestration,
        version: resolution.version,
        input: next.input,
      };
      if (next.initial_custom_status !== undefined) started.initial_custom_status = next.initial_custom_status;
      frame = { executionId: item.executionId + 1, baseline: [], started, newStart: true, startedBy: 'continueAsNew' };
    } else {
      const started = first.OrchestrationStarted;
      frame = { executionId: item.executionId, baseline: history, started, newStart: false };
    }
  }
  return runExecution(item, frame, completions, env);
}

/**
 * The unregistered-handler plan this item would give, without running any orchestration code: the poison path
 * (§3.5) must not run code that may be what keeps failing.
 */
export function unregisteredOf(item: OrchestrationItem, registry: Registry): TurnPlan | null {
  const last = item.history.at(-1);
  const lastKind = last ? kindOf(last) : undefined;
  if (lastKind && finishedKinds.has(lastKind)) return null;
  const start = item.messages.find((m) => 'StartOrchestration' in m || 'ContinueAsNew' in m);
  let name: string;
  let version: string | null;
  if (item.history.length === 0 || lastKind === 'OrchestrationContinuedAsNew') {
    if (!start || (item.history.length === 0) !== 'StartOrchestration' in start) return null;
    const body = bodyOf(start) as { orchestration: string; version: string | null };
    ({ orchestration: name, version } = body);
  } else {
    const first = item.history[0]!;
    if (!('OrchestrationStarted' in first)) return null;
    ({ name, version } = first.OrchestrationStarted);
  }
  const resolution = registry.resolve(name, version);
  return resolution.found ? null : unregistered(name, resolution.requested);
}

function unregistered(name: string, requested: string | null): TurnPlan {
  const details: ErrorDetails =
    requested === null
      ? { Configuration: { kind: 'UnregisteredOrchestration', resource: name, message: null } }
      : {
          Configuration: { kind: { MissingVersion: { requested_version: requested } }, resource: name, message: null },
        };
  return { kind: 'unregistered', name, requested, details };
}

function integrityProblem(history: HistoryEvent[]): string | null {
  const first = history[0]!;
  if (kindOf(first) !== 'OrchestrationStarted' || eventIdOf(first) !== 1) {
    return 'history does not start with OrchestrationStarted(1)';
  }
  for (let i = 1; i < history.length; i++) {
    if (eventIdOf(history[i]!) <= eventIdOf(history[i - 1]!)) return `event ids not increasing at index ${i}`;
  }
  return null;
}

const SCHEDULE_FAMILY: Record<string, { schedule: string; label: string; done: string[] }> = {
  ActivityCompleted: {
    schedule: 'ActivityScheduled',
    label: 'activity',
    done: ['ActivityCompleted', 'ActivityFailed'],
  },
  ActivityFailed: { schedule: 'ActivityScheduled', label: 'activity', done: ['ActivityCompleted', 'ActivityFailed'] },
  TimerFired: { schedule: 'TimerCreated', label: 'timer', done: ['TimerFired'] },
  SubOrchCompleted: {
    schedule: 'SubOrchestrationScheduled',
    label: 'sub-orchestration',
    done: ['SubOrchestrationCompleted', 'SubOrchestrationFailed'],
  },
  SubOrchFailed: {
    schedule: 'SubOrchestrationScheduled',
    label: 'sub-orchestration',
    done: ['SubOrchestrationCompleted', 'SubOrchestrationFailed'],
  },
};
const FAMILY_LABEL: Record<string, string> = {
  ActivityScheduled: 'activity',
  TimerCreated: 'timer',
  SubOrchestrationScheduled: 'sub-orchestration',
};

/** §2.3: completion messages become events; returns the first conversion failure, if any. */
function convert(working: HistoryEvent[], messages: WorkItem[], executionId: number): ErrorDetails | undefined {
  let failure: ErrorDetails | undefined;
  let nextId = working.length === 0 ? 1 : eventIdOf(working.at(-1)!) + 1;
  const push = (event: HistoryEvent) => working.push(event);
  for (const message of messages) {
    const kind = kindOf(message);
    const body = bodyOf(message);
    const family = SCHEDULE_FAMILY[kind];
    if (family) {
      const isSub = kind.startsWith('SubOrch');
      const target = (isSub ? body.parent_execution_id : body.execution_id) as number;
      if (target !== executionId) continue;
      const source = (isSub ? body.parent_id : body.id) as number;
      if (working.some((e) => family.done.includes(kindOf(e)) && bodyOf(e).source_event_id === source)) continue;
      const schedule = working.find((e) => eventIdOf(e) === source && kindOf(e) in FAMILY_LABEL);
      if (!schedule || kindOf(schedule) !== family.schedule) {
        failure ??= nondeterminism(
          !schedule
            ? `no matching schedule for ${family.label === 'activity' ? 'completion' : family.label} id=${source}`
            : `completion kind mismatch for id=${source}, expected '${FAMILY_LABEL[kindOf(schedule)]}', got '${family.label}'`,
        );
        continue;
      }
      const event_id = nextId++;
      switch (kind) {
        case 'ActivityCompleted':
          push({ ActivityCompleted: { event_id, source_event_id: source, result: body.result as string } });
          break;
        case 'ActivityFailed':
          push({ ActivityFailed: { event_id, source_event_id: source, details: body.details as ErrorDetails } });
          break;
        case 'TimerFired':
          push({ TimerFired: { event_id, source_event_id: source, fire_at_ms: body.fire_at_ms as number } });
          break;
        case 'SubOrchCompleted':
          push({ SubOrchestrationCompleted: { event_id, source_event_id: source, result: body.result as string } });
          break;
        case 'SubOrchFailed':
          push({
            SubOrchestrationFailed: { event_id, source_event_id: source, details: body.details as ErrorDetails },
          });
          break;
      }
      if ('details' in body && isSystemError(body.details as ErrorDetails)) failure ??= body.details as ErrorDetails;
    } else if (kind === 'ExternalRaised') {
      push({ ExternalEvent: { event_id: nextId++, name: body.name as string, data: body.data as string } });
    } else if (kind === 'CancelInstance') {
      if (working.some((e) => 'OrchestrationCancelRequested' in e)) continue;
      push({ OrchestrationCancelRequested: { event_id: nextId++, reason: body.reason as string } });
    }
  }
  return failure;
}

function runExecution(item: OrchestrationItem, frame: Frame, messages: WorkItem[], env: TurnEnvironment): TurnPlan {
  const { started } = frame;
  const working: HistoryEvent[] = [...frame.baseline];
  if (frame.newStart) working.push({ OrchestrationStarted: started });
  const persisted = frame.baseline.length;
  const conversionFailure = convert(working, messages, frame.executionId);
  const cancel = working.slice(persisted).find((e) => 'OrchestrationCancelRequested' in e) as
    { OrchestrationCancelRequested: { reason: string } } | undefined;

  const plan = (
    outcome: TurnOutcome,
    delta: HistoryEvent[],
    workerItems: WorkItem[],
    orchestratorItems: WorkItem[],
    metadata: ExecutionMetadata,
    details?: ErrorDetails,
    cancelledActivities: ScheduledActivityIdentifier[] = [],
  ): TurnPlan => {
    if (frame.newStart) {
      // The first ack of an execution creates the instance row (contract v2 §3.4): name, version and parent.
      metadata.orchestrationName = started.name;
      metadata.orchestrationVersion = started.version;
      if (started.parent_instance) metadata.parentInstanceId = started.parent_instance;
    }
    const result: TurnPlan = {
      kind: 'ack',
      executionId: frame.executionId,
      delta,
      workerItems,
      orchestratorItems,
      metadata,
      cancelledActivities,
      outcome,
      name: started.name,
      version: started.version,
      replayed: persisted,
    };
    if (details) result.details = details;
    if (frame.startedBy) result.startedBy = frame.startedBy;
    return result;
  };
  const cancelIn = (events: HistoryEvent[], ids: number[], reason: string) =>
    cancelActivities(events, ids, reason, item.instance, frame.executionId);
  /** The in-flight activities of the execution that ends (v2 §6); activities decided in this turn were never sent. */
  const terminalCancels = (events: HistoryEvent[], outcome: keyof typeof TERMINAL_REASON) =>
    cancelIn(events, inFlightActivities(working), TERMINAL_REASON[outcome]);
  const fail = (
    details: ErrorDetails,
    decided: HistoryEvent[],
    extraItems: WorkItem[] = [],
    outcome: 'failed' | 'cancelled' = 'failed',
  ) => {
    const { events, cancelled } = terminalCancels(decided, outcome);
    const terminal: HistoryEvent = { OrchestrationFailed: { event_id: nextIdOf(events), details } };
    const delta = [...events.slice(persisted), terminal];
    const items = [...extraItems, ...parentNotification(started, terminal, env)];
    const metadata: ExecutionMetadata = { status: 'Failed', output: displayMessage(details) };
    return plan(outcome, delta, [], items, metadata, details, cancelled);
  };

  if (conversionFailure) return fail(conversionFailure, working);
  if (cancel) {
    const reason = cancel.OrchestrationCancelRequested.reason;
    return fail(
      cancelledError(reason),
      working,
      openChildren(working).map((child) => ({ CancelInstance: { instance: child, reason: 'parent canceled' } })),
      'cancelled',
    );
  }

  const resolution = env.registry.resolve(started.name, started.version);
  if (!resolution.found) return unregistered(started.name, started.version);
  const traceFields = {
    instance: item.instance,
    executionId: frame.executionId,
    name: started.name,
    version: started.version,
  };
  const execution = new Execution(
    {
      instance: item.instance,
      executionId: frame.executionId,
      name: started.name,
      version: started.version,
      fn: resolution.fn,
      input: decodeInput(started.input),
      clock: env.clock,
      uuid: env.uuid,
      maxNewEvents: env.maxNewEventsPerTurn,
      trace: (level, message) => env.trace(traceFields, level, message),
      initialCustomStatus: started.initial_custom_status ?? null,
    },
    working,
    persisted,
  );
  execution.run();
  const outcome = execution.outcome;
  if (outcome?.kind === 'nondeterminism') return fail(nondeterminism(outcome.message), working);
  if (outcome?.kind === 'turnLimit') {
    return fail(infrastructure('turn_limit', `more than ${env.maxNewEventsPerTurn} new events in one turn`), working);
  }

  const decided = [...working, ...execution.newDecisions.map((d) => d.event)];
  // Live custom-status changes follow the decisions; the walk skips them on replay (§1.4.8).
  const withStatus = (events: HistoryEvent[]): HistoryEvent[] => {
    const out = [...events];
    for (const status of execution.customStatusUpdates) {
      out.push({ CustomStatusUpdated: { event_id: nextIdOf(out), status } });
    }
    return out;
  };
  const workerItems: WorkItem[] = [];
  const decisionItems: WorkItem[] = [];
  const detachedItems: WorkItem[] = [];
  for (const { decision, event } of execution.newDecisions) {
    const body = bodyOf(event);
    const id = eventIdOf(event);
    switch (decision.kind) {
      case 'activity':
        workerItems.push({
          ActivityExecute: {
            instance: item.instance,
            execution_id: frame.executionId,
            id,
            name: decision.name!,
            input: decision.input!,
          },
        });
        break;
      case 'timer':
        decisionItems.push({
          TimerFired: {
            instance: item.instance,
            execution_id: frame.executionId,
            id,
            fire_at_ms: body.fire_at_ms as number,
          },
        });
        break;
      case 'sub': {
        const start: StartItemBody = {
          instance: body.instance as string,
          orchestration: decision.name!,
          input: decision.input!,
          version: decision.version ?? null,
          parent_instance: item.instance,
          parent_id: id,
          execution_id: 1,
          parent_execution_id: frame.executionId,
        };
        decisionItems.push({ StartOrchestration: start });
        break;
      }
      case 'detached':
        detachedItems.push({
          StartOrchestration: {
            instance: decision.instanceId!,
            orchestration: decision.name!,
            input: decision.input!,
            version: decision.version ?? null,
            parent_instance: null,
            parent_id: null,
            execution_id: 1,
          },
        });
        break;
      default:
        break;
    }
  }
  const loserCancels: WorkItem[] = execution.loserCancels.map((instance) => ({
    CancelInstance: { instance, reason: 'parent dropped sub-orchestration future' },
  }));

  if (!outcome) {
    const { events, cancelled } = cancelIn(decided, execution.loserActivities, 'select_loser');
    const orchestratorItems = [
      ...mergeByDecision(
        decisionItems,
        detachedItems,
        execution.newDecisions.map((d) => d.decision.kind),
      ),
      ...loserCancels,
    ];
    return plan(
      'continue',
      withStatus(events).slice(persisted),
      workerItems,
      orchestratorItems,
      {},
      undefined,
      cancelled,
    );
  }
  if (outcome.kind === 'continuedAsNew') {
    const { events, cancelled } = terminalCancels(withStatus(decided), 'continuedAsNew');
    const terminal: HistoryEvent = {
      OrchestrationContinuedAsNew: { event_id: nextIdOf(events), input: outcome.input },
    };
    const carried = execution.customStatus;
    const next: WorkItem = {
      ContinueAsNew: {
        instance: item.instance,
        orchestration: started.name,
        input: outcome.input,
        version: outcome.version,
        ...(carried === null ? {} : { initial_custom_status: carried }),
      },
    };
    return plan(
      'continuedAsNew',
      [...events.slice(persisted), terminal],
      [],
      [...detachedItems, ...loserCancels, next],
      { status: 'ContinuedAsNew', output: outcome.input },
      undefined,
      cancelled,
    );
  }
  if (outcome.kind === 'threw') {
    return fail(applicationError('OrchestrationFailed', messageOf(outcome.error)), withStatus(decided), [
      ...detachedItems,
      ...loserCancels,
    ]);
  }
  let output: string;
  try {
    output = encode(outcome.value);
  } catch (error) {
    return fail(
      applicationError('OrchestrationFailed', `orchestration output is not JSON-serializable: ${messageOf(error)}`),
      withStatus(decided),
      [...detachedItems, ...loserCancels],
    );
  }
  const { events, cancelled } = terminalCancels(withStatus(decided), 'completed');
  const terminal: HistoryEvent = { OrchestrationCompleted: { event_id: nextIdOf(events), output } };
  return plan(
    'completed',
    [...events.slice(persisted), terminal],
    [],
    [...detachedItems, ...loserCancels, ...parentNotification(started, terminal, env)],
    { status: 'Completed', output },
    undefined,
    cancelled,
  );
}

/** `ActivityCancelRequested.reason` when an execution ends (upstream's strings, v2 §2.4). */
const TERMINAL_REASON = {
  completed: 'orchestration_terminal_completed',
  failed: 'orchestration_terminal_failed',
  cancelled: 'orchestration_terminal_failed',
  continuedAsNew: 'orchestration_terminal_continued_as_new',
} as const;

/** Activities scheduled in `events` with neither a completion nor a cancellation: queued or running somewhere. */
function inFlightActivities(events: HistoryEvent[]): number[] {
  const closed = new Set<number>();
  for (const e of events) {
    if ('ActivityCompleted' in e || 'ActivityFailed' in e || 'ActivityCancelRequested' in e) {
      closed.add(bodyOf(e).source_event_id as number);
    }
  }
  return events.flatMap((e) =>
    'ActivityScheduled' in e && !closed.has(e.ActivityScheduled.event_id) ? [e.ActivityScheduled.event_id] : [],
  );
}

/**
 * v2 §6: each cancelled activity gets an `ActivityCancelRequested` breadcrumb (a non-decision event: the walk skips it,
 * so histories with and without breadcrumbs replay alike) and an identifier for the ack's `cancelledActivities`.
 */
function cancelActivities(
  events: HistoryEvent[],
  ids: number[],
  reason: string,
  instance: string,
  executionId: number,
): { events: HistoryEvent[]; cancelled: ScheduledActivityIdentifier[] } {
  const out = [...events];
  const cancelled: ScheduledActivityIdentifier[] = [];
  for (const id of new Set(ids)) {
    out.push({ ActivityCancelRequested: { event_id: nextIdOf(out), source_event_id: id, reason } });
    cancelled.push({ instance, executionId, activityId: id });
  }
  return { events: out, cancelled };
}

/** Orchestrator items in decision order (timers and children interleaved with detached starts). */
function mergeByDecision(decisionItems: WorkItem[], detachedItems: WorkItem[], kinds: string[]): WorkItem[] {
  const out: WorkItem[] = [];
  let d = 0;
  let s = 0;
  for (const kind of kinds) {
    if (kind === 'timer' || kind === 'sub') out.push(decisionItems[d++]!);
    else if (kind === 'detached') out.push(detachedItems[s++]!);
  }
  return out;
}

const nextIdOf = (events: HistoryEvent[]): number => (events.length === 0 ? 1 : eventIdOf(events.at(-1)!) + 1);

/** Children scheduled in this execution that have no completion event yet. */
function openChildren(events: HistoryEvent[]): string[] {
  const done = new Set(
    events.flatMap((e) =>
      'SubOrchestrationCompleted' in e || 'SubOrchestrationFailed' in e ? [bodyOf(e).source_event_id as number] : [],
    ),
  );
  return events.flatMap((e) =>
    'SubOrchestrationScheduled' in e && !done.has(e.SubOrchestrationScheduled.event_id)
      ? [e.SubOrchestrationScheduled.instance]
      : [],
  );
}

/** The completion a linked child sends its parent (§2.8), from its terminal event. */
function parentNotification(
  link: { parent_instance: string | null; parent_id: number | null; parent_execution_id?: number },
  terminal: HistoryEvent,
  env: TurnEnvironment,
): WorkItem[] {
  if (!link.parent_instance || link.parent_id === null) return [];
  const parent_execution_id = link.parent_execution_id ?? env.parentExecutionIds.get(link.parent_instance) ?? 1;
  const base = { parent_instance: link.parent_instance, parent_execution_id, parent_id: link.parent_id };
  if ('OrchestrationCompleted' in terminal)
    return [{ SubOrchCompleted: { ...base, result: terminal.OrchestrationCompleted.output } }];
  if ('OrchestrationFailed' in terminal)
    return [{ SubOrchFailed: { ...base, details: terminal.OrchestrationFailed.details } }];
  return [];
}

/**
 * A turn that only records a failure (poison, unregistered after backoff, an ack the provider refused): starts the
 * execution first when it has no history yet (§3.5, §3.6).
 */
export function failExisting(item: OrchestrationItem, details: ErrorDetails, env: TurnEnvironment): TurnPlan {
  const history = item.history;
  const lastKind = history.length > 0 ? kindOf(history.at(-1)!) : undefined;
  if (lastKind && finishedKinds.has(lastKind)) {
    return {
      kind: 'ack',
      executionId: item.executionId,
      delta: [],
      workerItems: [],
      orchestratorItems: [],
      metadata: {},
      cancelledActivities: [],
      outcome: 'dropped',
      name: item.orchestrationName,
      version: item.version,
      replayed: 0,
      dropped: 'finished',
    };
  }
  let started: StartedBody;
  let executionId = item.executionId;
  const delta: HistoryEvent[] = [];
  const startMessage = item.messages.find((m) => 'StartOrchestration' in m || 'ContinueAsNew' in m);
  const metadata: ExecutionMetadata = { status: 'Failed', output: displayMessage(details) };
  if (history.length === 0 || lastKind === 'OrchestrationContinuedAsNew') {
    if (!startMessage) {
      return {
        kind: 'ack',
        executionId,
        delta: [],
        workerItems: [],
        orchestratorItems: [],
        metadata: {},
        cancelledActivities: [],
        outcome: 'dropped',
        name: item.orchestrationName,
        version: item.version,
        replayed: 0,
        dropped: 'never started',
      };
    }
    if ('StartOrchestration' in startMessage) {
      const s = startMessage.StartOrchestration as StartItemBody;
      started = {
        event_id: 1,
        name: s.orchestration,
        version: s.version ?? '0.0.0',
        input: s.input,
        parent_instance: s.parent_instance,
        parent_id: s.parent_id,
      };
      if (s.parent_execution_id !== undefined) started.parent_execution_id = s.parent_execution_id;
      executionId = s.execution_id;
    } else {
      const c = startMessage.ContinueAsNew;
      const previous = (history[0] as { OrchestrationStarted: StartedBody }).OrchestrationStarted;
      started = { ...previous, event_id: 1, name: c.orchestration, version: c.version ?? '0.0.0', input: c.input };
      executionId = item.executionId + 1;
    }
    delta.push({ OrchestrationStarted: started });
    metadata.orchestrationName = started.name;
    metadata.orchestrationVersion = started.version;
    if (started.parent_instance) metadata.parentInstanceId = started.parent_instance;
  } else {
    started = (history[0] as { OrchestrationStarted: StartedBody }).OrchestrationStarted;
  }
  const running = delta.length === 0;
  const { events, cancelled } = running
    ? cancelActivities(history, inFlightActivities(history), TERMINAL_REASON.failed, item.instance, executionId)
    : { events: delta, cancelled: [] };
  const terminal: HistoryEvent = { OrchestrationFailed: { event_id: nextIdOf(events), details } };
  if (running) delta.push(...events.slice(history.length));
  delta.push(terminal);
  return {
    kind: 'ack',
    executionId,
    delta,
    workerItems: [],
    orchestratorItems: parentNotification(started, terminal, env),
    metadata,
    cancelledActivities: cancelled,
    outcome: 'failed',
    details,
    name: started.name,
    version: started.version,
    replayed: history.length,
  };
}
