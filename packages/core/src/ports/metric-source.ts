/**
 * Where metric checks read their values (DESIGN.md, Delivery: checks): a
 * server of the Prometheus HTTP query API. The real adapter is
 * `@driftless/prometheus`; a fake passes the same contract suite
 * (`@driftless/contracts`, metricSourceContract).
 */

/** One series of an instant vector: its labels and its value at the query's time. */
export interface MetricSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** The sample's value; NaN and ±Infinity are kept as JavaScript has them (Prometheus sends `NaN`, `+Inf`, `-Inf`). */
  readonly value: number;
}

/**
 * What an instant query returned: an instant vector (possibly empty) or a
 * scalar. `warnings`: the API's warnings, present and non-empty only when it
 * sent some; the data may then be partial (a shard or remote-read endpoint
 * that failed), so a check must not read it as a value or as no data.
 */
export type MetricQueryResult =
  | { readonly resultType: 'vector'; readonly series: readonly MetricSeries[]; readonly warnings?: readonly string[] }
  | { readonly resultType: 'scalar'; readonly value: number; readonly warnings?: readonly string[] };

/** Per-call options. */
export interface MetricQueryOptions {
  /** Gives up (and stops retrying) when it aborts; the call rejects with the abort's reason. */
  readonly signal?: AbortSignal;
}

/** A Prometheus query API (`/api/v1/query`). */
export interface MetricSource {
  /** For messages and audit entries: `prometheus at http://127.0.0.1:9090`. Never holds a credential. */
  readonly description: string;
  /**
   * Evaluates `promql` as an instant query at the server's current time.
   * Every request has a timeout and transient failures are retried with
   * backoff; then it throws the transient `MetricSourceUnavailable`
   * (unreachable, timeout, 5xx, 429). A query the server rejects (bad PromQL)
   * or a result that is neither a vector nor a scalar throws the stalled
   * `MetricQueryRejected`, without retrying. It never resolves with a made-up value.
   */
  query(promql: string, options?: MetricQueryOptions): Promise<MetricQueryResult>;
}
