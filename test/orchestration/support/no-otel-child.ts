/**
 * A hello-world run in a process where `@opentelemetry/*` cannot be resolved, as in an install without the optional
 * peer: prints one JSON line with whether the package loaded, the orchestration's status, the runtime's metrics
 * snapshot and its warnings.
 */
import { register } from 'node:module';
import { PostgresProvider } from '../../../provider/postgres-provider.js';

const hideOtel = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) {
    throw Object.assign(new Error('Cannot find package ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hideOtel)}`);
const { Runtime } = await import('../../../orchestration/index.js');
const apiLoads = await import('@opentelemetry/api').then(
  () => true,
  () => false,
);
const provider = await PostgresProvider.create({
  connectionString: process.env.DATABASE_URL!,
  schema: process.env.SCHEMA!,
  migrate: false,
  lockTimeoutMs: 1_000,
});
const warnings: string[] = [];
const runtime = new Runtime(provider, {
  dispatcherPollIntervalMs: 10,
  logger: { debug: () => {}, info: () => {}, warn: (_f, m) => warnings.push(m), error: (_f, m) => warnings.push(m) },
  ...(process.env.TELEMETRY === 'explicit' ? { telemetry: {} } : {}),
});
runtime.registerActivity('Hello', (_ctx, name: string) => `Hello, ${name}!`);
runtime.registerOrchestration('HelloWorld', function* (ctx, name: string) {
  ctx.traceInfo('about to greet');
  return (yield ctx.scheduleActivity('Hello', name)) as string;
});
await runtime.start();
await runtime.client.startOrchestration('no-otel', 'HelloWorld', 'World');
const status = await runtime.client.waitForOrchestration('no-otel', 10_000);
await runtime.shutdown();
await provider.close();
process.stdout.write(`${JSON.stringify({ apiLoads, status, metrics: runtime.metricsSnapshot(), warnings })}\n`);
