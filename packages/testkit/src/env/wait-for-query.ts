import { setTimeout as pause } from 'node:timers/promises';

/** One sample of an instant query's answer: a series' labels (none for a scalar) and its value. */
export interface QuerySample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** How long {@link waitForQuery} keeps asking. */
export interface WaitForQueryOptions {
  /** Gives up after this long, ms (default 30 s: a new target needs a file_sd refresh and two scrapes). */
  readonly timeoutMs?: number;
  /** Between two questions, ms (default 250). */
  readonly intervalMs?: number;
}

/**
 * Asks the Prometheus at `url` the instant query `promql` until `predicate`
 * holds for its samples, and resolves with them. Prometheus scrapes on its own
 * wall clock, which no test clock can move, so this polls an observable
 * condition with a bound; past `timeoutMs` it rejects naming the query and its
 * last answer (an error answer, such as a parse error, is shown there).
 */
export async function waitForQuery(
  url: string,
  promql: string,
  predicate: (samples: readonly QuerySample[]) => boolean,
  options: WaitForQueryOptions = {},
): Promise<readonly QuerySample[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const answer = await ask(url, promql).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    if (typeof answer !== 'string' && predicate(answer)) return answer;
    last = typeof answer === 'string' ? answer : JSON.stringify(answer.map((s) => ({ ...s, value: String(s.value) })));
    if (Date.now() >= deadline) throw new Error(`prometheus at ${url} query ${promql} never matched within ${timeoutMs} ms; last answer: ${last}`);
    await pause(options.intervalMs ?? 250);
  }
}

interface RawAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

async function ask(url: string, promql: string): Promise<QuerySample[]> {
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: promql }), signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as RawAnswer;
  if (body.status !== 'success') throw new Error(`prometheus at ${url} query ${promql} failed: ${body.error ?? `HTTP ${res.status}`}`);
  const { resultType, result } = body.data ?? {};
  if (resultType === 'scalar') return [{ labels: {}, value: floatOf((result as [number, string])[1]) }];
  const series = (result ?? []) as { metric: Record<string, string>; value: [number, string] }[];
  return series.map((s) => ({ labels: s.metric, value: floatOf(s.value[1]) }));
}

function floatOf(text: string): number {
  return text === '+Inf' ? Number.POSITIVE_INFINITY : text === '-Inf' ? Number.NEGATIVE_INFINITY : Number(text);
}
