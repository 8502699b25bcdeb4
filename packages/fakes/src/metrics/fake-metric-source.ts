import { DriftlessError, type MetricQueryResult, type MetricSource } from '@driftless/core';

/** What the fake answers one query with: a result, or a failure the real client would throw. */
export type FakeAnswer =
  | MetricQueryResult
  | { readonly reject: string }
  /** `status`: the HTTP status the server answered with; none when it was not reached (network error, timeout). */
  | { readonly unavailable: string; readonly status?: number }
  /** A result a check cannot use, rejected as the real client does (a range vector, a string, a native histogram sample). */
  | { readonly unusable: 'matrix' | 'string' | 'histogram' };

/** How the fake is set up. */
export interface FakeMetricSourceOptions {
  /** Shown in messages (default `fake prometheus`). */
  readonly description?: string;
  /**
   * Function mode: computes every answer (the bench's simulated fleet derives
   * each cluster's value from its own state). Answers set with `set` win over it.
   */
  readonly answer?: (query: string) => FakeAnswer;
  /** The URL in error data's `source`, as the real client puts its base URL (default `http://fake-prometheus.invalid`). */
  readonly url?: string;
  /** Every query fails as unreachable (the server is down). */
  readonly unreachable?: boolean;
}

/**
 * An in-memory MetricSource: a table of query -> answer, settable per query,
 * or a function of the query. A query it has no answer for gets an empty
 * vector, as Prometheus answers a selector that matches nothing. Failures are
 * the real client's errors with its message shape; it counts the queries it
 * was asked. Passes the MetricSource contract suite.
 */
export class FakeMetricSource implements MetricSource {
  readonly description: string;
  private readonly table = new Map<string, FakeAnswer>();
  private asked = 0;

  constructor(private readonly options: FakeMetricSourceOptions = {}) {
    this.description = options.description ?? 'fake prometheus';
  }

  /** Queries answered or failed so far (an aborted call is not counted: it sent nothing). */
  get requests(): number {
    return this.asked;
  }

  /** Answers `query` with `answer` from now on. */
  set(query: string, answer: FakeAnswer): this {
    this.table.set(query, answer);
    return this;
  }

  /** Answers `query` with one series of `value` (labels optional). */
  setValue(query: string, value: number, labels: Record<string, string> = {}): this {
    return this.set(query, { resultType: 'vector', series: [{ labels, value }] });
  }

  /** Forgets what `set` said about `query`. */
  clear(query: string): this {
    this.table.delete(query);
    return this;
  }

  // Async so every outcome, the abort included, is a rejected promise as with the real client.
  // eslint-disable-next-line @typescript-eslint/require-await
  async query(promql: string, options?: { signal?: AbortSignal }): Promise<MetricQueryResult> {
    options?.signal?.throwIfAborted();
    this.asked += 1;
    const answer = this.answerFor(promql);
    if ('reject' in answer) throw this.failure('MetricQueryRejected', promql, answer.reject);
    if ('unavailable' in answer) throw this.failure('MetricSourceUnavailable', promql, answer.unavailable, answer.status);
    if ('unusable' in answer) throw this.failure('MetricQueryRejected', promql, unusableReason(answer.unusable));
    return answer;
  }

  private answerFor(promql: string): FakeAnswer {
    if (this.options.unreachable) return { unavailable: 'ECONNREFUSED' };
    return this.table.get(promql) ?? this.options.answer?.(promql) ?? { resultType: 'vector', series: [] };
  }

  private failure(code: 'MetricQueryRejected' | 'MetricSourceUnavailable', query: string, reason: string, status?: number): DriftlessError {
    const source = this.options.url ?? 'http://fake-prometheus.invalid';
    return new DriftlessError(code, `${this.description} query failed: ${reason}`, { source, query, reason, ...(status === undefined ? {} : { status }) });
  }
}

/** The real client's reason for a result a check cannot use (packages/prometheus, api-response). */
function unusableReason(kind: 'matrix' | 'string' | 'histogram'): string {
  if (kind === 'histogram') return 'the result holds a native histogram sample, not a number: wrap it in histogram_quantile or histogram_count';
  return `the result is a ${kind}, not an instant vector or a scalar`;
}
