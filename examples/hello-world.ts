import { defineActivity, defineOrchestration, Runtime } from '../orchestration/index.js';
import type { RuntimeProvider } from '../orchestration/index.js';

export const greet = defineActivity('Greet', (_ctx, name: string) => `Hello, ${name}!`);

export const helloWorld = defineOrchestration('HelloWorld', function* (ctx, name: string) {
  return yield* ctx.scheduleActivity(greet, name);
});

/** Start one orchestration and wait for its output. */
export async function main(provider: RuntimeProvider): Promise<string> {
  const runtime = new Runtime(provider, { logLevel: 'warn' }).register(greet, helloWorld);
  await runtime.start();
  try {
    await runtime.client.startOrchestration('hello-1', helloWorld, 'World');
    return await runtime.client.waitForOutput('hello-1', helloWorld);
  } finally {
    await runtime.shutdown();
  }
}
