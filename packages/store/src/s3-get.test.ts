import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRng, type Clock } from '@driftless/core';
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

/**
 * A loopback address whose SYNs go unanswered, as a black-holed endpoint's:
 * a listener with a backlog of 1 on a worker thread that is blocked, so it
 * never accepts, and whose accept queue (backlog + 1 on Linux) is filled
 * first; further connects then hang in SYN retransmission.
 */
async function blackHole(): Promise<string> {
  const release = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
       server.close();
     });`,
    { eval: true, workerData: release },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = connect(port, '127.0.0.1').on('error', () => undefined);
    fillers.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
  }
  closers.push(() => {
    fillers.forEach((s) => s.destroy());
    Atomics.store(release, 0, 1);
    Atomics.notify(release, 0);
    void worker.terminate();
  });
  return `http://127.0.0.1:${port}`;
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

  // Pauses are recorded and end at once: the test waits for no wall-clock time.
  const recordingClock = (sleeps: number[]): Clock => ({
    now: () => Date.now(),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });

  it('bounds retries by a budget the store shares: a failing endpoint gets one request per GET once it is spent, and errors stay transient', async () => {
    let received = 0;
    const endpoint = await serve((_n, _h, res) => {
      received += 1;
      res.writeHead(500).end('<Error><Code>InternalError</Code><Message>down</Message></Error>');
    });
    const s = createS3Store({ bucket: 'b', endpoint, credentials, maxAttempts: 5, clock: recordingClock([]), rng: seededRng(1) });
    closers.push(() => s.destroy());
    const perGet: number[] = [];
    for (let i = 0; i < 27; i++) {
      const before = received;
      await expect(s.get('k')).rejects.toMatchObject({ code: 'StoreUnavailable', errorClass: 'transient', data: { status: 500 } });
      perGet.push(received - before);
    }
    // 500 tokens at 5 a retry: 25 GETs of 5 attempts, then no retry at all.
    expect(perGet).toEqual([...Array<number>(25).fill(5), 1, 1]);
  });

  it('backs off exponentially with full jitter from the store Rng, longer when throttled', async () => {
    const answers = ['<Error><Code>SlowDown</Code></Error>', '<Error><Code>InternalError</Code></Error>'];
    for (const [i, body] of answers.entries()) {
      const endpoint = await serve((_n, _h, res) => res.writeHead(503).end(body));
      const sleeps: number[] = [];
      const s = createS3Store({ bucket: 'b', endpoint, credentials, maxAttempts: 5, clock: recordingClock(sleeps), rng: seededRng(7) });
      closers.push(() => s.destroy());
      await expect(s.get('k')).rejects.toMatchObject({ code: 'StoreUnavailable' });
      const base = i === 0 ? 500 : 100;
      expect(sleeps).toHaveLength(4);
      sleeps.forEach((ms, n) => expect(ms).toBeLessThanOrEqual(base * 2 ** n));
      expect(new Set(sleeps.map((ms, n) => ms / (base * 2 ** n))).size).toBe(4);
    }
  });

  it('gives up an attempt at an endpoint that never completes the connection after the connect timeout, not the request timeout, and stays transient', async () => {
    const endpoint = await blackHole();
    const sleeps: number[] = [];
    const s = createS3Store({ bucket: 'b', endpoint, credentials, maxAttempts: 2, connectTimeoutMs: 50, requestTimeoutMs: 600_000, clock: recordingClock(sleeps), rng: seededRng(1) });
    closers.push(() => s.destroy());
    const err = await s.get('k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StoreUnavailable', errorClass: 'transient' });
    expect((err as Error).message).toBe('s3 get k failed: TimeoutError: no connection within 50 ms');
    // Retried as a timeout: one backoff between the two attempts.
    expect(sleeps).toHaveLength(1);
  });

  it('answers an error whose body never ends with its error document, as refused, without waiting for the end', async () => {
    const endpoint = await serve((_n, _h, res) => {
      res.writeHead(403, { 'transfer-encoding': 'chunked' });
      res.write('<Error><Code>AccessDenied</Code><Message>no</Message></Error>');
      // Writes until the client hangs up.
      const more = (): void => void res.write('x'.repeat(64 * 1024), (err) => err || setImmediate(more));
      more();
    });
    const err = await store(endpoint).get('k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StoreRefused', data: { status: 403 } });
    expect((err as Error).message).toContain('AccessDenied (HTTP 403): no');
  });
});
