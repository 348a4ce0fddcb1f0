import { decode, encode } from '../codec.js';
import { OrchestrationContext, type TraceLevel } from '../context.js';
import type { OrchestrationFn } from '../definitions.js';
import { TaskFailedError } from '../errors.js';
import { RACE_ERROR, retryRoutine, validateRetryPolicy } from '../retry.js';
import { isTask, type TaskSpec } from '../tasks.js';
import { bodyOf, eventIdOf, type HistoryEvent, kindOf } from '../wire.js';
import { type Decision, failed, ok, type Routine, type Settled, type Subscription, type TaskNode } from './nodes.js';
import { childInstanceId } from './child-id.js';
import { NondeterminismError } from './nondeterminism.js';

const DECISION_EVENTS: Record<string, Decision['kind']> = {
  ActivityScheduled: 'activity',
  TimerCreated: 'timer',
  ExternalSubscribed: 'wait',
  SubOrchestrationScheduled: 'sub',
  OrchestrationChained: 'detached',
  SystemCall: 'system',
};
const EVENT_OF: Record<Decision['kind'], string> = Object.fromEntries(
  Object.entries(DECISION_EVENTS).map(([event, kind]) => [kind, event]),
) as Record<Decision['kind'], string>;

const COMPLETION_FAMILY: Record<string, 'activity' | 'timer' | 'sub'> = {
  ActivityCompleted: 'activity',
  ActivityFailed: 'activity',
  TimerFired: 'timer',
  SubOrchestrationCompleted: 'sub',
  SubOrchestrationFailed: 'sub',
};

export const isDecisionEvent = (event: HistoryEvent): boolean => {
  const kind = kindOf(event);
  if (!(kind in DECISION_EVENTS)) return false;
  return !(kind === 'SystemCall' && String(bodyOf(event).op).startsWith('trace:'));
};

export type WalkOutcome =
  | { kind: 'completed'; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'continuedAsNew'; input: string; version: string | null }
  | { kind: 'nondeterminism'; message: string }
  | { kind: 'turnLimit' };

export interface NewDecision {
  decision: Decision;
  event: HistoryEvent;
}

export interface ExecutionSetup {
  instance: string;
  executionId: number;
  name: string;
  version: string;
  fn: OrchestrationFn;
  input: unknown;
  clock: () => number;
  uuid: () => string;
  maxNewEvents: number;
  trace: (level: TraceLevel, message: string) => void;
  /** `OrchestrationStarted.initial_custom_status`: the value continue-as-new carried over. */
  initialCustomStatus: string | null;
}

/**
 * One turn's run of the generator against the working history (§2.5): matches decisions to decision events,
 * delivers completions one at a time, then records the decisions made beyond the history.
 */
export class Execution {
  private readonly queue: Decision[] = [];
  private readonly open = new Map<number, TaskNode>();
  private readonly subscriptions = new Map<string, Subscription[]>();
  private readonly arrivals = new Map<string, string[]>();
  private replaying = false;
  outcome: WalkOutcome | undefined;
  readonly newDecisions: NewDecision[] = [];
  /** Children of races decided live, to cancel in this turn's ack. */
  readonly loserCancels: string[] = [];
  /** `ActivityScheduled` ids of activities that lost races decided live, to cancel in this turn's ack (v2 §6). */
  readonly loserActivities: number[] = [];
  /** Live custom-status changes, in call order (§1.4.8). */
  readonly customStatusUpdates: (string | null)[] = [];
  private readonly ctx: OrchestrationContext;
  private readonly root: Coroutine;
  private nextId: number;

  constructor(
    private readonly setup: ExecutionSetup,
    private readonly history: HistoryEvent[],
    private readonly persisted: number,
  ) {
    this.nextId = history.length === 0 ? 1 : eventIdOf(history.at(-1)!) + 1;
    const ctx = new OrchestrationContext(setup.instance, setup.executionId, setup.name, setup.version, {
      isReplaying: () => this.replaying,
      trace: setup.trace,
      initialCustomStatus: setup.initialCustomStatus,
      customStatusChanged: (status) => this.customStatusUpdates.push(status),
    });
    this.ctx = ctx;
    this.root = new Coroutine(
      () => {
        const generator = setup.fn(ctx, setup.input) as unknown;
        const g = generator as { next?: unknown; throw?: unknown } | null;
        if (typeof g?.next !== 'function' || typeof g.throw !== 'function') {
          throw new TypeError(`orchestration '${setup.name}' did not return a generator`);
        }
        return generator as Generator<unknown, unknown, unknown>;
      },
      this,
      true,
    );
  }

