import type { ErrorDetails } from './wire.js';
import { displayMessage } from './codec.js';

/** A failed activity, sub-orchestration or retry routine, as orchestration code sees it. */
export class TaskFailedError extends Error {
  override readonly name = 'TaskFailedError';
  constructor(
    readonly details: ErrorDetails,
    readonly task: 'activity' | 'subOrchestration' | 'retry',
  ) {
    super(displayMessage(details));
  }
}

/** An API of duroxide-node this runtime does not offer (yet). */
export class NotSupportedError extends Error {
  override readonly name = 'NotSupportedError';
}

/** A `waitFor*` call that ran out of time. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** A value that cannot cross a durable boundary as JSON. */
export class EncodingError extends TypeError {
  override readonly name = 'EncodingError';
}

/** Thrown by typed waits when the orchestration failed. */
export class OrchestrationFailedError extends Error {
  override readonly name = 'OrchestrationFailedError';
  constructor(
    message: string,
    readonly details: ErrorDetails | undefined,
  ) {
    super(message);
  }
}
