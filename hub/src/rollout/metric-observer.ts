import pLimit from 'p-limit';
import { DriftlessError, formatDurationMs, isDriftlessError, metricQueries, type Clock, readingOf, type DeliveryPlan, type MetricReading, type MetricSource, type Observations, type Rollout } from '@driftless/core';

/** Queries in flight at once against the metric source, by default. */
export const DEFAULT_METRIC_CONCURRENCY = 16;

/** `Observations.metrics`: check -> subject (a cluster, or the ring) -> reading. */
export type MetricReadings = NonNullable<Observations['metrics']>;

/** Time a step may spend reading metrics, by default (ms): past it, unanswered subjects are errors. */
export const DEFAULT_METRIC_BUDGET_MS = 20_000;

/**
 * Reads every metric a step of a rollout needs (see createMetricObserver).
 * Rejects with `signal`'s reason when it aborts (the lease lost, the server stopping).
 */
export type MetricObserver = (rollout: Rollout, signal?: AbortSignal) => Promise<MetricReadings>;

/** How a metric observer reads. */
export interface MetricObserverOptions {
  /** Times the budget. */
  readonly clock: Clock;
  /** Queries in flight at once (default DEFAULT_METRIC_CONCURRENCY). */
  readonly concurrency?: number;
  /** Per step, ms (default DEFAULT_METRIC_BUDGET_MS). */
  readonly budgetMs?: number;
}

/**
 * A metric observer over `source`: it runs every query `metricQueries`
 * names for the rollout (at most `concurrency` at once) and keeps each
 * answer as core reads it (`readingOf`). A query that throws (the source
 * unreachable after its retries, a query it rejects) becomes that subject's
 * `{ error }` naming the source (`prometheus at URL unreachable: ECONNREFUSED`
 * when it could not be reached, else the error's message): the state machine
 * decides what an error means (it waits, then fails), never a pass.
 *
 * A step never waits on the source for long, since statuses (health halts,
 * reverts) are judged in the same step: past `budgetMs` the queries still
 * running are aborted and every unanswered subject gets an error naming the
 * budget; after the first failure without an HTTP status (network error,
 * timeout: nobody answered) it asks nothing more in that step, so thousands
 * of clusters do not each wait out their retries against a dead server.
 */
export function createMetricObserver(source: MetricSource, options: MetricObserverOptions): MetricObserver {
  const limit = pLimit(options.concurrency ?? DEFAULT_METRIC_CONCURRENCY);
  const budgetMs = options.budgetMs ?? DEFAULT_METRIC_BUDGET_MS;
  return async (rollout, signal) => {
    signal?.throwIfAborted();
    const queries = metricQueries(rollout);
    const readings: (MetricReading | undefined)[] = queries.map(() => undefined);
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Set when the budget or the breaker stopped the step's reads: what every unanswered subject is told.
    let stopped: ((unanswered: number) => string) | undefined;
    const halt = (why: (unanswered: number) => string) => {
      if (stop.signal.aborted) return;
      stopped = why;
      stop.abort(new Error('metric reads stopped'));
    };
    const ended = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    const budget = new AbortController();
    void options.clock.sleep(budgetMs, budget.signal).then(() => {
      if (!budget.signal.aborted) halt((n) => `${source.description} did not answer within ${formatDurationMs(budgetMs)} (${n} of ${queries.length} queries unanswered)`);
    });
    const ask = async (promql: string, i: number): Promise<void> => {
      if (stop.signal.aborted) return;
      try {
        readings[i] = readingOf(await source.query(promql, { signal: stop.signal }));
      } catch (err) {
        // Aborted by the budget, the breaker or the caller: unanswered, told why below.
        if (stop.signal.aborted) return;
        const message = readingError(source, err);
        readings[i] = { error: message };
        if (nobodyAnswered(err)) halt((n) => `${message} (${n} of ${queries.length} subjects not read in this step after this failure)`);
      }
    };
    try {
      // Every `ask` settles (it catches): the race only stops waiting on queries a source keeps running after the abort.
      await Promise.race([Promise.all(queries.map((q, i) => limit(() => ask(q.query, i)))), ended]);
    } finally {
      budget.abort();
      signal?.removeEventListener('abort', onAbort);
    }
    signal?.throwIfAborted();
    const unanswered = readings.filter((r) => r === undefined).length;
    const out = new Map<string, Map<string, MetricReading>>();
    queries.forEach((q, i) => {
      const bySubject = out.get(q.check) ?? new Map<string, MetricReading>();
      // No reading and nothing stopped the reads would be a bug here: an error, never a no-data reading `noData: pass` passes.
      bySubject.set(q.subject, readings[i] ?? { error: stopped ? stopped(unanswered) : `${source.description} gave no reading (internal)` });
      out.set(q.check, bySubject);
    });
    return out;
  };
}

/** A MetricSourceUnavailable without an HTTP status: the source was not reached or did not answer in time. */
function nobodyAnswered(err: unknown): boolean {
  if (!(err instanceof DriftlessError) || err.code !== 'MetricSourceUnavailable') return false;
  const data = err.data as { status?: unknown } | undefined;
  return data?.status === undefined;
}

/**
 * The stalled MetricSourceRequired when `plan` has metric checks and this
 * process has no source: a rollout gated by checks it cannot read would
 * never pass them (and must not pass them silently). `subject` and
 * `operation` open the message (`rollout R step`, `fleet revision X compile`);
 * `rollout` is its data's rollout id. Nothing when there is a source or no check.
 */
export function requireMetricSource(plan: DeliveryPlan, source: MetricSource | undefined, where: { subject: string; operation: string; rollout: string }): void {
  if (source !== undefined || plan.checks.length === 0) return;
  const rings = plan.rings.filter((r) => r.checks.length > 0).map((r) => r.name);
  const checks = plan.checks.map((c) => c.name);
  const listed = rings.length === 1 ? `ring ${rings.join(', ')} lists` : `rings ${rings.join(', ')} list`;
  throw new DriftlessError(
    'MetricSourceRequired',
    `${where.subject} ${where.operation} failed: ${listed} checks ${checks.join(', ')}; pass --prometheus URL (or set DRIFTLESS_PROMETHEUS_URL); nothing was written`,
    { rollout: where.rollout, checks },
  );
}

/** A failed query as its subject's reading error: an unreachable source says so (its retries are spent), any other error keeps its message. */
function readingError(source: MetricSource, err: unknown): string {
  if (isDriftlessError(err, 'MetricSourceUnavailable')) return `${source.description} unreachable: ${err.data.reason}`;
  return err instanceof Error ? err.message : String(err);
}