  /** The custom status as the code left it (carried over by continue-as-new). */
  get customStatus(): string | null {
    return this.ctx.getCustomStatus();
  }

  /** Runs the walk; afterwards `outcome` is set or the generator is blocked, and `newDecisions` holds the delta. */
  run(): void {
    try {
      this.walk();
    } catch (error) {
      if (!(error instanceof NondeterminismError)) throw error;
      this.outcome = { kind: 'nondeterminism', message: error.message };
    }
  }

  private walk(): void {
    const W = this.history;
    const P = this.persisted;
    let mustPoll = true;
    let trigger = -1;
    let i = 0;
    for (; i < W.length && !this.outcome; i++) {
      if (mustPoll) {
        this.poll(trigger >= 0 ? trigger < P : P > 0);
        mustPoll = false;
        if (this.outcome) break;
      }
      if (this.apply(W[i]!)) {
        mustPoll = true;
        trigger = i;
      }
    }
    if (!this.outcome && mustPoll) this.poll(trigger >= 0 ? trigger < P : P > 0);
    if (this.outcome) {
      // Decisions queued before the end (e.g. the other children of a race) may still be matched by the rest.
      for (; i < W.length; i++) {
        const event = W[i]!;
        if (!isDecisionEvent(event)) continue;
        if (this.queue.length === 0) {
          throw new NondeterminismError(
            `orchestration ended but history has ${kindOf(event)} at event ${eventIdOf(event)}`,
          );
        }
        this.apply(event);
      }
    }
    while (this.record() && !this.outcome) this.poll(false);
  }

  private poll(replaying: boolean): void {
    this.replaying = replaying;
    this.root.run();
    if (!this.outcome && this.root.result) {
      this.outcome = this.root.result.ok
        ? { kind: 'completed', value: this.root.result.value }
        : { kind: 'threw', error: this.root.result.error };
    }
  }

  // --- history events -------------------------------------------------------------------------------------------

  private apply(event: HistoryEvent): boolean {
    const kind = kindOf(event);
    const body = bodyOf(event);
    const id = eventIdOf(event);
    if (kind in DECISION_EVENTS) {
      if (kind === 'SystemCall' && String(body.op).startsWith('trace:')) return false;
      const decision = this.queue.shift();
      if (!decision) {
        throw new NondeterminismError(
          `history has ${kind} at event ${id} but the orchestration made no further decision`,
        );
      }
      this.match(decision, kind, body, id);
      return this.bind(decision, id, body);
    }
    const family = COMPLETION_FAMILY[kind];
    if (family) {
      const source = body.source_event_id as number;
      const node = this.open.get(source);
      if (!node) throw new NondeterminismError(`completion without open schedule (event ${id}, source ${source})`);
      if (node.decision!.kind !== family) {
        throw new NondeterminismError(`completion kind mismatch: expected ${node.decision!.kind} (event ${id})`);
      }
      this.open.delete(source);
      node.settled = settledOf(kind, body);
      return true;
    }
    if (kind === 'ExternalEvent') {
      const name = body.name as string;
      const live = (this.subscriptions.get(name) ?? []).filter((s) => !s.cancelled).length;
      const arrived = this.arrivals.get(name) ?? [];
      if (live <= arrived.length) return false;
      arrived.push(body.data as string);
      this.arrivals.set(name, arrived);
      return true;
    }
    return false;
  }

