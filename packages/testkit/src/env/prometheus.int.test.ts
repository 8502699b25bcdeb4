import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as pause } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeScrapeTargets } from './prometheus.js';

const env = inject('driftlessEnv');

interface QueryResponse {
  status: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function query(promql: string): Promise<QueryResponse> {
  const res = await fetch(`${env.prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  return (await res.json()) as QueryResponse;
}

/**
 * Asks `promql` until `accept` holds for the answer, at most `attempts` times
 * (250 ms apart: Prometheus scrapes every second on its own clock, which no test
 * clock can advance), then fails naming the query and its last answer.
 */
async function queryUntil(promql: string, accept: (r: QueryResponse) => boolean, attempts = 80): Promise<QueryResponse> {
  let last: QueryResponse | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await query(promql);
    if (accept(last)) return last;
    await pause(250);
  }
  throw new Error(`query ${promql} never gave the expected answer in ${attempts} attempts; last: ${JSON.stringify(last)}`);
}

let exporter: Server;
beforeAll(async () => {
  // Prometheus 3 refuses to scrape a body without a Prometheus Content-Type.
  exporter = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end('# TYPE test_metric gauge\ntest_metric{cluster="a"} 1\n');
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await writeScrapeTargets(env.prometheus.targetsFile, []);
  await new Promise<void>((resolve) => exporter.close(() => resolve()));
});

describe('the real Prometheus of the environment', () => {
  it('answers an instant query through /api/v1/query', async () => {
    const answer = await query('up');
    expect(answer.status).toBe('success');
    expect(answer.data?.resultType).toBe('vector');
  });

  it('scrapes a target written to its targets file and serves its metric', async () => {
    const { port } = exporter.address() as AddressInfo;
    await writeScrapeTargets(env.prometheus.targetsFile, [{ targets: [`127.0.0.1:${port}`], labels: { fixture: 'int-test' } }]);
    const answer = await queryUntil('test_metric{cluster="a",fixture="int-test"}', (r) => (r.data?.result.length ?? 0) > 0);
    expect(answer.data?.result.map((s) => s.value[1])).toEqual(['1']);
  });
});
