import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DashboardHandler } from './dashboard-listener.js';

/** Where startDashboardServer listens. */
export interface DashboardServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 = any free port. */
  readonly port: number;
  /** When `port` is in use, listen on a free one instead of failing (the demo's default 8080). */
  readonly fallbackToFreePort?: boolean;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://HOST:PORT/`, no token. */
  readonly url: string;
  readonly port: number;
  /** Whether the requested port was in use and a free one was taken instead. */
  readonly fellBack: boolean;
  /** Stops listening and ends open connections (a browser's keep-alive ones too). */
  close(): Promise<void>;
}

/**
 * Serves `dashboard` on a node:http server (the demo and the dashboard
 * bench; `hub serve` mounts it in its own listener): anything it does not
 * answer is a JSON 404. Rejects with node's listen error (EADDRINUSE without
 * `fallbackToFreePort`, EACCES), as `hub serve` does for its address.
 */
export async function startDashboardServer(dashboard: DashboardHandler, opts: DashboardServerOptions): Promise<DashboardServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    if (dashboard(req, res)) return;
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `${req.url ?? '/'} not found` }));
  });
  let fellBack = false;
  try {
    await listen(server, host, opts.port);
  } catch (err) {
    if (!(opts.fallbackToFreePort && (err as NodeJS.ErrnoException).code === 'EADDRINUSE')) throw err;
    fellBack = true;
    await listen(server, host, 0);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    port,
    fellBack,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Listens once; the listener that did not fire is removed, so a failed listen can be retried on the same server. */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: Error): void => {
      server.off('listening', listening);
      reject(err);
    };
    const listening = (): void => {
      server.off('error', failed);
      resolve();
    };
    server.once('error', failed).once('listening', listening);
    server.listen(port, host);
  });
}
