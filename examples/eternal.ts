import { defineActivity, defineOrchestration, Runtime } from '../orchestration/index.js';
import type { RuntimeProvider } from '../orchestration/index.js';

export const cleanUp = defineActivity('CleanUp', (_ctx, round: number) => `round ${round} cleaned`);

/**
 * An eternal orchestration: one round of work and a pause, then continue-as-new so the history stays short.
 * (It stops after `rounds` here so the example ends.)
 */
export const janitor = defineOrchestration(
  'Janitor',
  function* (ctx, state: { round: number; rounds: number; log: string[] }) {
    const line = yield* ctx.scheduleActivity(cleanUp, state.round);
    yield ctx.scheduleTimer(10);
    const log = [...state.log, line];
    if (state.round + 1 >= state.rounds) return log;
    return yield* ctx.continueAsNew({ round: state.round + 1, rounds: state.rounds, log });
  },
);

export async function main(provider: RuntimeProvider) {
  const runtime = new Runtime(provider, { logLevel: 'warn' }).register(cleanUp, janitor);
  await runtime.start();
  try {
    await runtime.client.startOrchestration('janitor', janitor, { round: 0, rounds: 3, log: [] });
    const log = await runtime.client.waitForOutput('janitor', janitor);
    return { log, executions: await runtime.client.listExecutions('janitor') };
  } finally {
    await runtime.shutdown();
  }
}
