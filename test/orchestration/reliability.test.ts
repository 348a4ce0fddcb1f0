import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../orchestration/index.js';
import type { HistoryEvent } from '../../provider/types/index.js';
import { faultyProvider, permanentError, retryableError } from './support/faulty-provider.js';
import {
  eventually,
  hasKind,
  kinds,
  silentLogger,
  useHarness,
  waitForHistory,
  waitForSubscription,
} from './support/harness.js';

const h = useHarness();

describe('E2E reliability', () => {
  it('E2E-44 orchestration poison', async () => {
    const provider = await h.provider();
    const attempts: number[] = [];
    const wrapped = faultyProvider(provider, {
      fetchOrchestrationItem: async (_args, call) => {
        const fetched = await call();
        if (fetched?.item.instance === 'poisoned') attempts.push(fetched.attemptCount);
        return fetched;
      },
      ackOrchestrationItem: (args, call) => {
        const delta = args[2];
        const last = delta.at(-1);
        if (last && 'OrchestrationFailed' in last) return call();
        return Promise.reject(retryableError('ackOrchestrationItem'));
      },
    });
    const rt = h.runtime(wrapped, { maxAttempts: 2 });
    rt.registerOrchestration('Never', function* (ctx: OrchestrationContext) {
      return yield ctx.utcNow();
    });
    await rt.start();
    await rt.client.startOrchestration('poisoned', 'Never');
    const status = await rt.client.waitForOrchestration('poisoned');
    // The provider's attempt counts (v2 §3.2.1): two failed turns, the third fetch is poison.
    expect(attempts).toEqual([1, 2, 3]);
    expect(status).toMatchObject({
      status: 'Failed',
      error: 'poison: orchestration poisoned exceeded 3 attempts (max 2)',
      details: {
        Poison: {
          attempt_count: 3,
          max_attempts: 2,
          message_type: { Orchestration: { instance: 'poisoned', execution_id: 1 } },
        },
      },
    });
    expect(kinds(await provider.read('poisoned'))).toEqual(['OrchestrationStarted', 'OrchestrationFailed']);
    expect((await provider.getInstanceInfo('poisoned')).output).toBe(
      'poison: orchestration poisoned exceeded 3 attempts (max 2)',
    );
    expect(rt.metricsSnapshot().orchPoison).toBe(1);
  });

  it('E2E-44 an injected attempt 11 fails without running the code; a poisoned child fails its parent', async () => {
    const provider = await h.provider();
    const wrapped = faultyProvider(provider, {
      fetchOrchestrationItem: async (_args, call) => {
        const fetched = await call();
        const poisoned = fetched && ['eleven', 'parent::sub::2'].includes(fetched.item.instance);
        return poisoned ? { ...fetched, attemptCount: 11 } : fetched;
      },
    });
    const rt = h.runtime(wrapped);
    let runs = 0;
    rt.registerOrchestration('Counted', function* (ctx: OrchestrationContext) {
      runs++;
      return yield ctx.utcNow();
    });
    rt.registerOrchestration('Parent', function* (ctx: OrchestrationContext) {
      try {
        return yield ctx.scheduleSubOrchestration('Counted');
      } catch {
        return 'must not catch a system failure';
      }
    });
    await rt.start();
    await rt.client.startOrchestration('eleven', 'Counted');
    expect(await rt.client.waitForOrchestration('eleven')).toMatchObject({
      status: 'Failed',
      error: 'poison: orchestration eleven exceeded 11 attempts (max 10)',
    });
    expect(runs).toBe(0);
    expect(kinds(await provider.read('eleven'))).toEqual(['OrchestrationStarted', 'OrchestrationFailed']);
    await rt.client.startOrchestration('parent', 'Parent');
    const parent = await rt.client.waitForOrchestration('parent');
    expect(parent).toMatchObject({
      status: 'Failed',
      error: 'poison: orchestration parent::sub::2 exceeded 11 attempts (max 10)',
      details: { Poison: { message_type: { Orchestration: { instance: 'parent::sub::2' } } } },
    });
    expect(runs).toBe(0);
    expect(kinds(await provider.read('parent'))).toContain('SubOrchestrationFailed');
  });

  it('E2E-45 activity poison', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const provider = await h.provider({ clock });
    const attempts: number[] = [];
    const wrapped = faultyProvider(provider, {
      fetchWorkItem: async (_args, call) => {
        const fetched = await call();
        const execute = fetched && 'ActivityExecute' in fetched.item ? fetched.item.ActivityExecute : null;
        if (execute?.input === '"bad"') attempts.push(fetched!.attemptCount);
        return fetched;
      },
      ackWorkItem: (args, call) => {
        const completion = args[1];
        if (completion && 'ActivityCompleted' in completion && completion.ActivityCompleted.result === '"bad"') {
          return Promise.reject(permanentError('ackWorkItem'));
        }
        return call();
      },
    });
    const rt = h.runtime(wrapped, { maxAttempts: 2, clock });
    const invoked: string[] = [];
    rt.registerActivity('Echo', (_c, v: string) => {
      invoked.push(v);
      return v;
    });
    rt.registerOrchestration('Fan', function* (ctx: OrchestrationContext) {
      return yield ctx.all(['a', 'bad', 'c'].map((v) => ctx.scheduleActivity('Echo', v)));
    });
    await rt.start();
    await rt.client.startOrchestration('fan', 'Fan');
    // Each dropped ack leaves a lease that must expire before the next attempt: move the clock past it once per run.
    await waitForHistory(provider, 'fan', hasKind('ActivityCompleted', 2));
    for (let runs = 1; runs <= 2; runs++) {
      await eventually(async () => (invoked.filter((v) => v === 'bad').length === runs ? true : undefined));
      offset += 1_100;
    }
    const status = await rt.client.waitForOrchestration('fan');
    expect(attempts).toEqual([1, 2, 3]);
    expect(status).toMatchObject({
      status: 'Failed',
      error: 'poison: activity Echo#3 exceeded 3 attempts (max 2)',
      details: {
        Poison: {
          attempt_count: 3,
          max_attempts: 2,
          message_type: { Activity: { instance: 'fan', execution_id: 1, activity_name: 'Echo', activity_id: 3 } },
        },
      },
    });
    expect(rt.metricsSnapshot().activityPoison).toBe(1);
    // The other activities ran once each and were acked normally; only 'bad' was redelivered.
    expect(invoked.filter((v) => v === 'a')).toEqual(['a']);
    expect(invoked.filter((v) => v === 'c')).toEqual(['c']);
    expect(invoked.filter((v) => v === 'bad').length).toBe(2);
  });

  it('E2E-47 crash mid-turn: a lost ack is redone after the lock expires', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const provider = await h.provider({ clock });
    let failed = false;
    const wrapped = faultyProvider(provider, {
      ackOrchestrationItem: (args, call) => {
        if (!failed && args[3].length > 0) {
          failed = true;
          // Like a process dying before its ack: nothing is written and the lock stays until it expires.
          return Promise.reject(Object.assign(new Error('injected crash'), { sqlstate: 'DXL02' }));
        }
        return call();
      },
    });
    const rt = h.runtime(wrapped, { clock });
    rt.registerActivity('Step', (_c, n: number) => n);
    rt.registerOrchestration('Two', function* (ctx: OrchestrationContext) {
      const a = yield ctx.scheduleActivity('Step', 1);
      const b = yield ctx.scheduleActivity('Step', 2);
      return a + b;
    });
    await rt.start();
    await rt.client.startOrchestration('crash', 'Two');
    await eventually(async () => (failed ? true : undefined));
    offset += 1_100;
    expect(await rt.client.waitForOrchestration('crash')).toEqual({ status: 'Completed', output: 3 });
    const scheduled = (await provider.read('crash')).filter((e) => 'ActivityScheduled' in e);
    expect(scheduled).toHaveLength(2);
  });

  it('E2E-49 stop and resume', async () => {
    const provider = await h.provider();
    const register = (rt: ReturnType<typeof h.runtime>) =>
      rt.registerOrchestration('Resume', function* (ctx: OrchestrationContext) {
        return `got ${yield ctx.waitForEvent('Go')}`;
      });
    const first = register(h.runtime(provider));
    await first.start();
    await first.client.startOrchestration('resume', 'Resume');
    await waitForSubscription(provider, 'resume', 'Go');
    await first.shutdown();
    expect(await first.client.getStatus('resume')).toEqual({ status: 'Running' });
    const second = register(h.runtime(provider));
    await second.start();
    await second.client.raiseEvent('resume', 'Go', 'it');
    expect(await second.client.waitForOrchestration('resume')).toEqual({ status: 'Completed', output: 'got it' });
  });

  it('E2E-50 graceful shutdown: idle shutdown is quick, a fetched item is abandoned for another runtime', async () => {
    const provider = await h.provider();
    const idle = h.runtime(provider);
    await idle.start();
    const began = Date.now();
    await idle.shutdown(60_000);
    expect(Date.now() - began).toBeLessThan(30_000); // resolves when slots stop, not at the timeout
    const hook = { stopping: (): Promise<void> => Promise.resolve() };
    const wrapped = faultyProvider(provider, {
      fetchOrchestrationItem: async (_args, call) => {
        const item = await call();
        if (item) await hook.stopping();
        return item;
      },
    });
    const first = h.runtime(wrapped, { orchestrationConcurrency: 1 });
    first.registerOrchestration('Q', function* (ctx: OrchestrationContext) {
      return yield ctx.utcNow();
    });
    hook.stopping = () => {
      void first.shutdown();
      return Promise.resolve();
    };
    await first.start();
    await first.client.startOrchestration('q', 'Q');
    await eventually(async () => (first.metricsSnapshot().orchDispatcherItemsFetched > 0 ? true : undefined));
    await first.shutdown();
    expect(await provider.read('q')).toEqual([]);
    const second = h.runtime(provider).registerOrchestration('Q', function* (ctx: OrchestrationContext) {
      return yield ctx.utcNow();
    });
    await second.start();
    expect((await second.client.waitForOrchestration('q')).status).toBe('Completed');
  });

  it('E2E-51 concurrency: two runtimes never overlap on an instance', async () => {
    const provider = await h.provider();
    const active = new Set<string>();
    let overlaps = 0;
    const windows = faultyProvider(provider, {
      fetchOrchestrationItem: async (_a, call) => {
        const fetched = await call();
        if (fetched) {
          if (active.has(fetched.item.instance)) overlaps++;
          active.add(fetched.item.instance);
        }
        return fetched;
      },
      ackOrchestrationItem: async (args, call) => {
        const token = args[0];
        try {
          return await call();
        } finally {
          for (const id of [...tokens.entries()].filter(([, t]) => t === token).map(([i]) => i)) active.delete(id);
        }
      },
    });
    const tokens = new Map<string, string>();
    const tracked = faultyProvider(windows, {
      fetchOrchestrationItem: async (_a, call) => {
        const fetched = await call();
        if (fetched) tokens.set(fetched.item.instance, fetched.lockToken);
        return fetched;
      },
    });
    const make = () => {
      const rt = h.runtime(tracked, { orchestrationConcurrency: 4, workerConcurrency: 8 });
      rt.registerActivity('Work', (_c, n: number) => n * 2);
      rt.registerOrchestration('Five', function* (ctx: OrchestrationContext) {
        let sum = 0;
        for (let i = 0; i < 5; i++) sum += (yield ctx.scheduleActivity('Work', i)) as number;
        return sum;
      });
      return rt;
    };
    const [a, b] = [make(), make()];
    await Promise.all([a.start(), b.start()]);
    for (let i = 0; i < 20; i++) await a.client.startOrchestration(`c-${i}`, 'Five');
    for (let i = 0; i < 20; i++) {
      expect(await a.client.waitForOrchestration(`c-${i}`)).toEqual({ status: 'Completed', output: 20 });
    }
    expect(overlaps).toBe(0);
  });

  it('E2E-52 provider outage: back-off and recovery; a permanent fetch error is reported and survived', async () => {
    const provider = await h.provider();
    let outage = true;
    let permanentOnce = true;
    const errors: string[] = [];
    const wrapped = faultyProvider(provider, {
      fetchOrchestrationItem: (_a, call) => {
        if (permanentOnce) {
          permanentOnce = false;
          return Promise.reject(permanentError('fetchOrchestrationItem'));
        }
        return outage ? Promise.reject(retryableError('fetchOrchestrationItem')) : call();
      },
      fetchWorkItem: (_a, call) => (outage ? Promise.reject(retryableError('fetchWorkItem')) : call()),
    });
    const rt = h.runtime(wrapped, { onError: (_e, c) => errors.push(c.operation) });
    rt.registerActivity('A', () => 'a');
    rt.registerOrchestration('O', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('A');
    });
    await rt.start();
    await rt.client.startOrchestration('outage', 'O');
    await eventually(async () => (errors.length >= 4 ? true : undefined));
    outage = false;
    expect(await rt.client.waitForOrchestration('outage')).toEqual({ status: 'Completed', output: 'a' });
    expect(errors).toContain('fetchOrchestrationItem');
    expect(errors).toContain('fetchWorkItem');
  });

  it('E2E-53 client inside an activity', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('Trigger', async (ctx) => {
      const client = ctx.getClient();
      await client.startOrchestration('triggered', 'Child', 'trigger');
      const status = await client.waitForOrchestration('triggered');
      return status.status === 'Completed' ? status.output : 'failed';
    });
    rt.registerOrchestration('Child', function* (ctx: OrchestrationContext, s: string) {
      yield ctx.utcNow();
      return `child-got-${s}`;
    });
    rt.registerOrchestration('Outer', function* (ctx: OrchestrationContext) {
      return yield ctx.scheduleActivity('Trigger');
    });
    await rt.start();
    await rt.client.startOrchestration('outer', 'Outer');
    expect(await rt.client.waitForOrchestration('outer')).toEqual({ status: 'Completed', output: 'child-got-trigger' });
  });

  it('E2E-54 exactly-once traces and isReplaying', async () => {
    const provider = await h.provider();
    const lines: string[] = [];
    const replaying: boolean[] = [];
    const rt = h.runtime(provider, {
      logger: { ...silentLogger, info: (f, m) => f.logger === 'duroxide.orchestration' && lines.push(m) },
    });
    rt.registerActivity('A', (_c, n: number) => n);
    rt.registerOrchestration('Traced', function* (ctx: OrchestrationContext) {
      replaying.push(ctx.isReplaying);
      ctx.traceInfo('before 1');
      yield ctx.scheduleActivity('A', 1);
      replaying.push(ctx.isReplaying);
      ctx.traceInfo('before 2');
      yield ctx.scheduleActivity('A', 2);
      ctx.traceInfo('before 3');
      yield ctx.scheduleActivity('A', 3);
      ctx.traceInfo('done');
      return 'ok';
    });
    await rt.start();
    await rt.client.startOrchestration('traced', 'Traced');
    await rt.client.waitForOrchestration('traced');
    expect(lines).toEqual(['before 1', 'before 2', 'before 3', 'done']);
    // turn 1: start live; turn 2: start replaying, after the new completion live; later turns replay both.
    expect(replaying.slice(0, 3)).toEqual([false, true, false]);
  });

  it('E2E-57 replay of everything: stored histories replay without new decisions', async () => {
    const provider = await h.provider();
    const rt = h.runtime(provider);
    rt.registerActivity('A', (_c, n: number) => n);
    rt.registerOrchestration('Mixed', function* (ctx: OrchestrationContext, n: number) {
      const guid = yield ctx.newGuid();
      const r = yield ctx.all([
        ctx.scheduleActivity('A', 1),
        ctx.scheduleTimer(0),
        ctx.scheduleSubOrchestration('Leaf', n),
      ]);
      const race = yield ctx.race(ctx.scheduleActivity('A', 2), ctx.waitForEvent('never'));
      if (n < 1) return yield ctx.continueAsNew(n + 1);
      return { guid: (guid as string).length, r, race };
    });
    rt.registerOrchestration('Leaf', function* (ctx: OrchestrationContext, n: number) {
      return yield ctx.scheduleActivity('A', n);
    });
    await rt.start();
    await rt.client.startOrchestration('mixed', 'Mixed', 0);
    expect((await rt.client.waitForOrchestration('mixed')).status).toBe('Completed');
    const histories: HistoryEvent[][] = [];
    for (const id of await provider.listInstances()) {
      for (const execution of await provider.listExecutions(id))
        histories.push(await provider.readExecution(id, execution));
    }
    // Two executions of `mixed`, and one child per execution (`mixed::sub::4`, `mixed::sub::2.4`).
    expect(histories.length).toBe(4);
    for (const history of histories)
      expect(rt.replayCheck(history)).toMatchObject({ ok: true, newDecisions: 0, finished: true });
  });
});
