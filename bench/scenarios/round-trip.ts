/** 2. A turn's latency and 8-dispatcher throughput through a proxy adding 0 ms and 1 ms per direction. */
import { performance } from 'node:perf_hooks';
import type { Implementation } from '../../provider/postgres-provider.js';
import * as calls from '../provider-calls.js';
import type { Scenario } from '../scenario.js';
import { formatNumber, median, p99 } from '../stats.js';
import { startDelayProxy } from '../support/delay-proxy.js';
import { runOrchestrationLoad } from '../support/orchestration-load.js';
import { IMPLEMENTATIONS } from '../support/providers.js';
import * as work from '../workload.js';

const DISPATCHERS = 8;

interface Row {
  delayMs: number;
  implementation: Implementation;
  turnMedianMs: number;
  turnP99Ms: number;
  orchestrationsPerSecond: number;
  errors: Record<string, number>;
}

export const roundTrip: Scenario = {
  id: 'round-trip',
  number: 2,
  title: 'Round-trip sensitivity: a turn through a delaying proxy',
  steps: (options) => options.delaysMs.length * 2,
  async run({ options, providers, progress, connectionString }) {
    const rows: Row[] = [];
    const rounds = Math.max(10, Math.ceil(options.rounds / 3));
    for (const delayMs of options.delaysMs) {
      const proxy = await startDelayProxy(connectionString, delayMs);
      const open = await providers.open(2 * DISPATCHERS + 2, proxy.connectionString);
      try {
        const turns: Record<Implementation, number[]> = { procedures: [], inline: [] };
        for (const implementation of IMPLEMENTATIONS) await providers.reset(implementation);
        for (let round = 0; round < rounds + 3; round++) {
          for (const implementation of IMPLEMENTATIONS) {
            const provider = open.byImplementation[implementation];
            await calls.enqueueOrchestratorMessage(provider, work.startMessage(`rt-${delayMs}-${round}`));
            const begin = performance.now();
            const turn = await calls.fetchTurn(provider);
            if (!turn) throw new Error('no turn to fetch');
            await calls.ackTurn(provider, turn.lockToken, work.oneTurnEvents, [], work.oneTurnMetadata);
            if (round >= 3) turns[implementation].push(performance.now() - begin);
          }
        }
        for (const implementation of IMPLEMENTATIONS) {
          await providers.reset(implementation);
          const load = await runOrchestrationLoad(open.byImplementation[implementation], {
            dispatchers: DISPATCHERS,
            workers: DISPATCHERS,
            durationMs: options.durationSeconds * 1000,
            prefix: `rt-load-${delayMs}`,
          });
          rows.push({
            delayMs,
            implementation,
            turnMedianMs: median(turns[implementation]),
            turnP99Ms: p99(turns[implementation]),
            orchestrationsPerSecond: load.orchestrationsPerSecond,
            errors: load.errors,
          });
          progress.step(`${delayMs} ms, ${implementation}`);
        }
      } finally {
        await open.close();
        await proxy.close();
      }
    }
    const of = (delayMs: number, implementation: Implementation) =>
      rows.find((row) => row.delayMs === delayMs && row.implementation === implementation)!;
    return {
      id: this.id,
      title: this.title,
      notes: [
        `Turn = fetch + ack of a one-turn orchestration, ${rounds} samples each; throughput at ${DISPATCHERS} ` +
          `dispatchers + ${DISPATCHERS} workers for ${options.durationSeconds} s. Every connection goes through the ` +
          'in-process proxy, at 0 ms too.',
      ],
      tables: [
        {
          title: 'Through the proxy (delay per direction)',
          columns: [
            'added delay',
            'turn p50 procedures',
            'turn p50 inline',
            'orch/s procedures',
            'orch/s inline',
            'procedures/inline',
          ],
          rows: options.delaysMs.map((delayMs) => [
            `${delayMs} ms`,
            `${formatNumber(of(delayMs, 'procedures').turnMedianMs)} ms`,
            `${formatNumber(of(delayMs, 'inline').turnMedianMs)} ms`,
            formatNumber(of(delayMs, 'procedures').orchestrationsPerSecond),
            formatNumber(of(delayMs, 'inline').orchestrationsPerSecond),
            formatNumber(
              of(delayMs, 'procedures').orchestrationsPerSecond / of(delayMs, 'inline').orchestrationsPerSecond,
            ),
          ]),
        },
      ],
      charts: [],
      figures: rows,
    };
  },
};
