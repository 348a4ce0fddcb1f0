import type { RuntimeProvider } from '../runtime-provider.js';
import type { RuntimeMetrics } from './runtime-metrics.js';
import type { Tracing } from './tracing.js';

/**
 * Wraps every provider method: its duration goes to `duroxide_provider_operation_duration_seconds` and, with
 * `providerSpans`, a `duroxide.provider.<operation>` CLIENT span (child of the active turn or activity span) covers it.
 */
export function instrumentProvider(
  provider: RuntimeProvider,
  metrics: RuntimeMetrics,
  tracing: Tracing,
): RuntimeProvider {
  return new Proxy(provider, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = (value as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        const span = tracing.providerSpans
          ? tracing.start(`duroxide.provider.${property}`, 'CLIENT', { 'db.system': 'postgresql' })
          : undefined;
        const began = performance.now();
        try {
          const result = await method(...args);
          metrics.providerCall(property, true, performance.now() - began);
          return result;
        } catch (error) {
          metrics.providerCall(property, false, performance.now() - began);
          span?.fail((error as Error)?.message ?? String(error));
          throw error;
        } finally {
          span?.end();
        }
      };
    },
  });
}
