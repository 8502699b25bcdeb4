import pLimit from 'p-limit';
import { DriftlessError, isDriftlessError, metricQueries, readingOf, type DeliveryPlan, type MetricReading, type MetricSource, type Observations, type Rollout } from '@driftless/core';

/** Queries in flight at once against the metric source, by default. */
export const DEFAULT_METRIC_CONCURRENCY = 16;

/** `Observations.metrics`: check -> subject (a cluster, or the ring) -> reading. */
export type MetricReadings = NonNullable<Observations['metrics']>;

/** Reads every metric a step of a rollout needs (see createMetricObserver). */
export type MetricObserver = (rollout: Rollout) => Promise<MetricReadings>;

/**
 * A metric observer over `source`: it runs every query `metricQueries`
 * names for the rollout (at most `concurrency` at once) and keeps each
 * answer as core reads it (`readingOf`). A query that throws (the source
 * unreachable after its retries, a query it rejects) becomes that subject's
 * `{ error }` naming the source (`prometheus at URL unreachable: ECONNREFUSED`
 * when it could not be reached, else the error's message): the state machine
 * decides what an error means (it waits, then fails), never a pass.
 */
export function createMetricObserver(source: MetricSource, concurrency = DEFAULT_METRIC_CONCURRENCY): MetricObserver {
  const limit = pLimit(concurrency);
  return async (rollout) => {
    const queries = metricQueries(rollout);
    const readings = await Promise.all(
      queries.map((q) =>
        limit(async (): Promise<MetricReading> => {
          try {
            return readingOf(await source.query(q.query));
          } catch (err) {
            return { error: readingError(source, err) };
          }
        }),
      ),
    );
    const out = new Map<string, Map<string, MetricReading>>();
    queries.forEach((q, i) => {
      const bySubject = out.get(q.check) ?? new Map<string, MetricReading>();
      bySubject.set(q.subject, readings[i] ?? {});
      out.set(q.check, bySubject);
    });
    return out;
  };
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
 * Why a query gave no reading, as the halt's reason will show it: a source
 * that could not be reached (after its retries) says so, because "the query
 * failed" would send an operator to the PromQL instead of the network.
 */
function readingError(source: MetricSource, err: unknown): string {
  if (isDriftlessError(err, 'MetricSourceUnavailable')) return `${source.description} unreachable: ${err.data.reason}`;
  return err instanceof Error ? err.message : String(err);
}
