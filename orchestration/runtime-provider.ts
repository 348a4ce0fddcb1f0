import type { PostgresProvider } from '../provider/postgres-provider.js';

/**
 * The provider operations the runtime and client use: `PostgresProvider`'s public methods (contract v2: fetches with
 * attempt counts and long polling, lock renewal, abandon, cancellation by lock stealing, custom status). Declared as
 * an interface so tests can wrap the provider to inject faults.
 */
export type RuntimeProvider = Pick<
  PostgresProvider,
  | 'fetchOrchestrationItem'
  | 'ackOrchestrationItem'
  | 'abandonOrchestrationItem'
  | 'renewOrchestrationItemLock'
  | 'enqueueOrchestratorWork'
  | 'fetchWorkItem'
  | 'ackWorkItem'
  | 'renewWorkItemLock'
  | 'abandonWorkItem'
  | 'getCustomStatus'
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