  private match(decision: Decision, kind: string, body: Record<string, unknown>, id: number): void {
    const code = describe(decision);
    const history = `${kind}(${keysOf(kind, body)})`;
    const mismatch = () =>
      new NondeterminismError(`schedule mismatch at event ${id}: history ${history} vs code ${code}`);
    if (DECISION_EVENTS[kind] !== decision.kind) throw mismatch();
    switch (decision.kind) {
      case 'activity':
        if (body.name !== decision.name || body.input !== decision.input) throw mismatch();
        return;
      case 'wait':
        if (body.name !== decision.name) throw mismatch();
        return;
      case 'sub':
        if (body.name !== decision.name || body.input !== decision.input) throw mismatch();
        if (decision.instanceId !== null && body.instance !== decision.instanceId) throw mismatch();
        return;
      case 'detached':
        if (body.name !== decision.name || body.input !== decision.input || body.instance !== decision.instanceId) {
          throw mismatch();
        }
        return;
      case 'system':
        if (body.op !== 'guid' && body.op !== 'utcnow_ms') {
          throw new NondeterminismError(`unknown system operation: ${String(body.op)}`);
        }
        if (body.op !== decision.op) throw mismatch();
        return;
      case 'timer':
        return;
    }
  }

  /** Binds a decision to its event; true when that resolved a task (system calls). */
  private bind(decision: Decision, id: number, body: Record<string, unknown>): boolean {
    const node = decision.node;
    node.eventId = id;
    switch (decision.kind) {
      case 'activity':
      case 'timer':
      case 'sub':
        this.open.set(id, node);
        if (node.cancelOnRecord && decision.kind === 'sub') this.loserCancels.push(body.instance as string);
        if (node.cancelOnRecord && decision.kind === 'activity') this.loserActivities.push(id);
        return false;
      case 'wait': {
        const subscription: Subscription = { name: decision.name!, cancelled: node.lost === true, node };
        node.subscription = subscription;
        const list = this.subscriptions.get(subscription.name) ?? [];
        list.push(subscription);
        this.subscriptions.set(subscription.name, list);
        return false;
      }
      case 'system':
        node.settled = ok(body.op === 'guid' ? body.value : Number(body.value));
        return true;
      case 'detached':
        return false;
    }
  }

  /** Records every queued decision as a new event; true when a system call resolved. */
  private record(): boolean {
    let resolved = false;
    while (this.queue.length > 0) {
      if (this.newDecisions.length >= this.setup.maxNewEvents) {
        this.outcome = { kind: 'turnLimit' };
        return false;
      }
      const decision = this.queue.shift()!;
      const event = this.newEvent(decision, this.nextId++);
      this.newDecisions.push({ decision, event });
      if (this.bind(decision, eventIdOf(event), bodyOf(event))) resolved = true;
    }
    return resolved;
  }

  private newEvent(d: Decision, event_id: number): HistoryEvent {
    const execution_id = this.setup.executionId;
    switch (d.kind) {
      case 'activity':
        return { ActivityScheduled: { event_id, name: d.name!, input: d.input!, execution_id } };
      case 'timer':
        return { TimerCreated: { event_id, fire_at_ms: this.setup.clock() + d.delayMs!, execution_id } };
      case 'wait':
        return { ExternalSubscribed: { event_id, name: d.name! } };
      case 'sub': {
        const instance = d.instanceId ?? childInstanceId(this.setup.instance, this.setup.executionId, event_id);
        return { SubOrchestrationScheduled: { event_id, name: d.name!, instance, input: d.input!, execution_id } };
      }
      case 'detached':
        return { OrchestrationChained: { event_id, name: d.name!, instance: d.instanceId!, input: d.input! } };
      case 'system': {
        const value = d.op === 'guid' ? this.setup.uuid() : String(this.setup.clock());
        return { SystemCall: { event_id, op: d.op!, value, execution_id } };
      }
    }
  }

  // --- tasks ----------------------------------------------------------------------------------------------------

  /** Turns a yielded value into a task node, queueing its decisions; invalid values become a thrown TypeError. */
  schedule(value: unknown, atRoot: boolean): TaskNode {
    if (!isTask(value)) {
      return done(failed(new TypeError(`orchestrations must yield task descriptors, got ${describeValue(value)}`)));
    }
    try {
      validate(value.spec, atRoot);
    } catch (error) {
      return done(failed(error));
    }
    if (value.spec.kind === 'continueAsNew') {
      this.outcome = { kind: 'continuedAsNew', input: encode(value.spec.input), version: value.spec.version };
      return { type: 'prim' };
    }
    return this.build(value.spec);
  }

