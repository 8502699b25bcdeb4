import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { DriftlessError, formatDurationMs, isDriftlessError, metricQueries, type Clock, readingOf, type DeliveryPlan, type MetricQuery, type MetricReading, type MetricSource, type Observations, type Rollout } from '@driftless/core';

/** Queries in flight at once against the metric source, by default. */
export const DEFAULT_METRIC_CONCURRENCY = 16;

/** `Observations.metrics`: check -> subject (a cluster, or the ring) -> reading. */
export type MetricReadings = NonNullable<Observations['metrics']>;

/** Time a step may spend reading metrics, by default (ms): past it, unanswered subjects are errors. */
export const DEFAULT_METRIC_BUDGET_MS = 20_000;

/** How a step's metric reads went (`StepReport.metricReads`): every query is answered, failed or skipped. */
export interface MetricReadCounts {
  /** Queries sent to the source. */
  readonly asked: number;
  /** Queries the source answered (a value, no data, or a result core refuses). */
  readonly answered: number;
  /** Subjects `{ skipped: true }`: the budget ran out before their turn, or while their query ran. */
  readonly skipped: number;
  /** Subjects given an error: the query failed, or the breaker stopped the reads after a failure nobody answered. */
  readonly failed: number;
}

/** What a step's metric reads returned. */
export interface MetricRead {
  readonly readings: MetricReadings;
  readonly counts: MetricReadCounts;
  /** Set when the budget or the breaker cut the reads short: why, as a sentence. */
  readonly cutShort?: string;
}

/**
 * Reads every metric a step of a rollout needs (see createMetricObserver).
 * Rejects with `signal`'s reason when it aborts (the lease lost, the server stopping).
 */
