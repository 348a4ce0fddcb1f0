/** 1. Every operation of one orchestration's life, procedures vs inline, taking turns round by round. */
import { performance } from 'node:perf_hooks';
import type { Implementation, PostgresProvider } from '../../provider/postgres-provider.js';
import * as calls from '../provider-calls.js';
import type { Scenario } from '../scenario.js';
import { formatNumber, median, p99 } from '../stats.js';
import { IMPLEMENTATIONS } from '../support/providers.js';
import * as work from '../workload.js';

type Step = { name: string; run: (provider: PostgresProvider, instance: string) => Promise<unknown> };

const steps: Step[] = [
  { name: 'enqueue start', run: (p, instance) => calls.enqueueOrchestratorMessage(p, work.startMessage(instance)) },
  {
    name: 'turn 1: fetch + ack (2 events, 1 activity)',
    run: async (p, instance) => {
      const turn = await calls.fetchTurn(p);
      if (turn?.instance !== instance) throw new Error('unexpected fetch result');
      await calls.ackTurn(
        p,
        turn.lockToken,
        work.firstTurnEvents,
        [work.activityMessage(instance)],
        work.firstTurnMetadata,
      );
    },
  },
  {
    name: 'worker: dequeue + ack with completion',
    run: async (p, instance) => {
      const lease = await calls.fetchWork(p);
      if (!lease) throw new Error('no activity');
      await calls.ackWork(p, lease.lockToken, work.completionMessage(instance));
    },
  },
  {
    name: 'turn 2: fetch + ack (complete)',
    run: async (p) => {
      const turn = await calls.fetchTurn(p);
      if (!turn) throw new Error('no completion');
      await calls.ackTurn(p, turn.lockToken, work.lastTurnEvents, [], work.completedMetadata);
    },
  },
  { name: 'read history (4 events)', run: (p, instance) => calls.reads.history(p, instance) },
  { name: 'latest execution id', run: (p, instance) => calls.reads.latestExecutionId(p, instance) },
  { name: 'instance info', run: (p, instance) => calls.reads.instanceInfo(p, instance) },
  { name: 'idle fetch (no work)', run: (p) => calls.fetchTurn(p) },
  { name: 'idle dequeue (no work)', run: (p) => calls.fetchWork(p) },
];

export const perOperation: Scenario = {
  id: 'per-operation',
  number: 1,
  title: 'Per operation: procedures vs inline',
  steps: () => 2,
  async run({ options, providers, progress }) {
    for (const implementation of IMPLEMENTATIONS) await providers.reset(implementation);
    const open = await providers.open(2);
    const samples = new Map<string, Record<Implementation, number[]>>(
      steps.map((step) => [step.name, { procedures: [], inline: [] }]),
    );
    const warmup = Math.ceil(options.rounds / 10);
    try {
      for (let round = 0; round < warmup + options.rounds; round++) {
        if (round === warmup) progress.step('timed rounds');
        for (const implementation of IMPLEMENTATIONS) {
          const instance = `op-${round}`;
          for (const step of steps) {
            const begin = performance.now();
            await step.run(open.byImplementation[implementation], instance);
            if (round >= warmup) samples.get(step.name)![implementation].push(performance.now() - begin);
          }
        }
      }
    } finally {
      await open.close();
    }
    progress.step('done');
    const figures = [...samples].map(([operation, sample]) => ({
      operation,
      proceduresMedianMs: median(sample.procedures),
      proceduresP99Ms: p99(sample.procedures),
      inlineMedianMs: median(sample.inline),
      inlineP99Ms: p99(sample.inline),
      inlineOverProcedures: median(sample.inline) / median(sample.procedures),
    }));
    return {
      id: this.id,
      title: this.title,
      notes: [`${options.rounds} rounds after ${warmup} warm-up, the implementations taking turns round by round.`],
      tables: [
        {
          title: 'Latency per operation, ms',
          columns: ['operation', 'procedures p50', 'p99', 'inline p50', 'p99', 'inline/procedures (p50)'],
          rows: figures.map((f) => [
            f.operation,
            formatNumber(f.proceduresMedianMs),
            formatNumber(f.proceduresP99Ms),
            formatNumber(f.inlineMedianMs),
            formatNumber(f.inlineP99Ms),
            formatNumber(f.inlineOverProcedures),
          ]),
        },
      ],
      charts: [],
      figures,
    };
  },
};