  private build(spec: TaskSpec): TaskNode {
    const prim = (decision: Omit<Decision, 'node'>): TaskNode => {
      const node: TaskNode = { type: 'prim' };
      node.decision = { ...decision, node };
      this.queue.push(node.decision);
      return node;
    };
    switch (spec.kind) {
      case 'activity':
        return prim({ kind: 'activity', name: spec.name, input: encode(spec.input) });
      case 'timer':
        return prim({ kind: 'timer', delayMs: spec.delayMs });
      case 'wait':
        return prim({ kind: 'wait', name: spec.name });
      case 'sub':
        return prim({
          kind: 'sub',
          name: spec.name,
          input: encode(spec.input),
          instanceId: spec.instanceId,
          version: spec.version,
        });
      case 'detached': {
        const node = prim({
          kind: 'detached',
          name: spec.name,
          input: encode(spec.input),
          instanceId: spec.instanceId,
          version: spec.version,
        });
        node.settled = ok(null);
        return node;
      }
      case 'system':
        return prim({ kind: 'system', op: spec.op });
      case 'all':
      case 'race': {
        const children = spec.tasks.map((task) => this.build((task as { spec: TaskSpec }).spec));
        const node: TaskNode = { type: spec.kind, children };
        if (spec.kind === 'all' && children.length === 0) node.settled = ok([]);
        return node;
      }
      case 'retry':
        return this.routineNode(() => retryRoutine(spec.name, spec.input, spec.policy));
      case 'routine':
        return this.routineNode(spec.start);
      case 'continueAsNew':
        throw new TypeError('continueAsNew cannot be combined with other tasks');
    }
  }

  private routineNode(start: () => Generator<unknown, unknown, unknown>): TaskNode {
    return { type: 'routine', routine: new Coroutine(start, this, false) };
  }

  /** Whether a node has resolved, advancing routines and deciding races on the way (§2.5). */
  evaluate(node: TaskNode): boolean {
    if (node.settled) return true;
    switch (node.type) {
      case 'prim':
        if (node.subscription) this.evaluateWait(node, node.subscription);
        break;
      case 'all': {
        let all = true;
        for (const child of node.children!) if (!this.evaluate(child)) all = false;
        if (all) {
          node.settled = ok(
            node.children!.map((c) =>
              c.settled!.ok ? { ok: c.settled!.value } : { err: errorMessage(c.settled!.error) },
            ),
          );
        }
        break;
      }
      case 'race': {
        const children = node.children!;
        const index = children.findIndex((child) => this.evaluate(child));
        if (index >= 0) {
          const winner = children[index]!.settled!;
          const result = winner.ok ? { index, value: winner.value } : { index, error: errorMessage(winner.error) };
          if (!winner.ok) Object.defineProperty(result, RACE_ERROR, { value: winner.error, enumerable: false });
          node.settled = ok(result);
          children.forEach((child, i) => i !== index && this.lose(child));
        }
        break;
      }
      case 'routine':
        if (node.lost) return false;
        node.routine!.run();
        if (node.routine!.result) node.settled = node.routine!.result;
        break;
      case 'done':
        break;
    }
    return node.settled !== undefined;
  }

  private evaluateWait(node: TaskNode, subscription: Subscription): void {
    if (subscription.cancelled) return;
    const list = this.subscriptions.get(subscription.name)!;
    let position = 0;
    for (const s of list) {
      if (s === subscription) break;
      if (!s.cancelled) position++;
    }
    const data = this.arrivals.get(subscription.name)?.[position];
    if (data !== undefined) node.settled = ok(decode(data));
  }

  /**
   * Marks a race loser (§2.6): waits stop counting, routines stop; children and activities get cancelled once, by the
   * turn that decided the race live (a replay decides it again at the same event and must not repeat the cancel).
   */
  private lose(node: TaskNode): void {
    if (node.settled) return;
    node.lost = true;
    if (node.subscription) node.subscription.cancelled = true;
    if (node.decision?.kind === 'activity' && !this.replaying) {
      if (node.eventId !== undefined) this.loserActivities.push(node.eventId);
      else node.cancelOnRecord = true;
    }
    if (node.decision?.kind === 'sub' && !this.replaying) {
      if (node.eventId !== undefined) {
        const event =
          this.history.find((e) => eventIdOf(e) === node.eventId) ??
          this.newDecisions.find((d) => eventIdOf(d.event) === node.eventId)?.event;
        if (event) this.loserCancels.push(bodyOf(event).instance as string);
      } else node.cancelOnRecord = true;
    }
    node.children?.forEach((child) => this.lose(child));
    if (node.routine?.blockedOn) this.lose(node.routine.blockedOn);
  }
}

