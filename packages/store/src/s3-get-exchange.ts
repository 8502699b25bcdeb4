import type { ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { GetOptions } from '@driftless/core';

/**
 * An error answer's body is read up to about this many bytes (its Code and
 * Message come first), then the connection is dropped: a broken or hostile
 * endpoint can neither fill memory nor hold the caller with an endless error.
 */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** One attempt's answer: its status, ETag, Date (ms) and body (empty unless 200, or an S3 error document). */
export interface Answer {
  readonly status: number;
  readonly etag: string;
  readonly date: number | undefined;
  readonly body: Uint8Array;
}

/** An attempt's time limits, ms. */
export interface ExchangeTimeouts {
  /** The whole exchange; also the longest the socket may stay idle. */
  readonly requestMs: number;
  /** A new connection's TCP connect (see {@link connectDeadline}). */
  readonly connectMs: number;
}

/**
 * Sends a request and reads its answer within `t.requestMs`, a new
 * connection connected within `t.connectMs`. A body over
 * `o.maxBytes` is not read: the answer says 413; an error answer's body is
 * cut after {@link MAX_ERROR_BODY_BYTES}. The caller's abort rejects with its
 * AbortError; a timeout with an Error named `TimeoutError`.
 */
export function exchange(send: () => ReturnType<typeof httpRequest>, t: ExchangeTimeouts, o: GetOptions): Promise<Answer> {
  const timeoutMs = t.requestMs;
  return new Promise<Answer>((resolve, reject) => {
    // Aborted while the request was being signed: nothing is sent.
    if (o.signal?.aborted) {
      reject(abortError(o.signal));
      return;
    }
    const req = send();
    // Destroying the request or response emits their errors synchronously: only the first outcome counts.
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      req.destroy();
      reject(err);
    };
    const answer = (a: Answer): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(a);
    };
    const timeout = (): void => fail(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' }));
    const timer = setTimeout(timeout, timeoutMs);
    const onAbort = (): void => fail(abortError(o.signal));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const stopConnectDeadline = connectDeadline(req, t.connectMs, fail);
    const cleanup = (): void => {
      clearTimeout(timer);
      stopConnectDeadline();
      o.signal?.removeEventListener('abort', onAbort);
    };
    req.setTimeout(timeoutMs, timeout);
    req.once('error', fail);
    req.once('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const etag = header(res, 'etag');
      const dated = header(res, 'date');
      const date = dated ? Date.parse(dated) : undefined;
      const length = Number(header(res, 'content-length') || Number.NaN);
      if (status === 200 && o.maxBytes !== undefined && length > o.maxBytes) {
        answer({ status: 413, etag, date, body: new Uint8Array(0) });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (status === 200 && o.maxBytes !== undefined && size > o.maxBytes) {
          answer({ status: 413, etag, date, body: new Uint8Array(0) });
          res.destroy();
          return;
        }
        chunks.push(chunk);
        if (status !== 200 && size > MAX_ERROR_BODY_BYTES) {
          // The error document is in hand: stop reading rather than wait for an answer that may not end.
          answer({ status, etag, date, body: bytesOf(chunks) });
          res.destroy();
        }
      });
      res.once('error', fail);
      res.once('aborted', () => fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      res.once('end', () => {
        answer({ status, etag, date, body: bytesOf(chunks) });
      });
    });
    req.end();
  });
}

/**
 * Fails the request (an Error named `TimeoutError`) unless its socket
 * connects within `ms`, as the SDK's connectionTimeout did: an endpoint that
 * drops SYNs then costs an attempt `ms`, not the whole request timeout. A
 * reused keep-alive socket is connected already. Returns what stops it.
 */
function connectDeadline(req: ClientRequest, ms: number, fail: (err: Error) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  req.once('socket', (socket: Socket) => {
    if (stopped || !socket.connecting) return;
    timer = setTimeout(() => fail(Object.assign(new Error(`no connection within ${ms} ms`), { name: 'TimeoutError' })), ms);
    socket.once('connect', () => clearTimeout(timer));
  });
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function bytesOf(chunks: Buffer[]): Uint8Array {
  const body = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

function header(res: IncomingMessage, name: string): string {
  const value = res.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/**
 * The error an abort rejects with: named AbortError whatever the signal's
 * reason (kept as its cause), as the SDK's are, so the store passes it
 * through untouched rather than taking it for a store failure.
 */
export function abortError(signal: AbortSignal | undefined): Error {
  return Object.assign(new Error('the request was aborted', { cause: signal?.reason }), { name: 'AbortError' });
}
