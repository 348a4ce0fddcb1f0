/**
 * The part of `@opentelemetry/api` the runtime uses, declared structurally so that the package stays an optional peer
 * dependency (§5.3): nothing here imports it, and the real objects satisfy these shapes.
 */
export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

export interface OtelSpan {
  spanContext(): OtelSpanContext;
  setAttribute(key: string, value: AttributeValue): unknown;
  setAttributes(attributes: Attributes): unknown;
  addEvent(name: string, attributes?: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  updateName(name: string): unknown;
  isRecording(): boolean;
  end(): void;
}

export interface OtelSpanOptions {
  kind?: number;
  attributes?: Attributes;
  links?: { context: OtelSpanContext }[];
}

export interface OtelTracer {
  startSpan(name: string, options?: OtelSpanOptions, context?: unknown): OtelSpan;
}

export interface OtelCounter {
  add(value: number, attributes?: Attributes): void;
}
export interface OtelHistogram {
  record(value: number, attributes?: Attributes): void;
}
export interface OtelObservableResult {
  observe(value: number, attributes?: Attributes): void;
}
export interface OtelObservableGauge {
  addCallback(callback: (result: OtelObservableResult) => void): void;
}
export interface OtelInstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

export interface OtelMeter {
  createCounter(name: string, options?: OtelInstrumentOptions): OtelCounter;
  createHistogram(name: string, options?: OtelInstrumentOptions): OtelHistogram;
  createObservableGauge(name: string, options?: OtelInstrumentOptions): OtelObservableGauge;
}

/** The module's entry points the runtime needs. */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: unknown, span: OtelSpan): unknown;
  };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  context: {
    active(): unknown;
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
      context: unknown,
      fn: F,
      thisArg?: ThisParameterType<F>,
      ...args: A
    ): ReturnType<F>;
  };
}

/** Values of the API's `SpanKind` and `SpanStatusCode` enums (stable since 1.0). */
export const SPAN_KIND = { CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;
export const STATUS_ERROR = 2;

/** `options.telemetry`: `false` turns tracing and OTel metrics off; objects replace the global providers. */
export type TelemetryOption = false | { tracer?: OtelTracer; meter?: OtelMeter; providerSpans?: boolean };

const SPECIFIER = '@opentelemetry/api';

/** A module importer; tests pass one that fails as a missing package does. */
export type Importer = (specifier: string) => Promise<unknown>;
const nativeImport: Importer = (specifier) => import(specifier);

/**
 * Loads `@opentelemetry/api` on first use. Any failure (the package is not installed, or is broken) means "no
 * telemetry": the runtime must run without it, so the error is returned for one log line and never thrown.
 */
export async function loadOtelApi(
  importer: Importer = nativeImport,
): Promise<{ api: OtelApi | null; error?: unknown }> {
  try {
    const loaded = (await importer(SPECIFIER)) as Partial<OtelApi> & { default?: Partial<OtelApi> };
    const api = loaded.trace ? loaded : loaded.default;
    if (!api?.trace || !api.metrics || !api.context) return { api: null, error: new Error(`${SPECIFIER} has no API`) };
    return { api: api as OtelApi };
  } catch (error) {
    return { api: null, error };
  }
}
