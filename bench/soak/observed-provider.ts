import type { PostgresProvider } from '../../provider/postgres-provider.js';
import type { RuntimeProvider } from '../../orchestration/index.js';
import { activityKey } from './soak-workload.js';

/** What the runtime's calls achieved, as the provider answered them. */
export interface AckTally {
  /** Committed orchestration turns (acks the provider answered with success). */
  turns: number;
  /** Activity completions and failures the provider accepted, by instance, execution and activity id. */
  readonly acked: Set<string>;
}

/**
 * The provider as the runtime sees it, noting each acknowledgement that succeeded: an activity run again after its
 * ack succeeded is a duplicate, one run again after a failed ack is an allowed redelivery.
 */
export function observedProvider(provider: PostgresProvider): { provider: RuntimeProvider; tally: AckTally } {
  const tally: AckTally = { turns: 0, acked: new Set() };
  const overrides: Partial<RuntimeProvider> = {
    async ackOrchestrationItem(...args) {
      await provider.ackOrchestrationItem(...args);
      tally.turns++;
    },
    async ackWorkItem(token, completion) {
      await provider.ackWorkItem(token, completion);
      const body =
        completion === null
          ? null
          : 'ActivityCompleted' in completion
            ? completion.ActivityCompleted
            : 'ActivityFailed' in completion
              ? completion.ActivityFailed
              : null;
      if (body) tally.acked.add(activityKey(body.instance, body.execution_id, body.id));
    },
  };
  const observed = new Proxy(provider, {
    get(target, property) {
      const own = (overrides as Record<PropertyKey, unknown>)[property];
      if (own) return own;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { provider: observed, tally };
}
