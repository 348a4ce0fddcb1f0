/**
 * 8. Long-poll wake-up latency (enqueue → a waiting fetch returns) and the runtime's end-to-end figures (hello-world
 * latency, fan-out/fan-in throughput). A slot until long polling (migration 0011) lands: it reports that nothing was
 * measured, so the table and the JSON say so rather than leave the row out.
 */
import type { Scenario } from '../scenario.js';

export const longPoll: Scenario = {
  id: 'long-poll',
  number: 8,
  title: 'Long-poll wake-up and runtime end to end',
  steps: () => 1,
  run({ progress }) {
    progress.step('not measured yet');
    return Promise.resolve({
      id: this.id,
      title: this.title,
      notes: ['Not measured yet: long polling (sp_next_visible_at, migration 0011) does not exist on this branch.'],
      tables: [
        {
          title: 'Figures',
          columns: ['figure', 'value'],
          rows: [
            ['long-poll wake-up p50 (enqueue → waiting fetch returns)', 'not measured yet'],
            ['hello-world orchestration p50', 'not measured yet'],
            ['fan-out/fan-in throughput', 'not measured yet'],
          ],
        },
      ],
      charts: [],
      figures: { measured: false },
    });
  },
};
