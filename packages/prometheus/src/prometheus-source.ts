import { systemClock } from '@driftless/clock';
import { backoffMs, DriftlessError, networkErrorCode, type Clock, type MetricQueryResult, type MetricSource, type Rng } from '@driftless/core';
import { parseApiAnswer } from './api-response.js';

/** How to reach a Prometheus query API, and how hard to try. */
export interface PrometheusSourceOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:9090` (a path prefix is kept). */
  readonly url: string;
  /** Sent as `Authorization: Bearer …` (from DRIFTLESS_PROMETHEUS_TOKEN); never in messages or error data. */
  readonly token?: string;
  /** Per request, ms (default 10 s): a request with no complete answer by then is a transient failure. */
  readonly timeoutMs?: number;
  /** Requests per query, the first included, while failures are transient (default 3). */
  readonly attempts?: number;
  /** Backoff before the 2nd request, ms; doubles per retry, full jitter (default 250). */
  readonly backoffBaseMs?: number;
  /** Longest backoff, ms (default 5 s). */
  readonly backoffMaxMs?: number;
  /** Waits between retries (default the wall clock); tests pass one that does not wait. */
  readonly clock?: Clock;
  /** Jitter of the backoff (default Math.random). */
  readonly rng?: Rng;
}

/** One request's outcome, classified: a result, or a failure and whether another request may fix it. */
type Attempt =
  | { readonly ok: MetricQueryResult }
  | { readonly code: 'MetricSourceUnavailable' | 'MetricQueryRejected'; readonly retry: boolean; readonly reason: string; readonly status?: number };

/**
 * A MetricSource over Prometheus's `/api/v1/query` (POST, form-encoded, so a
 * long `${ring.clusters}` query fits). Every request has a timeout; network
 * errors, timeouts, 5xx, 429 and bodies that are not the API's JSON are retried
 * with exponential backoff and full jitter, then throw the transient
 * `MetricSourceUnavailable`. 400/422 (bad PromQL) and results that are neither
 * an instant vector nor a scalar throw the stalled `MetricQueryRejected` at
 * once; other 4xx (auth, not found) throw `MetricSourceUnavailable` without
 * retrying, since another try gets the same answer. The caller's abort signal
 * stops the request and the retries; the call then rejects with its reason.
 */
export function createPrometheusSource(options: PrometheusSourceOptions): MetricSource {
  const base = options.url.replace(/\/+$/, '');
  const description = `prometheus at ${describedUrl(base)}`;
  const attempts = Math.max(1, options.attempts ?? 3);
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? { next: () => Math.random() };
  const request = (promql: string, signal: AbortSignal | undefined) => attempt(base, promql, options.token, options.timeoutMs ?? 10_000, signal);
  return {
    description,
    async query(promql, queryOptions) {
      const signal = queryOptions?.signal;
      for (let n = 1; ; n++) {
        signal?.throwIfAborted();
        const outcome = await request(promql, signal);
        if ('ok' in outcome) return outcome.ok;
        if (!outcome.retry || n >= attempts) {
          const after = outcome.retry ? ` (after ${n} ${n === 1 ? 'attempt' : 'attempts'})` : '';
          const data = { source: describedUrl(base), query: promql, reason: outcome.reason, ...(outcome.status === undefined ? {} : { status: outcome.status }) };
          throw new DriftlessError(outcome.code, `${description} query failed: ${outcome.reason}${after}`, data);
        }
        await clock.sleep(backoffMs(n, options.backoffBaseMs ?? 250, options.backoffMaxMs ?? 5_000, rng), signal);
      }
    },
  };
}

/** One POST, classified; rethrows only the caller's abort. */
async function attempt(base: string, promql: string, token: string | undefined, timeoutMs: number, caller: AbortSignal | undefined): Promise<Attempt> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = caller ? AbortSignal.any([timeout, caller]) : timeout;
  let status: number;
  let text: string;
  try {
    // The body is read under the same timeout: a server that sends headers and then stalls is no answer either.
    // `timeout`: Prometheus stops evaluating a query this client has given up on. No redirect: fetch would turn the POST into a body-less GET.
    const body = new URLSearchParams({ query: promql, timeout: `${timeoutMs}ms` });
    const res = await fetch(`${base}/api/v1/query`, { method: 'POST', headers, body, signal, redirect: 'manual' });
    status = res.status;
    text = await res.text();
  } catch (err) {
    caller?.throwIfAborted();
    if (timeout.aborted) return { code: 'MetricSourceUnavailable', retry: true, reason: `no answer within ${timeoutMs} ms` };
    return { code: 'MetricSourceUnavailable', retry: true, reason: networkErrorCode(err) ?? networkCause(err) };
  }
  return classify(status, text);
}

function classify(status: number, text: string): Attempt {
  if (status >= 300 && status < 400) {
    return { code: 'MetricSourceUnavailable', retry: false, status, reason: `redirected (HTTP ${status}); pass the final URL as --prometheus` };
  }
  const answer = parseApiAnswer(text);
  const success = status >= 200 && status < 300;
  if (success && answer?.kind === 'result') return { ok: answer.result };
  if (success && answer?.kind === 'unusable') return { code: 'MetricQueryRejected', retry: false, status, reason: answer.reason };
  const said = answer?.kind === 'error' ? answer.error : undefined;
  if (status === 400 || status === 422) return { code: 'MetricQueryRejected', retry: false, status, reason: said ?? `HTTP ${status}` };
  const transient = status >= 500 || status === 429 || status === 408 || success;
  const reason = success ? 'the answer is not the query API JSON' : said ? `HTTP ${status}: ${said}` : `HTTP ${status}`;
  const hint = status === 401 || status === 403 ? ' (check DRIFTLESS_PROMETHEUS_TOKEN)' : '';
  return { code: 'MetricSourceUnavailable', retry: transient, status, reason: reason + hint };
}

/** The URL as messages and error data show it: origin and path, never credentials, a query string or a fragment. */
function describedUrl(base: string): string {
  try {
    const u = new URL(base);
    return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

/**
 * What a network failure fetch reports only as `fetch failed` was: the
 * deepest cause's code and message (`getaddrinfo ENOTFOUND host`, `bad port`).
 */
function networkCause(err: unknown): string {
  let reason = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err instanceof Error ? err.cause : undefined; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    reason = typeof code === 'string' && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return reason;
}
