import { describe, expect, it } from 'vitest';
import { isRetryableSqlState, toProcedureError } from '../../generator/runtime/index.js';
import { ProviderError, toProviderError } from '../../provider/provider-error.js';
import { renewalBudgetMs, withReissue } from '../../provider/reissue.js';

/** What pg throws: an Error with the server's SQLSTATE, or Node's socket code, in `code`. */
function driverError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe('failure classification', () => {
  it.for([
    // [what, thrown, retryable, mayHaveCommitted]
    [
      'admin shutdown (pg_terminate_backend, fast shutdown)',
      driverError('terminating connection', '57P01'),
      true,
      true,
    ],
    ['crash of another backend', driverError('terminating connection because of crash', '57P02'), true, true],
    ['starting up or shutting down', driverError('the database system is starting up', '57P03'), true, false],
    ['idle-session timeout', driverError('terminating connection due to idle-session timeout', '57P05'), true, true],
    ['connection failure', driverError('connection failure', '08006'), true, true],
    ['transaction resolution unknown', driverError('unknown', '08007'), true, true],
    ['cannot establish a connection', driverError('no connection', '08001'), true, false],
    ['too many connections', driverError('sorry, too many clients already', '53300'), true, false],
    ['deadlock', driverError('deadlock detected', '40P01'), true, false],
    ['dropped database', driverError('database dropped', '57P04'), false, false],
    ['socket closed under a query', driverError('Connection terminated unexpectedly'), true, true],
    [
      'query on a dead client',
      driverError('Client has encountered a connection error and is not queryable'),
      true,
      false,
    ],
    ['pool could not connect in time', driverError('timeout exceeded when trying to connect'), true, false],
    ['refused', driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true, false],
    ['reset', driverError('read ECONNRESET', 'ECONNRESET'), true, true],
    ['broken pipe (a SQLSTATE-shaped code)', driverError('write EPIPE', 'EPIPE'), true, true],
    ['invalid lock token', driverError('Invalid lock token', 'DXL01'), false, false],
    ['a bug', new TypeError('x is not a function'), false, false],
  ] as const)('%s', ([, thrown, retryable, mayHaveCommitted]) => {
    expect(toProviderError('op', thrown)).toMatchObject({ retryable, mayHaveCommitted });
  });

  it('reads the SQLSTATE through the generated client’s ProcedureError too, with the same verdict', () => {
    const wrapped = toProcedureError('sp_fetch_orchestration_item', driverError('terminating connection', '57P01'));
    expect(wrapped).toMatchObject({ sqlstate: '57P01', retryable: true });
    expect(toProviderError('fetchOrchestrationItem', wrapped)).toMatchObject({
      sqlstate: '57P01',
      retryable: true,
      mayHaveCommitted: true,
    });
    for (const sqlstate of ['57P01', '57P02', '57P03', '08006', '40P01'])
      expect(isRetryableSqlState(sqlstate)).toBe(true);
    expect(isRetryableSqlState('57P04')).toBe(false);
  });
});

describe('re-issuing', () => {
  /** A call that throws each of `failures` in turn, then returns 'done'; counts its attempts. */
  function scripted(failures: Error[]) {
    const state = { attempts: 0 };
    const call = () => {
      const failure = failures[state.attempts++];
      return failure === undefined ? Promise.resolve('done') : Promise.reject(failure);
    };
    return { state, call };
  }
  const options = { pausesMs: [0, 0, 0], onRetry: () => {} };
  const lost = driverError('Connection terminated unexpectedly');
  const refused = driverError('the database system is shutting down', '57P03');

  it('re-issues an ack after a lost connection; a DXL01 then says an earlier attempt may have committed', async () => {
    const { state, call } = scripted([lost, driverError('Invalid lock token', 'DXL01')]);
    const error = await withReissue('ackOrchestrationItem', call, options).catch((e: unknown) => e);

    expect(state.attempts).toBe(2);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ sqlstate: 'DXL01', retryable: false, mayHaveCommitted: true });
    expect((error as Error).message).toMatch(/Invalid lock token.*may have committed/);
  });

  it('does not re-issue an enqueue that may have committed, but does one that never reached the server', async () => {
    const mid = scripted([lost]);
    const error = await withReissue('enqueueOrchestratorWork', mid.call, options).catch((e: unknown) => e);
    expect(mid.state.attempts).toBe(1);
    expect(error).toMatchObject({ retryable: true, mayHaveCommitted: true });

    const before = scripted([refused, refused]);
    expect(await withReissue('enqueueWorkerWork', before.call, options)).toBe('done');
    expect(before.state.attempts).toBe(3);
  });

  it('re-issues as many times as there are pauses, then reports; a read never may-have-committed', async () => {
    const { state, call } = scripted([lost, lost, lost, lost, lost]);
    const retries: number[] = [];
    const error = await withReissue('read', call, {
      pausesMs: [0, 0, 0],
      onRetry: (attempt) => retries.push(attempt),
    }).catch((e: unknown) => e);

    expect(state.attempts).toBe(4);
    expect(retries).toEqual([1, 2, 3]);
    expect(error).toMatchObject({ operation: 'read', retryable: true, mayHaveCommitted: false });
  });
});

describe('re-issuing renewals within a time budget (contract v2 §3.0.2)', () => {
  const refused = driverError('the database system is shutting down', '57P03');

  it('gives a renewal a quarter of the extension, at least 250 ms', () => {
    expect(renewalBudgetMs(30_000)).toBe(7_500);
    expect(renewalBudgetMs(1_000)).toBe(250);
    expect(renewalBudgetMs(1)).toBe(250);
  });

  it('repeats the last pause while the budget lasts, then reports the retryable error', async () => {
    let attempts = 0;
    const pauses: number[] = [];
    const error = await withReissue('renewWorkItemLock', () => (attempts++, Promise.reject(refused)), {
      pausesMs: [5, 10],
      budgetMs: 60,
      onRetry: (_attempt, _error, pauseMs) => pauses.push(pauseMs),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ operation: 'renewWorkItemLock', sqlstate: '57P03', retryable: true });
    expect(pauses.slice(0, 2)).toEqual([5, 10]);
    expect(pauses.every((pause, index) => pause === (index === 0 ? 5 : 10))).toBe(true);
    expect(pauses.reduce((sum, pause) => sum + pause, 0)).toBeLessThanOrEqual(60);
    expect(attempts).toBe(pauses.length + 1);
  });

  it('never re-issues a permanent failure', async () => {
    let attempts = 0;
    const error = await withReissue(
      'renewWorkItemLock',
      () => (attempts++, Promise.reject(driverError('Worker lock expired', 'DXW02'))),
      { pausesMs: [0], budgetMs: 1_000, onRetry: () => {} },
    ).catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect(error).toMatchObject({ sqlstate: 'DXW02', retryable: false });
  });
});
