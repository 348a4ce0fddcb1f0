/** 3. Orchestrations per second at 1, 4 and 16 dispatchers (and as many workers), procedures vs inline. */
import type { Implementation } from '../../provider/postgres-provider.js';
import type { BenchContext, Scenario } from '../scenario.js';
import { formatNumber } from '../stats.js';
import { type LoadFigures, runOrchestrationLoad } from '../support/orchestration-load.js';
import { IMPLEMENTATIONS } from '../support/providers.js';
import { setFsync } from '../support/server-settings.js';

type Row = { settings: string; implementation: Implementation } & LoadFigures;

async function measure(context: BenchContext, settings: string, rows: Row[]): Promise<void> {
  const { options, providers, progress } = context;
  const largest = Math.max(...options.dispatchers);
  const open = await providers.open(2 * largest + 2);
  try {
    for (const dispatchers of options.dispatchers) {
      for (const implementation of IMPLEMENTATIONS) {
        await providers.reset(implementation);
        const figures = await runOrchestrationLoad(open.byImplementation[implementation], {
          dispatchers,
          workers: dispatchers,
          durationMs: options.durationSeconds * 1000,
          prefix: `tp-${dispatchers}`,
        });
        rows.push({ settings, implementation, ...figures });
        progress.step(`${settings}, ${dispatchers} dispatchers, ${implementation}`);
      }
    }
  } finally {
    await open.close();
  }
}

export const throughput: Scenario = {
  id: 'throughput',
  number: 3,
  title: 'Orchestration throughput: procedures vs inline',
  steps: (options) => options.dispatchers.length * 2 * (options.fsyncOffRow ? 2 : 1),
  async run(context) {
    const rows: Row[] = [];
    const notes = [
      `Each run ${context.options.durationSeconds} s (the first fifth, at most 1 s, not counted); an orchestration is ` +
        'two turns and one activity; each completed one enqueues the next (closed loop, short queues).',
    ];
    await measure(context, 'durable', rows);
    if (context.options.fsyncOffRow && context.ownServer) {
      await setFsync(context.admin, false);
      try {
        await measure(context, 'fsync=off', rows);
      } finally {
        await setFsync(context.admin, true);
      }
    } else if (context.options.fsyncOffRow) {
      notes.push(
        'No fsync=off row: DATABASE_URL is set, and the benchmark does not change the settings of your server.',
      );
    }
    const table = [...new Set(rows.map((row) => `${row.settings}|${row.dispatchers}`))].map((key) => {
      const [settings, dispatchers] = key.split('|');
      const of = (implementation: Implementation) =>
        rows.find((row) => `${row.settings}|${row.dispatchers}` === key && row.implementation === implementation)!;
      const errors = [of('procedures'), of('inline')]
        .flatMap((row) => Object.entries(row.errors).map(([code, count]) => `${row.implementation} ${code}×${count}`))
        .join(', ');
      return [
        settings!,
        Number(dispatchers),
        formatNumber(of('procedures').orchestrationsPerSecond),
        formatNumber(of('inline').orchestrationsPerSecond),
        formatNumber(of('procedures').orchestrationsPerSecond / of('inline').orchestrationsPerSecond),
        formatNumber(of('procedures').turnsPerSecond),
        errors || 'none',
      ];
    });
    return {
      id: this.id,
      title: this.title,
      notes,
      tables: [
        {
          title: 'Orchestrations per second (dispatchers = workers)',
          columns: [
            'settings',
            'dispatchers',
            'procedures',
            'inline',
            'procedures/inline',
            'procedures turns/s',
            'errors',
          ],
          rows: table,
        },
      ],
      charts: [
        {
          file: 'throughput.svg',
          title: 'Orchestrations/s vs dispatchers (durable)',
          xLabel: 'dispatchers (= workers)',
          yLabel: 'orchestrations/s',
          logX: true,
          series: IMPLEMENTATIONS.map((implementation) => ({
            name: implementation,
            points: rows
              .filter((row) => row.settings === 'durable' && row.implementation === implementation)
              .map((row) => [row.dispatchers, row.orchestrationsPerSecond] as [number, number]),
          })),
        },
      ],
      figures: rows,
    };
  },
};
