export { Runtime } from './runtime/runtime.js';
export type { RuntimeOptions } from './runtime/options.js';
export { Client, statusOf, type OrchestrationStatus } from './client.js';
export { OrchestrationContext } from './context.js';
export { ActivityContext } from './activity-context.js';
export {
  defineActivity,
  defineOrchestration,
  type ActivityDefinition,
  type OrchestrationDefinition,
  type OrchestrationFn,
  type ActivityFn,
} from './definitions.js';
export { Task, type JoinResult, type RaceResult } from './tasks.js';
export type { RetryPolicy, BackoffSpec } from './retry.js';
export { TaskFailedError, NotSupportedError, TimeoutError, EncodingError, OrchestrationFailedError } from './errors.js';
export { encode, decode, decodeTyped, displayMessage } from './codec.js';
export type { RuntimeProvider } from './runtime-provider.js';
export { jsonLogger, type Logger } from './logger.js';
export type { MetricsSnapshot } from './metrics.js';
export { replayCheck } from './replay-check.js';
