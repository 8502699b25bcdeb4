import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Store, type S3ObjectStore } from './s3-store.js';

// How the S3 store classifies failures that carry no HTTP status: by the socket
// error's code, never by its text. A loopback socket stands in for a broken network.
const credentials = { accessKeyId: 'test', secretAccessKey: 'test-secret' };
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

async function listen(onConnection: (socket: Socket) => void): Promise<string> {
  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function store(endpoint: string): S3ObjectStore {
  const s = createS3Store({ bucket: 'b', endpoint, credentials, maxAttempts: 2 });
  closers.push(() => s.destroy());
  return s;
}

describe('S3 store failures without an HTTP status', () => {
  it('reports a connection reset before any answer ("socket hang up", ECONNRESET) as unavailable (transient), after its retries', async () => {
    let received = 0;
    const endpoint = await listen((socket) => {
      received += 1;
      socket.once('data', () => socket.destroy());
    });
    const err = await store(endpoint).get('k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StoreUnavailable', errorClass: 'transient', data: { operation: 'get', key: 'k' } });
    expect((err as Error).message).toMatch(/^s3 get k failed: /);
    expect(received).toBe(2);
  });

  it('reports a connection reset while the body is read ("aborted", ECONNRESET) as unavailable (transient)', async () => {
    // The SDK has answered by then: no SDK retry, no SDK renaming; only the code tells.
    const endpoint = await listen((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nETag: "e"\r\n\r\npartial', () => socket.destroy()));
    });
    const err = await store(endpoint).get('k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StoreUnavailable', errorClass: 'transient', data: { operation: 'get', key: 'k' } });
  });

  it('reports a refused connection as unavailable (transient)', async () => {
    const endpoint = await listen(() => undefined);
    closers.splice(0).forEach((close) => close()); // nobody listens there any more
    const err = await store(endpoint).put('k', new Uint8Array([1])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StoreUnavailable', errorClass: 'transient', data: { operation: 'put', key: 'k' } });
  });
});
