import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubServer } from './hub-server.js';
import { webhookAuthorized } from './webhook-auth.js';

/** The largest webhook body read, bytes: GitHub caps its payloads at 25 MB, but only the signature needs the body. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/**
 * The node:http request listener of `hub serve`: `GET /healthz` answers 200
 * with the server's health (JSON); `POST /hooks/push` triggers an immediate
 * poll (202) when the webhook is authorized (see webhookAuthorized), else 401
 * and nothing happens. Anything else is 404 (405 for a known path with
 * another method).
 */
export function hubHttpListener(server: Pick<HubServer, 'health' | 'pollNow'>, webhookSecret: string | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, { error: 'use GET' });
      return answer(res, 200, server.health());
    }
    if (path !== '/hooks/push') return answer(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return answer(res, 405, { error: 'use POST' });
    readBody(req, MAX_WEBHOOK_BYTES).then(
      (body) => {
        if (body === undefined) return answer(res, 413, { error: `body over ${MAX_WEBHOOK_BYTES} bytes` });
        if (!webhookAuthorized(webhookSecret, req.headers, body)) return answer(res, 401, { error: 'bad or missing webhook signature' });
        server.pollNow();
        answer(res, 202, { polling: true });
      },
      () => answer(res, 400, { error: 'request body could not be read' }),
    );
  };
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** The request body, or undefined once it passes `limit` bytes (the rest is drained, not kept). */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}
