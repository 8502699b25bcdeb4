import { createServer } from 'node:net';

/**
 * A loopback TCP port nothing listens on (bound, read and released), for a
 * server that refuses connections (ECONNREFUSED). Not port 1: fetch refuses to
 * dial that one ("bad port") without ever reaching a socket.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}
