import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import type { Queryable } from '../../../generator/runtime/index.js';
import type * as annotations from '../golden/annotations/expected.js';
import { isProcedureError } from '../golden/annotations/expected.js';
import type * as bigintNumeric from '../golden/bigint-numeric/expected.js';
import type * as names from '../golden/names/expected.js';
import type * as procedures from '../../../generated/procedures.js';
import type { HistoryEvent } from '../../../provider/types/index.js';
import type * as shapes from '../golden/shapes/expected.js';
import type * as types from '../golden/types/expected.js';
import type { Settings, Tag } from '../golden/json-types.js';

// These tests are checked by the TypeScript compiler (`tsc --noEmit` covers test/); the runtime part is trivial.
describe('generated types', () => {
  it('accepts pg Pool, Client, PoolClient and PGlite as Queryable', () => {
    expectTypeOf<pg.Pool>().toExtend<Queryable>();
    expectTypeOf<pg.Client>().toExtend<Queryable>();
    expectTypeOf<pg.PoolClient>().toExtend<Queryable>();
    expectTypeOf<PGlite>().toExtend<Queryable>();
  });

  it('pins params: required as T | null, defaulted as optional, arrays readonly, inputs wider than outputs', () => {
    expectTypeOf<shapes.RangeParams>().toEqualTypeOf<{
      from: number | null;
      step?: number | null;
      count?: number | null;
    }>();
    expectTypeOf<shapes.EachParams>().toEqualTypeOf<{ values: readonly string[] | null }>();
    expectTypeOf<types.EchoTimesParams['tz']>().toEqualTypeOf<Date | string | null>();
    expectTypeOf<types.EchoScalarsParams['big']>().toEqualTypeOf<number | bigint | null>();
    expectTypeOf<types.EchoScalarsParams['numeric']>().toEqualTypeOf<string | number | null>();
    expectTypeOf<types.EchoBytesParams['bytes']>().toEqualTypeOf<Uint8Array | null>();
    expectTypeOf<names.ConcatParams>().toEqualTypeOf<{ arg1: string | null; arg2: string | null }>();
  });

  it('pins @required parameters as T, still optional when they have a default', () => {
    expectTypeOf<annotations.GetAccountParams>().toEqualTypeOf<{ id: number; scale?: number; note?: string | null }>();
    expectTypeOf<annotations.ClaimsOneParams>().toEqualTypeOf<{ count: number }>();
  });

  it('pins rows: nullable unless annotated, with output types', () => {
    expectTypeOf<shapes.RangeRow>().toEqualTypeOf<{ n: number | null; label: string | null }>();
    expectTypeOf<types.EchoTimesRow>().toEqualTypeOf<{
      tz: Date | null;
      ts: Date | null;
      day: Date | null;
      clock: string | null;
      span: string | null;
    }>();
    expectTypeOf<types.EchoScalarsRow['b']>().toEqualTypeOf<number | null>();
    expectTypeOf<types.EchoScalarsRow['n']>().toEqualTypeOf<string | null>();
    expectTypeOf<types.EchoArraysRow['grid']>().toEqualTypeOf<number[][] | null>();
    expectTypeOf<types.EchoMoodRow['mood']>().toEqualTypeOf<'happy' | 'sad' | 'it\'s "complicated"' | null>();
    expectTypeOf<types.Address>().toEqualTypeOf<{
      street: string | null;
      zip: number | null;
      tags: string[] | null;
      movedAt: Date | null;
    }>();
    expectTypeOf<annotations.FindSettingsRow>().toEqualTypeOf<{
      id: number;
      settings: Settings;
      note: string | null;
    }>();
    expectTypeOf<annotations.TagsRow['tags']>().toEqualTypeOf<Tag[] | null>();
  });

  it('pins method results for every shape', () => {
    type Shapes = shapes.Client;
    expectTypeOf<ReturnType<Shapes['range']>>().toEqualTypeOf<Promise<shapes.RangeRow[]>>();
    expectTypeOf<ReturnType<Shapes['add']>>().toEqualTypeOf<Promise<number | null>>();
    expectTypeOf<ReturnType<Shapes['noop']>>().toEqualTypeOf<Promise<void>>();
    expectTypeOf<ReturnType<Shapes['divide']>>().toEqualTypeOf<Promise<shapes.DivideRow>>();
    expectTypeOf<ReturnType<Shapes['each']>>().toEqualTypeOf<Promise<(string | null)[]>>();
    expectTypeOf<ReturnType<Shapes['origin']>>().toEqualTypeOf<Promise<shapes.Point2 | null>>();
    expectTypeOf<ReturnType<Shapes['increment']>>().toEqualTypeOf<Promise<number | null>>();
    type Annotations = annotations.Client;
    expectTypeOf<ReturnType<Annotations['findSettings']>>().toEqualTypeOf<
      Promise<annotations.FindSettingsRow | null>
    >();
    expectTypeOf<ReturnType<Annotations['firstEven']>>().toEqualTypeOf<Promise<number | null>>();
    expectTypeOf<ReturnType<Annotations['storeSettings']>>().toEqualTypeOf<Promise<Settings>>();
    expectTypeOf<ReturnType<Annotations['claimsNotNull']>>().toEqualTypeOf<Promise<number>>();
    expectTypeOf<ReturnType<Annotations['getAccount']>>().toEqualTypeOf<Promise<annotations.GetAccountRow>>();
    expectTypeOf<ReturnType<Annotations['claimsOne']>>().toEqualTypeOf<Promise<number | null>>();
    expectTypeOf<ReturnType<bigintNumeric.Client['bigTotal']>>().toEqualTypeOf<Promise<bigint>>();
    expectTypeOf<ReturnType<bigintNumeric.Client['ratio']>>().toEqualTypeOf<Promise<number | null>>();
  });

  it("exports each procedure's SQLSTATEs as a union", () => {
    expectTypeOf<annotations.FailSqlState>().toEqualTypeOf<'40001' | 'P0002'>();
    expectTypeOf<shapes.CheckPositiveSqlState>().toEqualTypeOf<'22023'>();
    expectTypeOf<shapes.AddSqlState>().toEqualTypeOf<never>();
  });

  it('narrows an error to the SQLSTATEs a procedure raises explicitly', () => {
    expectTypeOf<annotations.ProcedureSqlStates['fail']>().toEqualTypeOf<annotations.FailSqlState>();
    expectTypeOf<annotations.ProcedureSqlStates['getAccount']>().toEqualTypeOf<'22023' | 'P0002'>();
    const error: unknown = new Error('not a procedure error');
    if (isProcedureError(error, 'fail')) expectTypeOf(error.sqlstate).toEqualTypeOf<'40001' | 'P0002'>();
    if (isProcedureError(error, 'fail', 'P0002')) expectTypeOf(error.sqlstate).toEqualTypeOf<'P0002'>();
    if (isProcedureError(error)) expectTypeOf(error.sqlstate).toEqualTypeOf<'40001' | '22023' | 'P0002'>();
    // @ts-expect-error sp_fail never raises 22023 itself
    isProcedureError(error, 'fail', '22023');
    // @ts-expect-error sp_claims_one raises nothing itself, so there is no code to ask for
    isProcedureError(error, 'claimsOne', 'P0002');
    // @ts-expect-error no such method
    isProcedureError(error, 'noSuchMethod');
  });

  it("pins what the project's client annotations (procedures/0004) promise", () => {
    type Client = procedures.Client;
    expectTypeOf<ReturnType<Client['getInstanceInfo']>>().toEqualTypeOf<Promise<procedures.GetInstanceInfoRow>>();
    expectTypeOf<ReturnType<Client['getExecutionInfo']>>().toEqualTypeOf<Promise<procedures.GetExecutionInfoRow>>();
    expectTypeOf<ReturnType<Client['getSystemMetrics']>>().toEqualTypeOf<Promise<procedures.GetSystemMetricsRow>>();
    expectTypeOf<ReturnType<Client['getQueueDepths']>>().toEqualTypeOf<Promise<procedures.GetQueueDepthsRow>>();
    // Still zero or one row: nothing promises more.
    expectTypeOf<ReturnType<Client['fetchOrchestrationItem']>>().toEqualTypeOf<
      Promise<procedures.FetchOrchestrationItemRow | null>
    >();
    expectTypeOf<procedures.GetExecutionInfoParams>().toEqualTypeOf<{
      instanceId: string;
      executionId: number | bigint;
    }>();
    expectTypeOf<procedures.AbandonOrchestrationItemParams>().toEqualTypeOf<{
      lockToken: string;
      nowMs: number | bigint;
      delayMs?: number | bigint | null;
      ignoreAttempt?: boolean | null;
    }>();
    expectTypeOf<procedures.AckOrchestrationItemParams['historyDelta']>().toEqualTypeOf<HistoryEvent[]>();
    expectTypeOf<procedures.AckOrchestrationItemParams['status']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<procedures.ProcedureSqlStates['ackOrchestrationItem']>().toEqualTypeOf<
      '22023' | '23505' | 'DXE01' | 'DXI01' | 'DXL01' | 'DXL02'
    >();
  });
});
