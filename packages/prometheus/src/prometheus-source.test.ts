import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DriftlessError, classifyError, type Clock } from '@driftless/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPrometheusSource, type PrometheusSourceOptions } from './prometheus-source.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

// A stand-in Prometheus on loopback: each test says how it answers, request by request.
let handler: Handler;
const seen: { body: string; authorization: string | undefined }[] = [];
let url: string;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    seen.push({ body, authorization: req.headers.authorization });
    handler(req, res, body);
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
});

const vector = (value: string) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { cluster: 'a' }, value: [1, value] }] } });
const json = (res: ServerResponse, status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
/** Answers the n-th request (from 1) with `answers[n-1]`, the last one ever after. */
const sequence = (...answers: ((res: ServerResponse) => void)[]): Handler => {
  let n = 0;
  return (_req, res) => (answers[Math.min(n++, answers.length - 1)] ?? (() => res.end()))(res);
};

/** A clock that never waits: it records each pause, so backoff is observable without real time. */
function recordingClock(onSleep?: (ms: number) => void): Clock & { pauses: number[] } {
  const pauses: number[] = [];
  return {
    pauses,
    now: () => 0,
    sleep: (ms) => {
      pauses.push(ms);
      onSleep?.(ms);
      return Promise.resolve();
    },
  };
}

const source = (over: Partial<PrometheusSourceOptions> = {}) => createPrometheusSource({ url, clock: recordingClock(), rng: { next: () => 0.5 }, ...over });

async function failure(p: Promise<unknown>): Promise<DriftlessError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DriftlessError);
  return err as DriftlessError;
}

