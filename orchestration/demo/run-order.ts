import type { PostgresProvider } from '../../provider/postgres-provider.js';
import { Runtime } from '../index.js';
import type { Logger } from '../logger.js';
import { charge, label, pack, processOrder, ship } from './order.js';

/** Runs the order orchestration through a `Runtime` and its `Client`; `print` sees progress lines. */
export async function runOrder(provider: PostgresProvider, instance: string, print: (line: string) => void) {
  const quiet = () => {};
  const logger: Logger = {
    debug: quiet,
    info: (fields, message) => {
      if (fields.logger === 'duroxide.orchestration')
        print(`  [${String(fields.instance_id)}#${String(fields.execution_id)}] ${message}`);
    },
    warn: (fields, message) => print(`  warn: ${message} ${typeof fields.error === 'string' ? fields.error : ''}`),
    error: (fields, message) => print(`  error: ${message} ${typeof fields.error === 'string' ? fields.error : ''}`),
  };
  const runtime = new Runtime(provider, { logger, dispatcherPollIntervalMs: 20 }).register(
    charge,
    pack,
    label,
    ship,
    processOrder,
  );
  await runtime.start();
  try {
    const client = runtime.client;
    print(`client: start ${instance}`);
    await client.startOrchestration(instance, processOrder, { id: 42, amount: 990, phase: 'payment' });
    for (;;) {
      const history = await client.readExecutionHistory(instance, 1).catch(() => []);
      if (history.some((e) => 'ExternalSubscribed' in e)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    print(`client: raise Approval for ${instance}`);
    await client.raiseEvent(instance, 'Approval', { by: 'manager' });
    const status = await client.waitForOrchestration(instance, 30_000);
    print(
      `client: ${instance} ${status.status} ${JSON.stringify(status.status === 'Completed' ? status.output : status.error)}`,
    );
    return status;
  } finally {
    await runtime.shutdown();
  }
}
