import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with one request instead of forwarding it: answer an
 * error, reset the connection, forward it and then lose the response (the
 * request took effect, the client never hears so), or hang: read the request
 * and never answer, keeping the connection open (until `close`).
 */
export type Fault = { readonly status: number; readonly body?: string } | 'reset' | 'lose-response' | 'hang';

/** A running fault-injecting proxy. */
export interface FaultyProxy {
  /** `http://127.0.0.1:PORT`, to use as the endpoint instead of the target. */
  readonly url: string;
  /** Requests received so far (forwarded or faulted). */
  readonly received: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on loopback in front of a real server (MinIO) that forwards
 * every request unchanged, Host header included (so S3 signatures still verify),
 * except those for which `plan` returns a fault: an error status with a body, or
 * a connection reset. `n` counts requests from 1. For testing retries against the
 * real adapter and server rather than a mock of either.
 */
export async function startFaultyProxy(
  target: string,
  plan: (req: { method: string; path: string; n: number }) => Fault | undefined,
): Promise<FaultyProxy> {
  const to = new URL(target);
  let received = 0;
  const server = createServer((req: IncomingMessage, res) => {
    received += 1;
    const fault = plan({ method: req.method ?? 'GET', path: req.url ?? '/', n: received });
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      req.resume();
      return;
    }
    if (fault && fault !== 'lose-response') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/xml' }).end(fault.body ?? '');
      return;
    }
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (fault === 'lose-response') {
          up.resume();
          up.once('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.once('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get received() {
      return received;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The XML body S3 sends with an error status, so the SDK classifies it as S3 would. */
export function s3ErrorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>test</RequestId></Error>`;
}
