import { describe, expect, it } from 'vitest';
import { runTurn, type TurnEnvironment } from '../../orchestration/engine/turn.js';
import { Registry } from '../../orchestration/registry.js';
import { replayCheck } from '../../orchestration/replay-check.js';
import type { OrchestrationContext } from '../../orchestration/index.js';
import type { HistoryEvent, OrchestrationItem, WorkItem } from '../../provider/types/index.js';

/** The pure engine on literal histories: the worked example of runtime-model §2.16, turn by turn. */
describe('replay engine (no I/O)', () => {
  const replaying: boolean[] = [];
  const registry = new Registry();
  registry.addOrchestration('Example', '1.0.0', function* (ctx: OrchestrationContext, input: string) {
    replaying.push(ctx.isReplaying);
    const a: unknown = yield ctx.scheduleActivity('A', input);
    yield ctx.scheduleTimer(1000);
    const ev: unknown = yield ctx.waitForEvent('Go');
    return { a, ev };
  });
  const env: TurnEnvironment = {
    registry,
    clock: () => 10_000,
    uuid: () => '00000000-0000-0000-0000-000000000000',
    maxNewEventsPerTurn: 100,
    parentExecutionIds: new Map(),
    trace: () => {},
  };
  const item = (history: HistoryEvent[], messages: WorkItem[]): OrchestrationItem => ({
    instance: 'i',
    orchestrationName: 'Example',
    executionId: 1,
    version: '1.0.0',
    history,
    messages,
    historyError: null,
    kvSnapshot: {},
  });

  it('records the four turns of §2.16', () => {
    let history: HistoryEvent[] = [];
    const turn = (messages: WorkItem[]) => {
      const plan = runTurn(item(history, messages), env);
      if (plan.kind !== 'ack') throw new Error('expected an ack');
      history = [...history, ...plan.delta];
      return plan;
    };
    const start: WorkItem = {
      StartOrchestration: {
        instance: 'i',
        orchestration: 'Example',
        input: '"x"',
        version: null,
        parent_instance: null,
        parent_id: null,
        execution_id: 1,
      },
    };
    const t1 = turn([start]);
    expect(t1.delta).toEqual([
      {
        OrchestrationStarted: {
          event_id: 1,
          name: 'Example',
          version: '1.0.0',
          input: '"x"',
          parent_instance: null,
          parent_id: null,
        },
      },
      { ActivityScheduled: { event_id: 2, name: 'A', input: '"x"', execution_id: 1 } },
    ]);
    expect(t1.workerItems).toEqual([
      { ActivityExecute: { instance: 'i', execution_id: 1, id: 2, name: 'A', input: '"x"' } },
    ]);
    expect(t1.metadata).toEqual({ orchestrationName: 'Example', orchestrationVersion: '1.0.0' });

    const t2 = turn([{ ActivityCompleted: { instance: 'i', execution_id: 1, id: 2, result: '"r"' } }]);
    expect(t2.delta).toEqual([
      { ActivityCompleted: { event_id: 3, source_event_id: 2, result: '"r"' } },
      { TimerCreated: { event_id: 4, fire_at_ms: 11_000, execution_id: 1 } },
    ]);
    expect(t2.orchestratorItems).toEqual([
      { TimerFired: { instance: 'i', execution_id: 1, id: 4, fire_at_ms: 11_000 } },
    ]);

    const t3 = turn([{ TimerFired: { instance: 'i', execution_id: 1, id: 4, fire_at_ms: 11_000 } }]);
    expect(t3.delta).toEqual([
      { TimerFired: { event_id: 5, source_event_id: 4, fire_at_ms: 11_000 } },
      { ExternalSubscribed: { event_id: 6, name: 'Go' } },
    ]);

    const t4 = turn([{ ExternalRaised: { instance: 'i', name: 'Go', data: '7' } }]);
    expect(t4.delta).toEqual([
      { ExternalEvent: { event_id: 7, name: 'Go', data: '7' } },
      { OrchestrationCompleted: { event_id: 8, output: '{"a":"r","ev":7}' } },
    ]);
    expect(t4.metadata).toEqual({ status: 'Completed', output: '{"a":"r","ev":7}' });
    // The generator starts live only in turn 1 (P = 0); later turns start replaying (§2.15).
    expect(replaying).toEqual([false, true, true, true]);
  });

  it('a changed decision fails the execution with nondeterminism and records no decision', () => {
    const history: HistoryEvent[] = [
      {
        OrchestrationStarted: {
          event_id: 1,
          name: 'Example',
          version: '1.0.0',
          input: '"x"',
          parent_instance: null,
          parent_id: null,
        },
      },
      { TimerCreated: { event_id: 2, fire_at_ms: 5, execution_id: 1 } },
    ];
    const plan = runTurn(item(history, [{ ExternalRaised: { instance: 'i', name: 'Go', data: '1' } }]), env);
    expect(plan).toMatchObject({ kind: 'ack', outcome: 'failed', metadata: { status: 'Failed' } });
    if (plan.kind !== 'ack') return;
    expect(plan.metadata.output).toMatch(/^nondeterministic: schedule mismatch at event 2/);
    expect(plan.delta.map((e) => Object.keys(e)[0])).toEqual(['ExternalEvent', 'OrchestrationFailed']);
    expect(plan.workerItems).toEqual([]);
  });
  it('§2.7: a second same-name event in the batch that resolves the first wait is recorded and skipped, on replay too', () => {
    const waits = new Registry();
    waits.addOrchestration('TwoWaits', '1.0.0', function* (ctx: OrchestrationContext) {
      const first: unknown = yield ctx.waitForEvent('x');
      const second: unknown = yield ctx.waitForEvent('x');
      return [first, second];
    });
    const started: HistoryEvent = {
      OrchestrationStarted: {
        event_id: 1,
        name: 'TwoWaits',
        version: '1.0.0',
        input: 'null',
        parent_instance: null,
        parent_id: null,
      },
    };
    let history: HistoryEvent[] = [started, { ExternalSubscribed: { event_id: 2, name: 'x' } }];
    const raise = (data: string): WorkItem => ({ ExternalRaised: { instance: 'i', name: 'x', data } });
    const turn = (messages: WorkItem[]) => {
      const plan = runTurn({ ...item(history, messages), orchestrationName: 'TwoWaits' }, { ...env, registry: waits });
      if (plan.kind !== 'ack') throw new Error('expected an ack');
      history = [...history, ...plan.delta];
      return plan;
    };
    // Both raised while only the first subscription was in history: the second wait is recorded after the batch's
    // events, so "b" came before it and is kept for audit only (duroxide: has_pending_subscription_slot).
    expect(turn([raise('"a"'), raise('"b"')]).delta).toEqual([
      { ExternalEvent: { event_id: 3, name: 'x', data: '"a"' } },
      { ExternalEvent: { event_id: 4, name: 'x', data: '"b"' } },
      { ExternalSubscribed: { event_id: 5, name: 'x' } },
    ]);
    // Not stuck: the next event raised after the second subscription resolves it, and replay agrees on which.
    expect(turn([raise('"c"')])).toMatchObject({ outcome: 'completed', metadata: { output: '["a","c"]' } });
    expect(replayCheck(history, waits)).toEqual({ ok: true, newDecisions: 0, finished: true });
  });
});
