import { defineActivity, defineOrchestration, Runtime } from '../orchestration/index.js';
import type { RuntimeProvider } from '../orchestration/index.js';

export const wordCount = defineActivity('WordCount', (_ctx, text: string) => text.split(/\s+/).filter(Boolean).length);

/** One activity per document, all in parallel; the results come back in schedule order. */
export const countWords = defineOrchestration('CountWords', function* (ctx, documents: string[]) {
  const results = yield* ctx.all(documents.map((d) => ctx.scheduleActivity(wordCount, d)));
  const counts = results.map((r) => ('ok' in r ? r.ok : 0));
  return { counts, total: counts.reduce((a, b) => a + b, 0) };
});

export async function main(provider: RuntimeProvider) {
  const runtime = new Runtime(provider, { logLevel: 'warn' }).register(wordCount, countWords);
  await runtime.start();
  try {
    await runtime.client.startOrchestration('count-1', countWords, ['a b c', 'd e', 'f', 'durable fan out']);
    return await runtime.client.waitForOutput('count-1', countWords);
  } finally {
    await runtime.shutdown();
  }
}
