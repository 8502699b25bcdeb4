import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Store } from './s3-store.js';

// The store's lean GET against a loopback HTTP server that answers as S3 would.
const credentials = { accessKeyId: 'test', secretAccessKey: 'test-secret' };
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

async function serve(answer: (n: number, headers: IncomingHttpHeaders, res: ServerResponse) => void): Promise<string> {
  let n = 0;
  const server = createServer((req, res) => answer(++n, req.headers, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function store(endpoint: string) {
  const s = createS3Store({ bucket: 'b', endpoint, credentials, maxAttempts: 3 });
  closers.push(() => s.destroy());
  return s;
}

const amzDate = (d: Date): string => d.toISOString().replace(/[-:]|\.\d{3}/g, '');

describe('S3 store GET', () => {
  it("signs again with the server's clock after a RequestTimeTooSkewed, and succeeds", async () => {
    const serverNow = new Date(Date.now() + 3 * 3600_000);
    const signedAt: string[] = [];
    const endpoint = await serve((n, headers, res) => {
      signedAt.push(String(headers['x-amz-date']));
      res.setHeader('date', serverNow.toUTCString());
      if (n === 1) res.writeHead(403).end('<Error><Code>RequestTimeTooSkewed</Code><Message>skewed</Message></Error>');
      else res.writeHead(200, { etag: '"e"' }).end('value');
    });
    const got = await store(endpoint).get('k');
    expect(got).toEqual({ kind: 'found', body: new TextEncoder().encode('value'), etag: '"e"' });
    expect(signedAt).toHaveLength(2);
    expect(signedAt[1]?.slice(0, 11)).toBe(amzDate(serverNow).slice(0, 11));
  });

  it('refuses a body over maxBytes that came without a Content-Length, as TooLarge', async () => {
    const endpoint = await serve((_n, _h, res) => {
      res.writeHead(200, { etag: '"e"', 'transfer-encoding': 'chunked' });
      res.write('x'.repeat(600));
      res.end('x'.repeat(600));
    });
    await expect(store(endpoint).get('k', { maxBytes: 1000 })).rejects.toMatchObject({ code: 'TooLarge', data: { subject: 'k', limitBytes: 1000 } });
  });

  it('sends If-None-Match and reads a 304 as not modified, with one request', async () => {
    const seen: (string | undefined)[] = [];
    const endpoint = await serve((_n, headers, res) => {
      seen.push(headers['if-none-match']);
      res.writeHead(304).end();
    });
    expect(await store(endpoint).get('a/b', { ifNoneMatch: '"e"' })).toEqual({ kind: 'not-modified' });
    expect(seen).toEqual(['"e"']);
  });

  it('rejects with an AbortError (the reason as its cause) when aborted during the request or during a backoff, not a store failure', async () => {
    let arrived = (): void => undefined;
    const hanging = await serve(() => arrived());
    const during = new AbortController();
    const request = store(hanging).get('k', { signal: during.signal });
    await new Promise<void>((resolve) => (arrived = resolve));
    const reason = new Error('hub serve stopping');
    during.abort(reason);
    await expect(request).rejects.toMatchObject({ name: 'AbortError', cause: reason });

    let failed = (): void => undefined;
    const failing = await serve((_n, _h, res) => {
      res.writeHead(503).end('<Error><Code>SlowDown</Code></Error>');
      failed();
    });
    const backingOff = new AbortController();
    const retried = store(failing).get('k', { signal: backingOff.signal });
    await new Promise<void>((resolve) => (failed = resolve));
    backingOff.abort(new Error('stop'));
    await expect(retried).rejects.toMatchObject({ name: 'AbortError' });
  });
});