describe('createPrometheusSource', () => {
  it('posts the query form-encoded and parses NaN, +Inf and -Inf samples', async () => {
    handler = sequence((res) => json(res, 200, vector('+Inf')), (res) => json(res, 200, vector('-Inf')), (res) => json(res, 200, vector('NaN')));
    const s = source();
    expect(await s.query('up{a="b"}')).toEqual({ resultType: 'vector', series: [{ labels: { cluster: 'a' }, value: Number.POSITIVE_INFINITY }] });
    expect(await s.query('x')).toEqual({ resultType: 'vector', series: [{ labels: { cluster: 'a' }, value: Number.NEGATIVE_INFINITY }] });
    const nan = await s.query('x');
    expect(nan.resultType === 'vector' && Number.isNaN(nan.series[0]?.value)).toBe(true);
    expect(new URLSearchParams(seen[0]?.body).get('query')).toBe('up{a="b"}');
  });

  it.each([
    ['a 503', (res: ServerResponse) => json(res, 503, '{"status":"error","error":"overloaded"}')],
    ['a 429', (res: ServerResponse) => json(res, 429, '')],
    ['a body that is not the API JSON', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy</html>')],
    ['a reset connection', (res: ServerResponse) => res.socket?.destroy()],
  ])('retries %s with backoff, then answers', async (_name, fault) => {
    handler = sequence(fault, fault, (res) => json(res, 200, vector('0.25')));
    const clock = recordingClock();
    const result = await source({ clock, attempts: 3, backoffBaseMs: 100 }).query('q');
    expect(result).toEqual({ resultType: 'vector', series: [{ labels: { cluster: 'a' }, value: 0.25 }] });
    expect(seen).toHaveLength(3);
    // Full jitter at rng 0.5: half of 100, then half of 200.
    expect(clock.pauses).toEqual([50, 100]);
  });

  it('gives up after its attempts with the transient MetricSourceUnavailable naming the source and the cause', async () => {
    handler = (_req, res) => json(res, 502, '');
    const err = await failure(source({ attempts: 4 }).query('q'));
    expect(err.code).toBe('MetricSourceUnavailable');
    expect(classifyError(err)).toBe('transient');
    expect(err.message).toBe(`prometheus at ${url} query failed: HTTP 502 (after 4 attempts)`);
    expect(seen).toHaveLength(4);
  });

  it('times out a request that gets no answer, and retries it', async () => {
    let n = 0;
    handler = (_req, res) => {
      if (++n === 1) return; // never answers
      json(res, 200, vector('1'));
    };
    // 1000 ms for the answered retry: AbortSignal.timeout runs on real time (the injected clock drives only the backoff), and a loaded machine can be slow to answer.
    expect(await source({ timeoutMs: 1000, clock: recordingClock() }).query('q')).toEqual({ resultType: 'vector', series: [{ labels: { cluster: 'a' }, value: 1 }] });
    expect(seen).toHaveLength(2);
  });

  it('reports a timeout after the last attempt as such', async () => {
    handler = () => undefined;
    const err = await failure(source({ timeoutMs: 50, attempts: 2 }).query('q'));
    expect(err.code).toBe('MetricSourceUnavailable');
    expect(err.message).toBe(`prometheus at ${url} query failed: no answer within 50 ms (after 2 attempts)`);
  });

  it.each([400, 422])('rejects bad PromQL (%i) at once with the stalled MetricQueryRejected, without retrying', async (status) => {
    handler = (_req, res) => json(res, status, JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error: unexpected end of input' }));
    const err = await failure(source().query('sum('));
    expect(err.code).toBe('MetricQueryRejected');
    expect(classifyError(err)).toBe('stalled');
    expect(err.message).toBe(`prometheus at ${url} query failed: parse error: unexpected end of input`);
    expect(seen).toHaveLength(1);
  });

  it('rejects a range vector result as not usable by a check', async () => {
    handler = (_req, res) => json(res, 200, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    const err = await failure(source().query('up[5m]'));
    expect(err.code).toBe('MetricQueryRejected');
    expect(seen).toHaveLength(1);
  });

  it('stops retrying when the caller aborts, rejecting with the abort reason', async () => {
    handler = (_req, res) => json(res, 503, '');
    const abort = new AbortController();
    const reason = new Error('rollout step cancelled');
    const clock = recordingClock(() => abort.abort(reason));
    await expect(source({ clock, attempts: 5 }).query('q', { signal: abort.signal })).rejects.toBe(reason);
    expect(seen).toHaveLength(1);
  });

  it('carries the API\'s warnings on the result (partial data), ignoring infos', async () => {
    handler = (_req, res) => json(res, 200, JSON.stringify({ status: 'success', warnings: ['remote read failed'], infos: ['x'], data: { resultType: 'vector', result: [] } }));
    expect(await source().query('q')).toEqual({ resultType: 'vector', series: [], warnings: ['remote read failed'] });
    handler = (_req, res) => json(res, 200, JSON.stringify({ status: 'success', infos: ['only info'], data: { resultType: 'scalar', result: [1, '2'] } }));
    expect(await source().query('q')).toEqual({ resultType: 'scalar', value: 2 });
  });

  it('rejects a native histogram sample at once, saying how to read it', async () => {
    const histogram = { count: '3', sum: '1', buckets: [] };
    handler = (_req, res) => json(res, 200, JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, histogram: [1, histogram] }] } }));
    const err = await failure(source().query('latency'));
    expect(err.code).toBe('MetricQueryRejected');
    expect(err.message).toMatch(/native histogram.*histogram_quantile or histogram_count/);
    expect(seen).toHaveLength(1);
  });

  it('takes only NaN, ±Inf and numerals as values: anything else is not the API JSON', async () => {
    handler = (_req, res) => json(res, 200, vector('abc'));
    const err = await failure(source({ attempts: 1 }).query('q'));
    expect(err.message).toBe(`prometheus at ${url} query failed: the answer is not the query API JSON (after 1 attempt)`);
  });

  it('takes any 2xx as an answer, and sends the timeout form field', async () => {
    handler = (_req, res) => json(res, 203, vector('0.5'));
    expect(await source({ timeoutMs: 1500 }).query('q')).toEqual({ resultType: 'vector', series: [{ labels: { cluster: 'a' }, value: 0.5 }] });
    expect(new URLSearchParams(seen[0]?.body).get('timeout')).toBe('1500ms');
  });

  it('refuses a redirect (it would turn the POST into a GET) with a message that says so', async () => {
    handler = (_req, res) => res.writeHead(302, { location: `${url}/elsewhere` }).end();
    const err = await failure(source({ attempts: 1 }).query('q'));
    expect(err.code).toBe('MetricSourceUnavailable');
    expect(err.message).toMatch(/query failed: redirected \(HTTP 302\); pass the final URL/);
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['a host that does not resolve', 'http://no-such-host.invalid', /query failed: (getaddrinfo )?(ENOTFOUND|EAI_AGAIN) no-such-host\.invalid/],
    ['a port fetch refuses to dial', 'http://127.0.0.1:1', /query failed: bad port/],
  ])('names the network cause of %s', async (_name, target, expected) => {
    const err = await failure(createPrometheusSource({ url: target, attempts: 1, clock: recordingClock() }).query('q'));
    expect(err.message).toMatch(expected);
    expect(err.message).not.toMatch(/fetch failed/);
  });

  it('describes the source by origin and path only', () => {
    expect(createPrometheusSource({ url: 'http://u:pw@prom.example:9090/prefix/' }).description).toBe('prometheus at http://prom.example:9090/prefix');
  });

  it('sends the bearer token and never puts it in an error', async () => {
    handler = (_req, res) => json(res, 401, '{"status":"error","error":"unauthorized"}');
    const token = 'sekrit-token-123';
    const err = await failure(source({ token }).query('q'));
    expect(seen[0]?.authorization).toBe(`Bearer ${token}`);
    expect(`${err.message} ${JSON.stringify(err.data)} ${String(err.cause)}`).not.toContain(token);
  });
});
