import type { MetricSource } from '@driftless/core';
import { UsageError } from '../errors.js';

/** `--prometheus`'s option help. */
export const PROMETHEUS_HELP =
  'base URL of the Prometheus query API the rollout\'s metric checks read (default: $DRIFTLESS_PROMETHEUS_URL); required when the delivery\'s rings list checks';

/** The paragraph `--help` adds where `--prometheus` is taken. */
export const PROMETHEUS_ENV_HELP =
  'Metric checks: a rollout whose rings list checks (delivery.checks) reads them from --prometheus URL, else\n' +
  '$DRIFTLESS_PROMETHEUS_URL; DRIFTLESS_PROMETHEUS_TOKEN, when set, is sent as a bearer token (never a flag, never\n' +
  'printed). Without a URL such a rollout is refused (exit 2) before anything is written.';

/**
 * The metric source of a CLI process: `--prometheus URL`, else
 * `$DRIFTLESS_PROMETHEUS_URL`, with `$DRIFTLESS_PROMETHEUS_TOKEN` as its
 * bearer token; undefined when neither names a URL (the controller then
 * refuses rollouts with checks). A URL that is not http(s), or carries
 * credentials, a query string or a fragment, is a UsageError naming the flag
 * or the variable it came from, never echoing the URL. Each query is one
 * request (`attempts: 1`): the controller's next step is the retry.
 */
export async function prometheusSource(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<MetricSource | undefined> {
  const fromEnv = env['DRIFTLESS_PROMETHEUS_URL'];
  const url = flag ?? (fromEnv === '' ? undefined : fromEnv);
  if (url === undefined) return undefined;
  const named = flag !== undefined ? '--prometheus' : '$DRIFTLESS_PROMETHEUS_URL';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: an input that does not parse may still hold a password.
    throw new UsageError(`${named} is not a URL (use e.g. http://127.0.0.1:9090)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`${named} must be an http:// or https:// URL, not ${parsed.protocol}`);
  if (parsed.username !== '' || parsed.password !== '') throw new UsageError(`${named} must not carry credentials: set DRIFTLESS_PROMETHEUS_TOKEN instead`);
  // A token in a query string would reach every message and the rollout document (and break the request URL).
  if (parsed.search !== '' || parsed.hash !== '') throw new UsageError(`${named} must not carry a query string or a fragment: set DRIFTLESS_PROMETHEUS_TOKEN for a token`);
  const token = env['DRIFTLESS_PROMETHEUS_TOKEN'];
  const { createPrometheusSource } = await import('@driftless/prometheus');
  // One request per query: every caller is the rollout controller, whose next step is the retry (a step's budget is not spent retrying).
  return createPrometheusSource({ url, attempts: 1, ...(token ? { token } : {}) });
}
