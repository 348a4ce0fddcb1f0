/* eslint-disable @typescript-eslint/no-explicit-any -- duroxide-node's API carries untyped JSON values; definitions narrow them where users declare types */
import type { ActivityContext } from './activity-context.js';
import type { OrchestrationContext } from './context.js';

export type OrchestrationFn<I = any, O = unknown> = (ctx: OrchestrationContext, input: I) => Generator<unknown, O, any>;

export type ActivityFn<I = any, O = unknown> = (ctx: ActivityContext, input: I) => O | Promise<O>;

/** An orchestration declared once with its input and output types, usable wherever a name is accepted. */
export interface OrchestrationDefinition<I = any, O = unknown> {
  readonly type: 'orchestration';
  readonly name: string;
  readonly version: string;
  readonly fn: OrchestrationFn<I, O>;
}

/** An activity declared once with its input and output types. */
export interface ActivityDefinition<I = any, O = unknown> {
  readonly type: 'activity';
  readonly name: string;
  readonly fn: ActivityFn<I, O>;
}

export function defineOrchestration<I = void, O = unknown>(
  name: string,
  fn: OrchestrationFn<I, O>,
  options: { version?: string } = {},
): OrchestrationDefinition<I, O> {
  return Object.freeze({ type: 'orchestration', name, version: options.version ?? '1.0.0', fn });
}

export function defineActivity<I = void, O = unknown>(name: string, fn: ActivityFn<I, O>): ActivityDefinition<I, O> {
  return Object.freeze({ type: 'activity', name, fn });
}

export type InputOf<D> = D extends OrchestrationDefinition<infer I, any> | ActivityDefinition<infer I, any> ? I : never;
export type OutputOf<D> = D extends OrchestrationDefinition<any, infer O> | ActivityDefinition<any, infer O>
  ? Awaited<O>
  : never;

export const nameOf = (target: string | { name: string }): string =>
  typeof target === 'string' ? target : target.name;
