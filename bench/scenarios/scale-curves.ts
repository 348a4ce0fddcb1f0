/**
 * 6. How cost grows with size, procedures and inline alike: fetch and ack against history length, idle fetch and
 * idle dequeue against the backlog behind locks and leases, fetch against queued instances.
 */
import { performance } from 'node:perf_hooks';
import type { Implementation, PostgresProvider } from '../../provider/postgres-provider.js';
import * as calls from '../provider-calls.js';
import type { BenchContext, Chart, Scenario } from '../scenario.js';
import { formatNumber, median } from '../stats.js';
import { IMPLEMENTATIONS } from '../support/providers.js';
import * as work from '../workload.js';

type Point = { implementation: Implementation; size: number; medianMs: number; samples: number[] };

async function timed(task: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await task();
  return performance.now() - begin;
}

async function mustFetch(provider: PostgresProvider) {
  const turn = await calls.fetchTurn(provider);
  if (!turn) throw new Error('nothing to fetch');
  return turn;
}

/** Ack of one turn writing `size` events, and later fetches of that instance with its `size`-event history. */
async function historyCurve(
  context: BenchContext,
  provider: PostgresProvider,
  implementation: Implementation,
  size: number,
) {
  const fetches: number[] = [];
  const acks: number[] = [];
  const builds = context.options.quick ? 1 : 5;
  const fetchesPerBuild = context.options.quick ? 3 : 5;
  // Emptied once per size, not per build: a TRUNCATE invalidates every cached plan, and an ack timed right after one
  // measures the re-planning of each statement rather than the ack.
  await context.providers.reset(implementation);
  for (let build = 0; build < builds; build++) {
    const instance = `history-${size}-${build}`;
    await calls.enqueueOrchestratorMessage(provider, work.startMessage(instance));
    const first = await mustFetch(provider);
    acks.push(
      await timed(() => calls.ackTurn(provider, first.lockToken, work.longHistory(size), [], work.firstTurnMetadata)),
    );
    for (let index = 0; index < fetchesPerBuild; index++) {
      await calls.enqueueOrchestratorMessage(provider, work.externalMessage(instance));
      let turn: calls.FetchedTurn | undefined;
      fetches.push(await timed(async () => (turn = await mustFetch(provider))));
      if (turn!.historyLength !== size + index) throw new Error(`fetched ${turn!.historyLength} events`);
      await calls.ackTurn(
        provider,
        turn!.lockToken,
        [{ ExternalEvent: { event_id: size + index + 1, name: 'Ping', data: '{}' } }],
        [],
        {},
      );
    }
  }
  return { fetches, acks };
}

/** Idle fetches with `size` messages waiting on a locked instance; idle dequeues with `size` items leased. */
async function backlogCurve(
  context: BenchContext,
  provider: PostgresProvider,
  implementation: Implementation,
  size: number,
) {
  const { providers, admin } = context;
  const schema = providers.schemas[implementation];
  const samples = Math.min(context.options.rounds, 50);
  await providers.reset(implementation);
  await calls.enqueueOrchestratorMessage(provider, work.startMessage('locked'));
  await mustFetch(provider);
  if (size > 0) await calls.seedOrchestratorMessages(admin, schema, work.externalMessage('locked'), size);
  const idleFetches: number[] = [];
  for (let index = 0; index < samples; index++) {
    let turn: calls.FetchedTurn | null = null;
    idleFetches.push(await timed(async () => (turn = await calls.fetchTurn(provider))));
    if (turn) throw new Error('an idle fetch found work');
  }
  if (size > 0) {
    await calls.seedWorkItems(admin, schema, work.activityMessage('leased-%'), size);
    await calls.leaseWorkItems(admin, schema, size);
  }
  const idleDequeues: number[] = [];
  for (let index = 0; index < samples; index++) {
    let lease: calls.LeasedWork | null = null;
    idleDequeues.push(await timed(async () => (lease = await calls.fetchWork(provider))));
    if (lease) throw new Error('an idle dequeue found work');
  }
  return { idleFetches, idleDequeues };
}

/** Fetches (each acked, untimed) with `size` instances queued. */
async function queuedCurve(
  context: BenchContext,
  provider: PostgresProvider,
  implementation: Implementation,
  size: number,
) {
  const { providers, admin } = context;
  await providers.reset(implementation);
  await calls.seedOrchestratorMessages(admin, providers.schemas[implementation], work.startMessage('queued-%'), size);
  const fetches: number[] = [];
  for (let index = 0; index < Math.min(context.options.rounds, 30); index++) {
    let turn: calls.FetchedTurn | undefined;
    fetches.push(await timed(async () => (turn = await mustFetch(provider))));
    await calls.ackTurn(provider, turn!.lockToken, work.oneTurnEvents, [], work.oneTurnMetadata);
  }
  return fetches;
}

