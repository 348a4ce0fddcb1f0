import { emptySnapshot, type MetricsSnapshot } from '../metrics.js';
import type { ErrorDetails } from '../wire.js';
import { errorCategory, errorType } from './error-classes.js';
import type { Attributes, OtelCounter, OtelHistogram, OtelMeter } from './otel-api.js';

export type Dispatcher = 'orchestration' | 'worker';
export type ActivityOutcome = 'success' | 'app_error' | 'config_error' | 'cancelled' | 'skipped' | 'poison' | 'lost';
export type CompletionStatus = 'success' | 'failed' | 'cancelled' | 'continuedAsNew';

/** Gauge values the runtime observes (§5.2), read by the meter's callbacks. */
export interface GaugeSources {
  busySlots(dispatcher: Dispatcher): number;
  /** Last values polled from the provider at start and every 60 s; null before the first poll. */
  polled(): { activeOrchestrations: number; orchestratorQueue: number; workerQueue: number } | null;
}

const seconds = (ms: number) => ms / 1000;

/**
 * Every metric of §5.2, recorded once: the in-process snapshot (§5.4) always, the OpenTelemetry instruments when a
 * meter is available. Names, labels, units and histogram buckets follow duroxide's metric set.
 */
export class RuntimeMetrics {
  readonly snapshot: MetricsSnapshot = emptySnapshot();
  private readonly i: ReturnType<typeof instruments> | null;

  constructor(meter: OtelMeter | null, gauges?: GaugeSources) {
    this.i = meter ? instruments(meter) : null;
    if (meter && gauges) observeGauges(meter, gauges);
  }

  orchestrationStarted(name: string, version: string, initiatedBy: string): void {
    this.snapshot.orchStarts++;
    this.i?.starts.add(1, { orchestration_name: name, version, initiated_by: initiatedBy });
  }

  /** A committed turn (§5.2 turns, turn duration, replayed events). */
  turn(name: string, outcome: string, durationMs: number, replayedEvents: number): void {
    this.i?.turns.add(1, { orchestration_name: name, outcome });
    this.i?.turnDuration.record(seconds(durationMs), { orchestration_name: name, outcome });
    this.i?.replayed.record(replayedEvents, { orchestration_name: name });
  }

  /** The terminal turn of an execution. */
  orchestrationEnded(
    name: string,
    version: string,
    status: CompletionStatus,
    historySize: number,
    details?: ErrorDetails,
  ): void {
    const s = this.snapshot;
    s.orchCompletions++;
    this.i?.completions.add(1, { orchestration_name: name, version, status });
    this.i?.historySize.record(historySize, { orchestration_name: name });
    if (status === 'continuedAsNew') {
      s.orchContinueAsNew++;
      this.i?.continueAsNew.add(1, { orchestration_name: name });
    }
    if (!details) return;
    s.orchFailures++;
    if ('Application' in details) s.orchApplicationErrors++;
    else if ('Configuration' in details) s.orchConfigurationErrors++;
    else s.orchInfrastructureErrors++;
    this.i?.failures.add(1, {
      orchestration_name: name,
      version,
      error_type: errorType(details),
      error_category: errorCategory(details),
    });
  }

  orchestrationPoisoned(): void {
    this.snapshot.orchPoison++;
    this.i?.orchPoison.add(1);
  }

  activitySettled(name: string, outcome: ActivityOutcome, durationMs?: number): void {
    const s = this.snapshot;
    if (outcome === 'success') s.activitySuccess++;
    else if (outcome === 'app_error') s.activityAppErrors++;
    else if (outcome === 'config_error') s.activityConfigErrors++;
    else if (outcome === 'poison') {
      s.activityPoison++;
      this.i?.activityPoison.add(1);
    }
    this.i?.activityExecutions.add(1, { activity_name: name, outcome });
    if (durationMs !== undefined) {
      this.i?.activityDuration.record(seconds(durationMs), { activity_name: name, outcome });
    }
  }

  subOrchestrationCall(parent: string, child: string, outcome: 'success' | 'failed'): void {
    this.snapshot.suborchestrationCalls++;
    this.i?.subCalls.add(1, { parent_orchestration: parent, child_orchestration: child, outcome });
  }

