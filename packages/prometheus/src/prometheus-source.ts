import { DriftlessError, type MetricQueryResult, type MetricSource } from '@driftless/core';

/** How to reach a Prometheus query API. */
export interface PrometheusSourceOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:9090` (a path prefix is kept). */
  readonly url: string;
  /** Sent as `Authorization: Bearer …` (from DRIFTLESS_PROMETHEUS_TOKEN); never in messages. */
  readonly token?: string;
  /** Per request, ms (default 10 s). */
  readonly timeoutMs?: number;
  /** Tries per query for transient failures (default 3). */
  readonly attempts?: number;
}

/**
 * A MetricSource over Prometheus's `/api/v1/query` (POST, form-encoded, so a
 * long `${ring.clusters}` query fits). First version: one try per query;
 * retries and backoff come next.
 */
export function createPrometheusSource(options: PrometheusSourceOptions): MetricSource {
  const base = options.url.replace(/\/+$/, '');
  const description = `prometheus at ${base}`;
  return {
    description,
    async query(promql, queryOptions) {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
      const signal = queryOptions?.signal ? AbortSignal.any([timeout, queryOptions.signal]) : timeout;
      let res: Response;
      try {
        res = await fetch(`${base}/api/v1/query`, { method: 'POST', headers, body: new URLSearchParams({ query: promql }), signal });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new DriftlessError('MetricSourceUnavailable', `${description} query failed: ${reason}`, { source: base, query: promql, reason }, { cause: err });
      }
      const body = (await res.json().catch(() => undefined)) as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } } | undefined;
      if (!res.ok || body?.status !== 'success') {
        const reason = body?.error ?? `HTTP ${res.status}`;
        const code = res.status === 400 || res.status === 422 ? 'MetricQueryRejected' : 'MetricSourceUnavailable';
        throw new DriftlessError(code, `${description} query failed: ${reason}`, { source: base, query: promql, status: res.status, reason });
      }
      return parseResult(body.data, description, base, promql);
    },
  };
}

function sampleValue(text: unknown): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function parseResult(data: { resultType?: string; result?: unknown } | undefined, description: string, source: string, query: string): MetricQueryResult {
  if (data?.resultType === 'scalar' && Array.isArray(data.result)) return { resultType: 'scalar', value: sampleValue(data.result[1]) };
  if (data?.resultType === 'vector' && Array.isArray(data.result)) {
    const series = (data.result as { metric?: Record<string, string>; value?: [number, string] }[]).map((s) => ({ labels: s.metric ?? {}, value: sampleValue(s.value?.[1]) }));
    return { resultType: 'vector', series };
  }
  const reason = `the result is a ${data?.resultType ?? 'missing'}, not an instant vector or a scalar`;
  throw new DriftlessError('MetricQueryRejected', `${description} query failed: ${reason}`, { source, query, reason });
}
