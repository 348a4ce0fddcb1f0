import type pg from 'pg';
import { expectedOutput, instanceIdOf } from './soak-workload.js';

export interface Verdict {
  /** Instances not Completed with the expected output, and completed activities whose effect is missing. */
  lost: number;
  /** Completions recorded twice in a history, and effects beyond one per completion not explained by a redelivery. */
  duplicates: number;
  effects: number;
  problems: string[];
}

interface HistoryRow {
  instance_id: string;
  execution_id: string;
  event_id: string;
  event_type: string;
  source_id: string | null;
}

const COMPLETIONS = new Set(['ActivityCompleted', 'ActivityFailed', 'TimerFired']);
/** Problems listed in full; the rest are counted. */
const SHOWN = 20;

/**
 * Every invariant of the run, read from the database once the runtime has stopped: each orchestration Completed with
 * its output in a single execution, histories numbered 1..n without gaps or repeated completions, one effect per
 * completed activity (more only where an activity was redelivered after a lost ack), both queues empty.
 */
export async function checkInvariants(
  admin: pg.Pool,
  schema: string,
  effectsTable: string,
  instances: number,
  redelivered: number,
): Promise<Verdict> {
  const problems: string[] = [];
  let lost = 0;
  let duplicates = 0;

  const executions = await admin.query<{ instance_id: string; execution_id: string; status: string; output: string }>(
    `SELECT instance_id, execution_id, status, output FROM ${schema}.executions`,
  );
  const byInstance = new Map<string, typeof executions.rows>();
  for (const row of executions.rows) byInstance.set(row.instance_id, [...(byInstance.get(row.instance_id) ?? []), row]);
  for (let n = 0; n < instances; n++) {
    const rows = byInstance.get(instanceIdOf(n)) ?? [];
    const row = rows[0];
    const output = row?.output === null || row?.output === undefined ? undefined : (JSON.parse(row.output) as unknown);
    if (rows.length !== 1 || row?.status !== 'Completed' || output !== expectedOutput(n)) {
      lost++;
      problems.push(`${instanceIdOf(n)}: ${rows.length} executions, ${row?.status ?? 'none'}, output ${row?.output}`);
    }
  }
  if (byInstance.size !== instances) problems.push(`${byInstance.size} instances stored, ${instances} started`);

  const history = await admin.query<HistoryRow>(
    `SELECT instance_id, execution_id, event_id, event_type,
            COALESCE(event_data -> event_type ->> 'source_event_id', event_data ->> 'source_event_id') AS source_id
       FROM ${schema}.history ORDER BY instance_id, execution_id, event_id`,
  );
  const completed = new Set<string>();
  const executionsSeen = new Map<string, HistoryRow[]>();
  for (const row of history.rows) {
    const key = `${row.instance_id}#${row.execution_id}`;
    executionsSeen.set(key, [...(executionsSeen.get(key) ?? []), row]);
  }
  for (const [key, rows] of executionsSeen) {
    const ids = rows.map((row) => Number(row.event_id));
    if (ids.some((id, index) => id !== index + 1)) problems.push(`${key}: event ids ${ids.join(',')}`);
    if (rows[0]?.event_type !== 'OrchestrationStarted' || rows.at(-1)?.event_type !== 'OrchestrationCompleted') {
      problems.push(`${key}: from ${rows[0]?.event_type} to ${rows.at(-1)?.event_type}`);
    }
    const sources = new Set<string>();
    for (const row of rows) {
      if (!COMPLETIONS.has(row.event_type)) continue;
      if (sources.has(row.source_id!)) {
        duplicates++;
        problems.push(`${key}: completion of event ${row.source_id} recorded twice`);
      }
      sources.add(row.source_id!);
      if (row.event_type === 'ActivityCompleted') completed.add(`${row.instance_id}#${row.source_id}`);
    }
  }

  const effects = await admin.query<{ instance_id: string; activity_id: string; runs: string }>(
    `SELECT instance_id, activity_id, count(*) AS runs FROM ${effectsTable} GROUP BY instance_id, activity_id`,
  );
  let extra = 0;
  let effectCount = 0;
  const withEffect = new Set<string>();
  for (const row of effects.rows) {
    const key = `${row.instance_id}#${row.activity_id}`;
    withEffect.add(key);
    effectCount += Number(row.runs);
    extra += Number(row.runs) - 1;
    if (!completed.has(key)) problems.push(`${key}: effect applied for an activity that never completed`);
  }
  for (const key of completed) {
    if (!withEffect.has(key)) {
      lost++;
      problems.push(`${key}: completed without its effect`);
    }
  }
  if (extra !== redelivered) {
    duplicates += Math.max(0, extra - redelivered);
    problems.push(`${extra} effects applied again, ${redelivered} redeliveries seen`);
  }

  const queues = await admin.query<{ orchestrator: string; worker: string }>(
    `SELECT (SELECT count(*) FROM ${schema}.orchestrator_queue) AS orchestrator,
            (SELECT count(*) FROM ${schema}.worker_queue) AS worker`,
  );
  const { orchestrator, worker } = queues.rows[0]!;
  if (orchestrator !== '0' || worker !== '0') {
    problems.push(`queues not empty: ${orchestrator} orchestrator and ${worker} worker messages`);
  }

  const shown = problems.slice(0, SHOWN);
  if (problems.length > SHOWN) shown.push(`… and ${problems.length - SHOWN} more`);
  return { lost, duplicates, effects: effectCount, problems: shown };
}
