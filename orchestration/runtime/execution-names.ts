/** An execution's orchestration name and version, as the activity context shows them (§1.5). */
export interface ExecutionName {
  name: string;
  version: string;
}

/**
 * Name and version per (instance, execution), remembered from the turns this runtime acked, so that a worker in the
 * same process need not read the instance row for each activity. Both are fixed for an execution's life (continue-as-
 * new starts a new execution), so an entry never goes stale; the map is bounded, oldest entries leave first.
 */
export class ExecutionNames {
  private readonly entries = new Map<string, ExecutionName>();
  constructor(private readonly capacity = 10_000) {}

  get(instance: string, executionId: number): ExecutionName | undefined {
    return this.entries.get(keyOf(instance, executionId));
  }

  set(instance: string, executionId: number, value: ExecutionName): void {
    const key = keyOf(instance, executionId);
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(instance: string, executionId: number): void {
    this.entries.delete(keyOf(instance, executionId));
  }
}

const keyOf = (instance: string, executionId: number) => `${executionId}:${instance}`;