/** A generator driven by the engine: the orchestration itself, or a routine such as the retry loop. */
class Coroutine implements Routine {
  private generator: Generator<unknown, unknown, unknown> | undefined;
  blockedOn: TaskNode | undefined;
  result: Settled | undefined;

  constructor(
    private readonly start: () => Generator<unknown, unknown, unknown>,
    private readonly execution: Execution,
    private readonly isRoot: boolean,
  ) {}

  run(): void {
    while (!this.result && !this.execution.outcome) {
      let step: IteratorResult<unknown, unknown>;
      try {
        if (!this.generator) {
          this.generator = this.start();
          step = this.generator.next();
        } else {
          const blocked = this.blockedOn!;
          if (!this.execution.evaluate(blocked)) return;
          const settled = blocked.settled!;
          step = settled.ok ? this.generator.next(settled.value) : this.generator.throw(settled.error);
        }
      } catch (error) {
        this.result = failed(error);
        return;
      }
      if (step.done) {
        this.result = ok(step.value);
        return;
      }
      this.blockedOn = this.execution.schedule(step.value, this.isRoot);
    }
  }
}

function done(settled: Settled): TaskNode {
  return { type: 'done', settled };
}

function validate(spec: TaskSpec, atRoot: boolean): void {
  switch (spec.kind) {
    case 'activity':
    case 'sub':
    case 'detached':
      if (typeof spec.name !== 'string' || spec.name === '')
        throw new TypeError('a task name must be a non-empty string');
      encode(spec.input);
      return;
    case 'retry':
      if (typeof spec.name !== 'string' || spec.name === '')
        throw new TypeError('a task name must be a non-empty string');
      validateRetryPolicy(spec.policy);
      encode(spec.input);
      return;
    case 'timer':
      if (!Number.isSafeInteger(spec.delayMs) || spec.delayMs < 0) {
        throw new TypeError(`timer delay must be a safe integer >= 0, got ${String(spec.delayMs)}`);
      }
      return;
    case 'wait':
      if (typeof spec.name !== 'string') throw new TypeError('event name must be a string');
      return;
    case 'continueAsNew':
      if (!atRoot) throw new TypeError('continueAsNew cannot be combined with other tasks');
      encode(spec.input);
      return;
    case 'race':
      if (spec.tasks.length === 0) throw new TypeError('race() needs at least one task');
    // falls through
    case 'all':
      if (!Array.isArray(spec.tasks)) throw new TypeError(`${spec.kind}() takes an array of tasks`);
      for (const task of spec.tasks) {
        if (!isTask(task)) throw new TypeError(`${spec.kind}() takes task descriptors, got ${describeValue(task)}`);
        validate(task.spec, false);
      }
      return;
    case 'system':
    case 'routine':
      return;
  }
}

function settledOf(kind: string, body: Record<string, unknown>): Settled {
  switch (kind) {
    case 'ActivityCompleted':
    case 'SubOrchestrationCompleted':
      return ok(decode(body.result as string));
    case 'TimerFired':
      return ok(null);
    default:
      return failed(
        new TaskFailedError(body.details as never, kind === 'ActivityFailed' ? 'activity' : 'subOrchestration'),
      );
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeValue(value: unknown): string {
  if (value instanceof Promise) return 'a Promise (orchestrations cannot await)';
  return value === null ? 'null' : typeof value;
}

function describe(d: Decision): string {
  const event = EVENT_OF[d.kind];
  switch (d.kind) {
    case 'activity':
    case 'sub':
    case 'detached':
      return `${event}(${d.name}, ${d.input})`;
    case 'wait':
      return `${event}(${d.name})`;
    case 'system':
      return `${event}(${d.op})`;
    case 'timer':
      return `${event}()`;
  }
}

function keysOf(kind: string, body: Record<string, unknown>): string {
  switch (kind) {
    case 'ActivityScheduled':
    case 'SubOrchestrationScheduled':
    case 'OrchestrationChained':
      return `${String(body.name)}, ${String(body.input)}`;
    case 'ExternalSubscribed':
      return String(body.name);
    case 'SystemCall':
      return String(body.op);
    default:
      return '';
  }
}
