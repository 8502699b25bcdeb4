import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsExporter, type MetricsExporter } from './metrics-exporter.js';

let exporter: MetricsExporter | undefined;
afterEach(async () => {
  await exporter?.close();
});

const scrape = async (e: MetricsExporter) => {
  const res = await fetch(`http://${e.target}/metrics`);
  return { contentType: res.headers.get('content-type'), text: await res.text() };
};

describe('startMetricsExporter', () => {
  it('serves the Prometheus text format with its Content-Type', async () => {
    exporter = await startMetricsExporter();
    exporter.record('a', { code: 503, count: 2 });
    const { contentType, text } = await scrape(exporter);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('http_requests_total{cluster="a",code="503"} 2');
  });

  it('adds the set traffic at every scrape, errors in the set ratio', async () => {
    exporter = await startMetricsExporter();
    exporter.setTraffic('a', { errorRatio: 0.25, requestsPerScrape: 100 });
    await scrape(exporter);
    const { text } = await scrape(exporter);
    expect(text).toContain('http_requests_total{cluster="a",code="500"} 50');
    expect(text).toContain('http_requests_total{cluster="a",code="200"} 150');
    expect(text).toContain('http_request_duration_seconds_count{cluster="a"} 200');
    exporter.stopTraffic('a');
    expect((await scrape(exporter)).text).toContain('http_requests_total{cluster="a",code="500"} 50');
    expect(exporter.scrapes).toBe(3);
  });
  it("counts overrides in `human_overrides_total`, serving a new cluster's counter at 0 first so `increase()` sees its first overrides", async () => {
    exporter = await startMetricsExporter();
    exporter.addOverrides('a', 3);
    expect((await scrape(exporter)).text).toContain('human_overrides_total{cluster="a"} 0');
    expect((await scrape(exporter)).text).toContain('human_overrides_total{cluster="a"} 3');
    exporter.addOverrides('a', 2);
    expect((await scrape(exporter)).text).toContain('human_overrides_total{cluster="a"} 5');
  });
});
