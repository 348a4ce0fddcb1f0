/** A settled task: the value a `yield` resumes with, or the error it throws. */
export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

export const ok = (value: unknown): Settled => ({ ok: true, value });
export const failed = (error: unknown): Settled => ({ ok: false, error });

export type DecisionKind = 'activity' | 'timer' | 'wait' | 'sub' | 'detached' | 'system';

/** A decision made by the code and waiting to be matched by a history event or recorded as a new one. */
export interface Decision {
  kind: DecisionKind;
  node: TaskNode;
  name?: string;
  /** Encoded input. */
  input?: string;
  instanceId?: string | null;
  version?: string | null;
  delayMs?: number;
  op?: 'guid' | 'utcnow_ms';
}

export interface Subscription {
  name: string;
  cancelled: boolean;
  node: TaskNode;
}

export interface Routine {
  run(): void;
  readonly result: Settled | undefined;
  readonly blockedOn: TaskNode | undefined;
}

/** The engine's live counterpart of a yielded descriptor. */
export interface TaskNode {
  type: 'prim' | 'all' | 'race' | 'routine' | 'done';
  settled?: Settled;
  lost?: boolean;
  decision?: Decision;
  eventId?: number;
  subscription?: Subscription;
  /** A losing child decided live before its event id was known: cancel it once recorded. */
  cancelOnRecord?: boolean;
  children?: TaskNode[];
  routine?: Routine;
}
