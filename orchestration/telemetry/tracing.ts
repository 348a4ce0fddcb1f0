import {
  type Attributes,
  type OtelApi,
  type OtelSpan,
  type OtelSpanContext,
  type OtelTracer,
  SPAN_KIND,
  STATUS_ERROR,
} from './otel-api.js';

export type SpanKindName = keyof typeof SPAN_KIND;

/** One span, or nothing when tracing is off; callers never branch on which. */
export interface SpanHandle {
  /** W3C `traceparent` of this span for W3's `trace_context` (§5.3); undefined when not recording. */
  traceparent(): string | undefined;
  set(attributes: Attributes): void;
  rename(name: string): void;
  event(name: string, attributes?: Attributes): void;
  fail(message: string): void;
  end(): void;
  /** Runs `fn` with this span as the active context, so provider spans become its children. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

const NO_SPAN: SpanHandle = {
  traceparent: () => undefined,
  set: () => {},
  rename: () => {},
  event: () => {},
  fail: () => {},
  end: () => {},
  run: (fn) => fn(),
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a W3C `traceparent` names, for a link; undefined for anything malformed. */
export function parseTraceparent(value: unknown): OtelSpanContext | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16), isRemote: true };
}

export function formatTraceparent(context: OtelSpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Starts the spans of §5.3 on a tracer, or does nothing when there is none. */
export class Tracing {
  static readonly off = new Tracing(null, null, false);

  constructor(
    private readonly tracer: OtelTracer | null,
    private readonly api: OtelApi | null,
    /** `duroxide.provider.<operation>` spans (verbose, off by default). */
    readonly providerSpans: boolean,
  ) {}

  get enabled(): boolean {
    return this.tracer !== null;
  }

  /**
   * A span whose parent is the active context (if a context manager propagates one); `links` are `traceparent`
   * strings of producers — links, not parents, because a durable wait may last days (§5.3).
   */
  start(name: string, kind: SpanKindName, attributes: Attributes, links: unknown[] = []): SpanHandle {
    if (!this.tracer) return NO_SPAN;
    const contexts = links.map(parseTraceparent).filter((c): c is OtelSpanContext => c !== undefined);
    const span = this.tracer.startSpan(name, {
      kind: SPAN_KIND[kind],
      attributes,
      ...(contexts.length > 0 ? { links: contexts.map((context) => ({ context })) } : {}),
    });
    return this.handle(span);
  }

  private handle(span: OtelSpan): SpanHandle {
    const api = this.api;
    return {
      traceparent: () => (span.isRecording() ? formatTraceparent(span.spanContext()) : undefined),
      set: (attributes) => void span.setAttributes(attributes),
      rename: (name) => void span.updateName(name),
      event: (name, attributes) => void span.addEvent(name, attributes),
      fail: (message) => void span.setStatus({ code: STATUS_ERROR, message }),
      end: () => span.end(),
      run: (fn) => (api ? api.context.with(api.trace.setSpan(api.context.active(), span), fn) : fn()),
    };
  }
}