const point = (implementation: Implementation, size: number, samples: number[]): Point => ({
  implementation,
  size,
  medianMs: median(samples),
  samples,
});

const chart = (file: string, title: string, xLabel: string, points: Point[], logX = true): Chart => ({
  file,
  title,
  xLabel,
  yLabel: 'median ms',
  logX,
  series: IMPLEMENTATIONS.map((implementation) => ({
    name: implementation,
    points: points
      .filter((p) => p.implementation === implementation)
      .map((p) => [p.size, p.medianMs] as [number, number]),
  })),
});

const rowsOf = (label: string, points: Point[]) =>
  [...new Set(points.map((p) => p.size))].map((size) => {
    const of = (implementation: Implementation) =>
      points.find((p) => p.size === size && p.implementation === implementation)!;
    return [
      label,
      size.toLocaleString('en-US'),
      formatNumber(of('procedures').medianMs),
      formatNumber(of('inline').medianMs),
      formatNumber(of('procedures').medianMs / of('inline').medianMs),
    ];
  });

export const scaleCurves: Scenario = {
  id: 'scale',
  number: 6,
  title: 'Scale curves',
  steps: (options) => 2 * (options.historySizes.length + options.backlogSizes.length + options.queuedSizes.length),
  async run(context) {
    const { options, providers, progress } = context;
    const fetchVsHistory: Point[] = [];
    const ackVsEvents: Point[] = [];
    const idleFetchVsBacklog: Point[] = [];
    const idleDequeueVsLeased: Point[] = [];
    const fetchVsQueued: Point[] = [];
    const open = await providers.open(2);
    try {
      // Implementations alternate size by size, so a change of load on a shared machine hits both sides of a ratio.
      for (const size of options.historySizes) {
        for (const implementation of IMPLEMENTATIONS) {
          const provider = open.byImplementation[implementation];
          const { fetches, acks } = await historyCurve(context, provider, implementation, size);
          fetchVsHistory.push(point(implementation, size, fetches));
          ackVsEvents.push(point(implementation, size, acks));
          progress.step(`history ${size}, ${implementation}`);
        }
      }
      for (const size of options.backlogSizes) {
        for (const implementation of IMPLEMENTATIONS) {
          const provider = open.byImplementation[implementation];
          const { idleFetches, idleDequeues } = await backlogCurve(context, provider, implementation, size);
          idleFetchVsBacklog.push(point(implementation, size, idleFetches));
          idleDequeueVsLeased.push(point(implementation, size, idleDequeues));
          progress.step(`backlog ${size}, ${implementation}`);
        }
      }
      for (const size of options.queuedSizes) {
        for (const implementation of IMPLEMENTATIONS) {
          const provider = open.byImplementation[implementation];
          fetchVsQueued.push(point(implementation, size, await queuedCurve(context, provider, implementation, size)));
          progress.step(`queued ${size}, ${implementation}`);
        }
      }
      for (const implementation of IMPLEMENTATIONS) await providers.reset(implementation);
    } finally {
      await open.close();
    }
    return {
      id: this.id,
      title: this.title,
      notes: [
        'History: one turn acks N events (timed: "ack of N events"), then turns of one external event each fetch ' +
          'the N-event history (timed). Backlog: one instance locked by a fetch with N messages waiting, and N worker ' +
          'items leased; idle fetches and dequeues timed. Queued: N instances each with a start message; fetches timed.',
      ],
      tables: [
        {
          title: 'Median latency, ms',
          columns: ['curve', 'N', 'procedures', 'inline', 'procedures/inline'],
          rows: [
            ...rowsOf('fetch, history of N events', fetchVsHistory),
            ...rowsOf('ack of N events', ackVsEvents),
            ...rowsOf('idle fetch, N messages on a locked instance', idleFetchVsBacklog),
            ...rowsOf('idle dequeue, N leased items', idleDequeueVsLeased),
            ...rowsOf('fetch, N queued instances', fetchVsQueued),
          ],
        },
      ],
      charts: [
        chart('fetch-vs-history.svg', 'Fetch vs history length', 'events in the history', fetchVsHistory),
        chart('ack-vs-events.svg', 'Ack vs events in the ack', 'events acked in one turn', ackVsEvents),
        chart(
          'idle-fetch-vs-backlog.svg',
          'Idle fetch vs messages on a locked instance',
          'waiting messages',
          idleFetchVsBacklog,
          false,
        ),
        chart(
          'idle-dequeue-vs-leased.svg',
          'Idle dequeue vs leased worker items',
          'leased items',
          idleDequeueVsLeased,
          false,
        ),
        chart('fetch-vs-queued.svg', 'Fetch vs queued instances', 'queued instances', fetchVsQueued),
      ],
      figures: { fetchVsHistory, ackVsEvents, idleFetchVsBacklog, idleDequeueVsLeased, fetchVsQueued },
    };
  },
};
