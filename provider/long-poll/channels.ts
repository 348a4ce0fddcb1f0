import { createHash } from 'node:crypto';

/** The two queues a fetch can wait on: the orchestrator queue and the worker queue. */
export type QueueName = 'orch' | 'work';

export const QUEUES: readonly QueueName[] = ['orch', 'work'];

/**
 * The LISTEN/NOTIFY channel of one queue of a schema (contract v2 §3.15): `dx_<first 16 hex digits of md5(schema
 * name)>_<queue>`, the same string `{schema}._sp_notify_channel` (0007) computes. Channel names are identifiers of at
 * most 63 bytes and a schema name can be 63 bytes of anything, hence the hash; PostgreSQL hashes the name's UTF-8
 * bytes, so this does too.
 */
export function notifyChannel(schema: string, queue: QueueName | 'listen'): string {
  const hash = createHash('md5').update(schema, 'utf8').digest('hex');
  return `dx_${hash.slice(0, 16)}_${queue}`;
}

/**
 * The `application_name` of a schema's long-poll listener connection: the procedures notify only while a connection
 * of that name is open in the database (0015), since notifying transactions commit one at a time.
 */
export const listenerApplicationName = (schema: string): string => notifyChannel(schema, 'listen');
