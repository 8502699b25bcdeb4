import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { networkErrorCode } from '@driftless/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GitIdleTimeoutError, withIdleTimeout } from './idle-timeout.js';

beforeEach(() => {
  // Only our timers: Node's HTTP client keeps its own.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const request: GitHttpRequest = { url: 'http://git.example/fleet.git/info/refs?service=git-upload-pack', method: 'GET' };

/** A body whose chunks arrive when the test pushes them. */
function pushedBody(): { body: AsyncIterableIterator<Uint8Array>; push: (chunk: Uint8Array | undefined) => void } {
  const queue: IteratorResult<Uint8Array>[] = [];
  let waiting: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  const body: AsyncIterableIterator<Uint8Array> = {
    next: () => new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift() as IteratorResult<Uint8Array>) : (waiting = resolve))),
    [Symbol.asyncIterator]: () => body,
  };
  const push = (chunk: Uint8Array | undefined): void => {
    const result: IteratorResult<Uint8Array> = chunk ? { done: false, value: chunk } : { done: true, value: undefined };
    if (waiting) {
      waiting(result);
      waiting = undefined;
    } else queue.push(result);
  };
  return { body, push };
}

/** An HttpClient answering `respond`, which records the signal it was given. */
function client(respond: (signal: AbortSignal) => Promise<GitHttpResponse>): { http: HttpClient; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    signals,
    http: {
      request: (req) => {
        if (!req.signal) throw new Error('no signal passed');
        signals.push(req.signal);
        return respond(req.signal);
      },
    },
  };
}

const ok = (body?: AsyncIterableIterator<Uint8Array>): GitHttpResponse => ({ url: request.url, statusCode: 200, statusMessage: 'OK', ...(body ? { body } : {}) });

describe('withIdleTimeout', () => {
  it('fails a request whose server never answers with a timeout error coded ETIMEDOUT, and aborts it', async () => {
    const { http, signals } = client(() => new Promise(() => undefined));
    const pending = withIdleTimeout(http, 1_000).request(request).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(signals[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await pending;
    expect(err).toBeInstanceOf(GitIdleTimeoutError);
    expect(networkErrorCode(err)).toBe('ETIMEDOUT');
    expect(signals[0]?.aborted).toBe(true);
  });

  it('answers a response that arrives in time, and passes its body through', async () => {
    const { body, push } = pushedBody();
    const { http } = client(() => Promise.resolve(ok(body)));
    const res = await withIdleTimeout(http, 1_000).request(request);
    push(new Uint8Array([1]));
    push(undefined);
    const chunks: number[] = [];
    for await (const chunk of res.body ?? []) chunks.push(...chunk);
    expect(chunks).toEqual([1]);
  });

  it('fails a body that stops arriving, counting only the time spent waiting for it', async () => {
    const { body, push } = pushedBody();
    const { http, signals } = client(() => Promise.resolve(ok(body)));
    const res = await withIdleTimeout(http, 1_000).request(request);
    const reader = res.body as AsyncIterableIterator<Uint8Array>;
    push(new Uint8Array([1]));
    // The caller takes its time before reading: that is not the server idling.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await reader.next()).toEqual({ done: false, value: new Uint8Array([1]) });
    const next = reader.next().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(networkErrorCode(await next)).toBe('ETIMEDOUT');
    expect(signals[0]?.aborted).toBe(true);
  });

  it('keeps an abort of the caller its own', async () => {
    const caller = new AbortController();
    const { http, signals } = client((signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted by the caller')))));
    const pending = withIdleTimeout(http, 1_000).request({ ...request, signal: caller.signal }).catch((e: unknown) => e);
    caller.abort();
    expect(await pending).toMatchObject({ message: 'aborted by the caller' });
    expect(signals[0]?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('withIdleTimeout over isomorphic-git\'s Node client and a real socket', () => {
  /**
   * A server that answers with headers and `sent` bytes of a longer body, then
   * stalls; undefined: never answers. `received` resolves once its handler runs
   * (from then on `closed` sees the connection close).
   */
  async function stalling(sent?: string): Promise<{ url: string; received: Promise<void>; closed: Promise<void>; close: () => Promise<void> }> {
    let receivedResolve: () => void = () => undefined;
    const received = new Promise<void>((resolve) => (receivedResolve = resolve));
    let closedResolve: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (closedResolve = resolve));
    const server = createServer((req, res: ServerResponse) => {
      req.socket.once('close', closedResolve);
      receivedResolve();
      if (sent !== undefined) res.writeHead(200, { 'content-length': '1000' }).write(sent);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fleet.git/info/refs`;
    const close = async (): Promise<void> => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    return { url, received, closed, close };
  }

  it('times out a server that never answers and closes the connection', async () => {
    const server = await stalling();
    try {
      const pending = withIdleTimeout(nodeHttp, 1_000).request({ url: server.url }).catch((e: unknown) => e);
      // Time out only once the server holds the request: an abort before that
      // would close a connection whose handler never ran, and `closed` would never resolve.
      await server.received;
      await vi.advanceTimersByTimeAsync(1_000);
      expect(networkErrorCode(await pending)).toBe('ETIMEDOUT');
      await server.closed;
    } finally {
      await server.close();
    }
  });

  it('times out a body that stalls half way and closes the connection', async () => {
    const server = await stalling('half');
    try {
      const res = await withIdleTimeout(nodeHttp, 1_000).request({ url: server.url });
      const reader = res.body as AsyncIterableIterator<Uint8Array>;
      expect(new TextDecoder().decode((await reader.next()).value as Uint8Array)).toBe('half');
      const next = reader.next().catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(networkErrorCode(await next)).toBe('ETIMEDOUT');
      await server.closed;
    } finally {
      await server.close();
    }
  });
});
