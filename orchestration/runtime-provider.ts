import type { PostgresProvider } from '../provider/postgres-provider.js';

/**
 * The provider operations the runtime and client use: `PostgresProvider`'s public methods (contract v1). Declared
 * as an interface so tests can wrap the provider to inject faults, and so contract-v2 operations (renewal, attempt
 * counts, long polling) can be added as optional members later without touching the engine.
 */
export type RuntimeProvider = Pick<
  PostgresProvider,
  | 'fetchOrchestrationItem'
  | 'ackOrchestrationItem'
  | 'abandonOrchestrationItem'
  | 'enqueueOrchestratorWork'
  | 'dequeueWorkerPeekLock'
  | 'ackWorker'
  | 'read'
  | 'readExecution'
  | 'latestExecutionId'
  | 'listInstances'
  | 'listExecutions'
  | 'listInstancesByStatus'
  | 'getInstanceInfo'
  | 'getExecutionInfo'
  | 'getSystemMetrics'
  | 'getQueueDepths'
  | 'lockTimeoutMs'
>;