  providerCall(operation: string, ok: boolean, durationMs: number): void {
    this.i?.providerDuration.record(seconds(durationMs), { operation, status: ok ? 'success' : 'error' });
  }

  providerError(operation: string, retryable: boolean, sqlstate: string | null): void {
    this.snapshot.providerErrors++;
    const labels: Attributes = { operation, error_type: retryable ? 'retryable' : 'permanent' };
    if (sqlstate) labels.sqlstate = sqlstate;
    this.i?.providerErrors.add(1, labels);
  }

  itemFetched(dispatcher: Dispatcher): void {
    if (dispatcher === 'orchestration') this.snapshot.orchDispatcherItemsFetched++;
    else this.snapshot.workerDispatcherItemsFetched++;
    this.i?.fetched.add(1, { dispatcher });
  }

  lockLost(queue: 'orchestrator' | 'worker'): void {
    this.i?.lockLost.add(1, { queue });
  }
}

function instruments(meter: OtelMeter) {
  const counter = (name: string, description: string): OtelCounter => meter.createCounter(name, { description });
  const histogram = (name: string, description: string, unit: string, buckets: number[]): OtelHistogram =>
    meter.createHistogram(name, { description, unit, advice: { explicitBucketBoundaries: buckets } });
  const durationBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    starts: counter('duroxide_orchestration_starts_total', 'Executions started'),
    completions: counter('duroxide_orchestration_completions_total', 'Executions ended'),
    failures: counter('duroxide_orchestration_failures_total', 'Executions failed'),
    continueAsNew: counter('duroxide_orchestration_continue_as_new_total', 'Executions continued as new'),
    turns: counter('duroxide_orchestration_turns_total', 'Committed turns'),
    turnDuration: histogram('duroxide_orchestration_turn_duration_seconds', 'Fetch to ack', 's', durationBuckets),
    replayed: histogram(
      'duroxide_orchestration_replayed_events',
      'Persisted events replayed per turn',
      '{event}',
      [0, 1, 5, 10, 50, 100, 500, 1000, 5000, 10000],
    ),
    historySize: histogram(
      'duroxide_orchestration_history_size',
      'Events at the terminal turn',
      '{event}',
      [10, 50, 100, 500, 1000, 5000, 10000],
    ),
    orchPoison: counter('duroxide_orchestration_poison_total', 'Orchestrations failed as poison'),
    activityPoison: counter('duroxide_activity_poison_total', 'Activities failed as poison'),
    activityExecutions: counter('duroxide_activity_executions_total', 'Activity attempts settled'),
    activityDuration: histogram(
      'duroxide_activity_duration_seconds',
      'Activity handler run time',
      's',
      [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    ),
    subCalls: counter('duroxide_suborchestration_calls_total', 'Child completions accepted by a parent'),
    providerDuration: histogram(
      'duroxide_provider_operation_duration_seconds',
      'Provider call time',
      's',
      durationBuckets,
    ),
    providerErrors: counter('duroxide_provider_errors_total', 'Provider errors seen by the runtime'),
    fetched: counter('duroxide_dispatcher_items_fetched_total', 'Non-empty fetches'),
    lockLost: counter('duroxide_lock_lost_total', 'Locks or leases lost before the ack'),
  };
}

function observeGauges(meter: OtelMeter, sources: GaugeSources): void {
  meter
    .createObservableGauge('duroxide_dispatcher_busy_slots', { description: 'Slots working on an item' })
    .addCallback((result) => {
      for (const dispatcher of ['orchestration', 'worker'] as const) {
        result.observe(sources.busySlots(dispatcher), { dispatcher });
      }
    });
  const polled = (
    name: string,
    description: string,
    pick: (p: NonNullable<ReturnType<GaugeSources['polled']>>) => number,
  ) =>
    meter.createObservableGauge(name, { description }).addCallback((result) => {
      const values = sources.polled();
      if (values) result.observe(pick(values));
    });
  polled('duroxide_active_orchestrations', 'Running instances (polled)', (p) => p.activeOrchestrations);
  polled('duroxide_orchestrator_queue_depth', 'Orchestrator queue depth (polled)', (p) => p.orchestratorQueue);
  polled('duroxide_worker_queue_depth', 'Worker queue depth (polled)', (p) => p.workerQueue);
}
