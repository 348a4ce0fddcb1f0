import type { ExecutionMetadata, OrchestrationItem } from '../../provider/types/index.js';
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
      const previous = first.OrchestrationStarted;
      const started: StartedBody = {
        ...previous,
        event_id: 1,
        name: next.orchestration,
        version: resolution.version,
        input: next.input,
      };
      frame = { executionId: item.executionId + 1, baseline: [], started, newStart: true, startedBy: 'continueAsNew' };
    } else {
      const started = first.OrchestrationStarted;
      frame = { executionId: item.executionId, baseline: history, started, newStart: false };
    }
  }
  return runExecution(item, frame, completions, env);
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
      outcome,
      name: started.name,
      version: started.version,
      replayed: persisted,
    };
    if (details) result.details = details;
    if (frame.startedBy) result.startedBy = frame.startedBy;
    return result;
  };
  const fail = (
    details: ErrorDetails,
    events: HistoryEvent[],
    extraItems: WorkItem[] = [],
    outcome: TurnOutcome = 'failed',
  ) => {
    const terminal: HistoryEvent = { OrchestrationFailed: { event_id: nextIdOf(events), details } };
    const delta = [...events.slice(persisted), terminal];
    const items = [...extraItems, ...parentNotification(started, terminal, env)];
    return plan(outcome, delta, [], items, { status: 'Failed', output: displayMessage(details) }, details);
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

  const events = [...working, ...execution.newDecisions.map((d) => d.event)];
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
    const orchestratorItems = [
      ...mergeByDecision(
        decisionItems,
        detachedItems,
        execution.newDecisions.map((d) => d.decision.kind),
      ),
      ...loserCancels,
    ];
    return plan('continue', events.slice(persisted), workerItems, orchestratorItems, {});
  }
  if (outcome.kind === 'continuedAsNew') {
    const terminal: HistoryEvent = {
      OrchestrationContinuedAsNew: { event_id: nextIdOf(events), input: outcome.input },
    };
    const next: WorkItem = {
      ContinueAsNew: {
        instance: item.instance,
        orchestration: started.name,
        input: outcome.input,
        version: outcome.version,
      },
    };
    return plan(
      'continuedAsNew',
      [...events.slice(persisted), terminal],
      [],
      [...detachedItems, ...loserCancels, next],
      { status: 'ContinuedAsNew', output: outcome.input },
    );
  }
  if (outcome.kind === 'threw') {
    return fail(applicationError('OrchestrationFailed', messageOf(outcome.error)), events, [
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
      events,
      [...detachedItems, ...loserCancels],
    );
  }
  const terminal: HistoryEvent = { OrchestrationCompleted: { event_id: nextIdOf(events), output } };
  return plan(
    'completed',
    [...events.slice(persisted), terminal],
    [],
    [...detachedItems, ...loserCancels, ...parentNotification(started, terminal, env)],
    { status: 'Completed', output },
  );
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
  const terminal: HistoryEvent = { OrchestrationFailed: { event_id: nextIdOf([...history, ...delta]), details } };
  if (delta.length > 0) (terminal.OrchestrationFailed as { event_id: number }).event_id = 2;
  delta.push(terminal);
  return {
    kind: 'ack',
    executionId,
    delta,
    workerItems: [],
    orchestratorItems: parentNotification(started, terminal, env),
    metadata,
    outcome: 'failed',
    details,
    name: started.name,
    version: started.version,
    replayed: history.length,
  };
}
