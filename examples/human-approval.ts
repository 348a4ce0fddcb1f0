import { defineOrchestration, Runtime } from '../orchestration/index.js';
import type { RuntimeProvider } from '../orchestration/index.js';

/** Waits for an `Approval` event, or gives up when the timer fires first: a race of an event and a timer. */
export const approval = defineOrchestration('Approval', function* (ctx, request: { item: string; timeoutMs: number }) {
  const first = yield* ctx.race(ctx.waitForEvent<{ by: string }>('Approval'), ctx.scheduleTimer(request.timeoutMs));
  if (first.index === 1) return `${request.item}: timed out`;
  return `${request.item}: approved by ${(first as { value: { by: string } }).value.by}`;
});

/** One request approved by a person, one left to time out. */
export async function main(provider: RuntimeProvider): Promise<string[]> {
  const runtime = new Runtime(provider, { logLevel: 'warn' }).register(approval);
  await runtime.start();
  try {
    const { client } = runtime;
    await client.startOrchestration('approve-1', approval, { item: 'laptop', timeoutMs: 60_000 });
    await client.startOrchestration('approve-2', approval, { item: 'yacht', timeoutMs: 200 });
    // Raise only once the subscription is in history: earlier events are dropped by design.
    while (
      !(await client.readExecutionHistory('approve-1', 1).catch(() => [])).some((e) => 'ExternalSubscribed' in e)
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await client.raiseEvent('approve-1', 'Approval', { by: 'ann' });
    return [await client.waitForOutput('approve-1', approval), await client.waitForOutput('approve-2', approval)];
  } finally {
    await runtime.shutdown();
  }
}
