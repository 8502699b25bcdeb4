import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServedMetrics } from './prometheus-metrics.js';

/**
 * Serves `/metrics` (Prometheus text), `/healthz` (200 while passes keep
 * completing, 503 with the reason once they stopped: see prometheusMetrics) and
 * `/readyz` (200 once a first pass has run, 503 before) on `host:port`
 * (port 0: any free port); the server's `url` says where. Any other path is 404.
 */
export async function startMetricsServer(addr: string, metrics: ServedMetrics): Promise<Server & { url: string }> {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i) || '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      const stalled = metrics.stalled();
      res.writeHead(stalled ? 503 : 200).end(`${stalled ?? 'ok'}\n`);
    }
    else if (req.url === '/readyz') res.writeHead(metrics.ready() ? 200 : 503).end(metrics.ready() ? 'ok\n' : 'no pass yet\n');
    else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const a = server.address() as AddressInfo;
  return Object.assign(server, { url: `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` });
}