export type MetricObserver = (rollout: Rollout, signal?: AbortSignal) => Promise<MetricRead>;

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
 * answer as core reads it (`readingOf`). A query that throws becomes that
 * subject's `{ error }` naming the source (`prometheus at URL unreachable:
 * ECONNREFUSED` when nobody answered, `… answered HTTP 503: …` when the
 * server did, else the error's message): the state machine decides what an
 * error means (it waits, then fails), never a pass.
 *
 * A step never waits on the source for long, since statuses (health halts,
 * reverts) are judged in the same step: past `budgetMs` the queries still
 * running are aborted and every subject not answered is `{ skipped: true }`
 * (it keeps its last verdict). The next step starts reading where this one
 * stopped, so on a ring larger than one budget's worth of queries every
 * subject is still read every few steps, never the same tail left out.
 * After the first failure without an HTTP status (network error, timeout:
 * nobody answered) it asks nothing more in that step, each unread subject
 * an error saying so, so thousands of clusters do not each wait out a dead server.
 */
export function createMetricObserver(source: MetricSource, options: MetricObserverOptions): MetricObserver {
  const concurrency = options.concurrency ?? DEFAULT_METRIC_CONCURRENCY;
  const budgetMs = options.budgetMs ?? DEFAULT_METRIC_BUDGET_MS;
  // The subject (check and subject) the last step's reads stopped at: the next step starts there.
  let resumeAt: string | undefined;
  return async (rollout, signal) => {
    signal?.throwIfAborted();
    const queries = rotated(metricQueries(rollout), resumeAt);
    const readings: (MetricReading | undefined)[] = queries.map(() => undefined);
    // Per call: queries a source keeps running after an abort hold only this step's slots, never a later step's.
    const limit = pLimit(concurrency);
    const stop = new AbortController();
    // Each query in flight, the source's own backoff sleep, `ended` and the caller's abort listen to it.
    setMaxListeners(2 * concurrency + 4, stop.signal);
    const onAbort = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Set when the breaker stopped the step's reads: what every unread subject is told. The budget skips them instead.
    let stopped: ((unanswered: number) => string) | undefined;
    let cutShort: string | undefined;
    let asked = 0;
    let answered = 0;
    const halt = (why: string, tell?: (unanswered: number) => string) => {
      if (stop.signal.aborted) return;
      cutShort = why;
      stopped = tell;
      stop.abort(new Error('metric reads stopped'));
    };
    const ended = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    const budget = new AbortController();
    void options.clock.sleep(budgetMs, budget.signal).then(() => {
      if (!budget.signal.aborted) halt(`${source.description} did not answer within ${budgetText(budgetMs)}`);
    });
    const ask = async (promql: string, i: number): Promise<void> => {
      if (stop.signal.aborted) return;
      asked++;
      try {
        const result = await source.query(promql, { signal: stop.signal });
        answered++;
        readings[i] = readingOf(result);
      } catch (err) {
        // Aborted by the budget, the breaker or the caller: unanswered, told why below.
        if (stop.signal.aborted) return;
        const message = readingError(source, err);
        readings[i] = { error: message };
        if (nobodyAnswered(err)) halt(message, (n) => `${message} (${n} of ${queries.length} subjects not read in this step after this failure)`);
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
    const firstUnread = queries.find((_q, i) => readings[i] === undefined);
    resumeAt = firstUnread === undefined ? undefined : keyOf(firstUnread);
    const unread = readings.filter((r) => r === undefined).length;
    const final = readings.map((r): MetricReading => r ?? (stopped ? { error: stopped(unread) } : { skipped: true }));
    const skipped = final.filter((r) => r.skipped === true).length;
    const counts = { asked, answered, skipped, failed: final.length - answered - skipped };
    return { readings: byCheck(queries, final), counts, ...(cutShort === undefined ? {} : { cutShort }) };
  };
}

/**
 * `read` again for `rollout` (a CAS retry of the same step, the rollout
 * changed by another writer): a subject it did not read is `{ skipped: true }`,
 * one no longer asked for is dropped; the counts stay those of the reads made.
 */
export function reusedRead(read: MetricRead, rollout: Rollout): MetricRead {
  const queries = metricQueries(rollout);
  return { ...read, readings: byCheck(queries, queries.map((q) => read.readings.get(q.check)?.get(q.subject) ?? { skipped: true })) };
}

/** `queries` starting at the one keyed `at` (where the last step's reads stopped), the ones before it last; as listed when `at` is gone. */
function rotated(queries: MetricQuery[], at: string | undefined): MetricQuery[] {
  const i = at === undefined ? -1 : queries.findIndex((q) => keyOf(q) === at);
  return i <= 0 ? queries : [...queries.slice(i), ...queries.slice(0, i)];
}

function keyOf(q: MetricQuery): string {
  return `${q.check}\u0000${q.subject}`;
}

/** Readings by check, then subject. */
function byCheck(queries: readonly MetricQuery[], readings: readonly MetricReading[]): MetricReadings {
  const out = new Map<string, Map<string, MetricReading>>();
  queries.forEach((q, i) => {
    const bySubject = out.get(q.check) ?? new Map<string, MetricReading>();
    bySubject.set(q.subject, readings[i] ?? { error: 'no reading (internal)' });
    out.set(q.check, bySubject);
  });
  return out;
}

/** The budget as the message says it: exact below 10 s (`1500ms`), where rounding to seconds would misstate it. */
function budgetText(ms: number): string {
  return ms < 10_000 ? `${ms}ms` : formatDurationMs(ms);
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

/**
 * A failed query as its subject's reading error: a source nobody reached says
 * "unreachable", one that answered with an HTTP status says what it answered
 * (a 401 is not an outage), any other error keeps its message.
 */
function readingError(source: MetricSource, err: unknown): string {
  if (isDriftlessError(err, 'MetricSourceUnavailable')) {
    const { status, reason } = err.data;
    if (status === undefined) return `${source.description} unreachable: ${reason}`;
    // The Prometheus client's reasons already open with the status (`HTTP 401 (check …)`): not said twice.
    return reason.startsWith(`HTTP ${status}`) ? `${source.description} answered ${reason}` : `${source.description} answered HTTP ${status}: ${reason}`;
  }
  return err instanceof Error ? err.message : String(err);
}
