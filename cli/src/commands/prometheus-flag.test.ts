import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';
import { prometheusSource } from './prometheus-flag.js';

describe('--prometheus', () => {
  it('asks each query once: the controller\'s next step is the retry, never a step\'s whole budget spent retrying', async () => {
    let requests = 0;
    const server = createServer((_req, res) => (requests++, res.writeHead(503).end('overloaded')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const source = await prometheusSource(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {});
      await expect(source?.query('up')).rejects.toMatchObject({ code: 'MetricSourceUnavailable', data: { status: 503 } });
      expect(requests).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('builds the source from the flag, else $DRIFTLESS_PROMETHEUS_URL; none from neither', async () => {
    expect((await prometheusSource('http://127.0.0.1:9090/', {}))?.description).toBe('prometheus at http://127.0.0.1:9090');
    expect((await prometheusSource(undefined, { DRIFTLESS_PROMETHEUS_URL: 'https://prom.example:9090' }))?.description).toBe('prometheus at https://prom.example:9090');
    expect(await prometheusSource(undefined, { DRIFTLESS_PROMETHEUS_URL: '' })).toBeUndefined();
    expect(await prometheusSource(undefined, {})).toBeUndefined();
  });

  it('refuses a URL that is not http(s), naming where it came from, and never echoes credentials', async () => {
    await expect(prometheusSource('127.0.0.1:9090', {})).rejects.toThrow('--prometheus is not a URL (use e.g. http://127.0.0.1:9090)');
    await expect(prometheusSource('not a url', {})).rejects.toThrow('--prometheus is not a URL');
    await expect(prometheusSource(undefined, { DRIFTLESS_PROMETHEUS_URL: 'nope' })).rejects.toThrow('$DRIFTLESS_PROMETHEUS_URL is not a URL');
    const err: unknown = await prometheusSource('http://u:secret@prom:9090', {}).catch((e: unknown) => e);
    expect((err as Error).message).toContain('DRIFTLESS_PROMETHEUS_TOKEN');
    expect((err as Error).message).not.toContain('secret');
  });

  it.each([
    ['a query string', 'http://p/?access_token=secret', 'must not carry a query string or a fragment: set DRIFTLESS_PROMETHEUS_TOKEN'],
    ['a fragment', 'http://p/#secret', 'must not carry a query string or a fragment'],
    ['an unparseable URL with a password', 'http://u:secret@[p', 'is not a URL'],
    ['a password with a space', 'http://u:sec ret@p', 'must not carry credentials'],
    ['another scheme with a password', 'ftp://u:secret@p', 'must be an http:// or https:// URL, not ftp:'],
  ])('refuses %s without echoing it', async (_name, url, message) => {
    const err: unknown = await prometheusSource(url, {}).catch((e: unknown) => e);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toMatch(/sec/);
  });

  it.each([
    [['hub', 'compile', '--repo', 'file:/nowhere']],
    [['hub', 'serve', '--repo', 'file:/nowhere']],
    [['rollout', 'step']],
    [['rollout', 'approve', '--ring', 'ring-0', '--reason', 'ok']],
    [['rollout', 'resume', '--reason', 'ok']],
  ])('%j: explains the flag and the env vars in --help, and exits 2 naming the flag on an invalid URL', async (argv) => {
    const help = captureIo();
    expect(await main([...argv, '--help'], help)).toBe(0);
    for (const words of ['--prometheus <url>', 'DRIFTLESS_PROMETHEUS_URL', 'DRIFTLESS_PROMETHEUS_TOKEN', 'bearer token']) expect(help.out, words).toContain(words);
    const io = captureIo();
    expect(await main([...argv, '--store', 'file:/nowhere', '--prometheus', 'ftp://prom'], io)).toBe(2);
    const query = captureIo();
    expect(await main([...argv, '--store', 'file:/nowhere', '--prometheus', 'http://prom/?token=hush'], query)).toBe(2);
    expect(query.err).toContain('--prometheus must not carry a query string');
    expect(query.err).not.toContain('hush');
    expect(io.err).toContain('--prometheus must be an http:// or https:// URL, not ftp:');
  });
});
