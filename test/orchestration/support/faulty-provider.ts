import type { RuntimeProvider } from '../../../orchestration/index.js';
import { ProviderError } from '../../../provider/provider-error.js';

type Method = Exclude<keyof RuntimeProvider, 'lockTimeoutMs'>;
type Interceptor<M extends Method> = (
  args: Parameters<RuntimeProvider[M]>,
  call: () => ReturnType<RuntimeProvider[M]>,
) => ReturnType<RuntimeProvider[M]>;

/** Wraps a provider so a test can fail, delay or observe any call. */
export function faultyProvider(inner: RuntimeProvider, hooks: { [M in Method]?: Interceptor<M> }): RuntimeProvider {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const hook = hooks[property as Method];
      const bound = (value as (...a: unknown[]) => unknown).bind(target);
      if (!hook) return bound;
      return (...args: unknown[]) => hook(args as never, () => bound(...args) as never);
    },
  });
}

export const retryableError = (operation: string) => new ProviderError(operation, 'injected outage', '40001', true);
export const permanentError = (operation: string) =>
  new ProviderError(operation, 'injected: relation does not exist', '42P01', false);
