/** 7. The generated wrapper against bare `pg`, and its SQL unprepared (the generated default) against prepared. */
import { benchWrapper } from '../generator/wrapper-bench.js';
import type { Scenario } from '../scenario.js';
import { formatNumber } from '../stats.js';

export const wrappers: Scenario = {
  id: 'wrappers',
  number: 7,
  title: 'Generated wrappers: prepared vs unprepared vs bare pg',
  steps: () => 1,
  async run({ options, progress, connectionString }) {
    const calls = options.quick ? 300 : 5000;
    const figures = await benchWrapper(connectionString, [
      [1, calls],
      [100, Math.ceil(calls / 5)],
    ]);
    progress.step('done');
    return {
      id: this.id,
      title: this.title,
      notes: [
        "One connection, the four sides taking turns call by call: bare pg (its own SQL text), the wrapper's SQL text " +
          'through bare pg unprepared and as a named prepared statement, and the generated wrapper (bind, query, ' +
          'decode every column; unprepared).',
      ],
      tables: [
        {
          title: 'µs per call',
          columns: [
            'rows',
            'bare pg',
            'wrapper SQL unprepared',
            'wrapper SQL prepared',
            'generated wrapper',
            'wrapper/bare',
            'prepared/unprepared',
          ],
          rows: figures.map((f) => [
            f.rows,
            formatNumber(f.bareMicros),
            formatNumber(f.wrapperSqlMicros),
            formatNumber(f.wrapperSqlPreparedMicros),
            formatNumber(f.wrapperMicros),
            formatNumber(f.wrapperMicros / f.bareMicros),
            formatNumber(f.wrapperSqlPreparedMicros / f.wrapperSqlMicros),
          ]),
        },
      ],
      charts: [],
      figures,
    };
  },
};
