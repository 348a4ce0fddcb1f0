import { type Importer, loadOtelApi, type OtelApi, type OtelMeter, type TelemetryOption } from './otel-api.js';
import { Tracing } from './tracing.js';

/** Instrumentation scope name and version on every tracer and meter the runtime creates. */
export const SCOPE = 'duroxide';
export const RUNTIME_VERSION = '0.1.0';

export interface Telemetry {
  tracing: Tracing;
  meter: OtelMeter | null;
  /** Why `@opentelemetry/api` could not be loaded, when telemetry was wanted and is off; for one log line. */
  unavailable?: string;
}

let shared: Promise<{ api: OtelApi | null; error?: unknown }> | undefined;

/**
 * §5.3: `false` → no-ops; otherwise `@opentelemetry/api` is imported on first use (never at module load, so the
 * runtime runs without the package) and the global tracer and meter providers are used unless `option` passes others.
 */
export async function resolveTelemetry(option: TelemetryOption | undefined, importer?: Importer): Promise<Telemetry> {
  if (option === false) return { tracing: Tracing.off, meter: null };
  const loaded = await (importer ? loadOtelApi(importer) : (shared ??= loadOtelApi()));
  const { api } = loaded;
  const tracer = option?.tracer ?? api?.trace.getTracer(SCOPE, RUNTIME_VERSION) ?? null;
  const meter = option?.meter ?? api?.metrics.getMeter(SCOPE, RUNTIME_VERSION) ?? null;
  return {
    tracing: new Tracing(tracer, api, option?.providerSpans ?? false),
    meter,
    ...(api ? {} : { unavailable: String((loaded.error as Error)?.message ?? loaded.error) }),
  };
}
