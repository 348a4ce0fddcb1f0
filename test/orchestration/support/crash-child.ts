/**
 * A runtime in its own process, for crash scenarios: the test SIGKILLs it. Every activity invocation is appended to
 * INVOCATIONS_FILE before it runs, so the test can see what ran; with HANG_STEP the named step never finishes.
 */
import { appendFileSync } from 'node:fs';
import { PostgresProvider } from '../../../provider/postgres-provider.js';
import { Runtime } from '../../../orchestration/index.js';
import { registerSteps } from './steps.js';

const provider = await PostgresProvider.create({
  connectionString: process.env.DATABASE_URL!,
  schema: process.env.SCHEMA!,
  migrate: false,
  lockTimeoutMs: 1_000,
});
const runtime = new Runtime(provider, {
  dispatcherPollIntervalMs: 10,
  logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
});
registerSteps(runtime, (step) => {
  appendFileSync(process.env.INVOCATIONS_FILE!, `${step}\n`);
  if (step === process.env.HANG_STEP) return new Promise<never>(() => {});
  return undefined;
});
await runtime.start();
process.stdout.write('ready\n');
