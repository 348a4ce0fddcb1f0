import type { ProviderEvent } from '../../../../provider/provider-events.js';
import type { ProviderError } from '../../../../provider/provider-error.js';

/** Collects a provider's events (its `onEvent`), and lets a test await one without sleeping. */
export class EventLog {
  readonly events: ProviderEvent[] = [];
  private waiters: { matches: (event: ProviderEvent) => boolean; resolve: () => void }[] = [];

  readonly onEvent = (event: ProviderEvent): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.matches(event)) return true;
      waiter.resolve();
      return false;
    });
  };

  /** The errors of the re-issues reported since `from` (an index into `events`). */
  retries(from = 0): ProviderError[] {
    return this.events.slice(from).flatMap((event) => (event.kind === 'retry' ? [event.error] : []));
  }

  count(kind: ProviderEvent['kind']): number {
    return this.events.filter((event) => event.kind === kind).length;
  }

  /** Resolves once `count` events of `kind` have arrived in all. */
  until(kind: ProviderEvent['kind'], count = 1): Promise<void> {
    if (this.count(kind) >= count) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ matches: (event) => event.kind === kind && this.count(kind) >= count, resolve });
    });
  }
}
