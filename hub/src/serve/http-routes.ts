import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubServer } from './hub-server.js';
import type { DashboardHandler } from '../dashboard/dashboard-listener.js';
import { webhookAuthorized } from './webhook-auth.js';

/** The largest webhook body read, bytes (1 MiB): a push payload is far smaller, and only GitHub's signature needs the body. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** Webhook requests handled at once; more are answered 503 (a push only asks for a poll, which one request does). */
export const MAX_WEBHOOKS_IN_FLIGHT = 8;

const NO_BODY = new Uint8Array();

/**
 * The node:http request listener of `hub serve`: `GET /healthz` answers 200
 * with the server's health (JSON); `POST /hooks/push` triggers an immediate
 * poll (202) when the webhook is authorized (see webhookAuthorized), else 401
 * and nothing happens. Webhooks are cheap to refuse: beyond
 * {@link MAX_WEBHOOKS_IN_FLIGHT} at once 503; a Content-Length over
 * {@link MAX_WEBHOOK_BYTES} 413 before reading, a streamed body passing it
 * 413 and the connection destroyed; a GitLab token (or no secret) is checked
 * without reading the body. Anything else is 404 (405 for a known path with
 * another method). With `dashboard`, it answers the API and the web UI
 * first (see createDashboard).
 */
export function hubHttpListener(server: Pick<HubServer, 'health' | 'pollNow'>, webhookSecret: string | undefined, dashboard?: DashboardHandler) {
  let inFlight = 0;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (dashboard?.(req, res)) return;
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, { error: 'use GET' });
      return answer(res, 200, server.health());
    }
    if (path !== '/hooks/push') return answer(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return answer(res, 405, { error: 'use POST' });
    if (inFlight >= MAX_WEBHOOKS_IN_FLIGHT) return answer(res, 503, { error: `over ${MAX_WEBHOOKS_IN_FLIGHT} webhook requests in flight` }, true);
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
    webhook(server, webhookSecret, req, res);
  };
}

function webhook(server: Pick<HubServer, 'pollNow'>, secret: string | undefined, req: IncomingMessage, res: ServerResponse): void {
  const accept = (authorized: boolean, closeAfter: boolean): void => {
    if (!authorized) return answer(res, 401, { error: 'bad or missing webhook signature' }, closeAfter);
    server.pollNow();
    answer(res, 202, { polling: true }, closeAfter);
  };
  if (Number(req.headers['content-length'] ?? 0) > MAX_WEBHOOK_BYTES) return answer(res, 413, { error: `body over ${MAX_WEBHOOK_BYTES} bytes` }, true);
  // Only GitHub's HMAC covers the body; a GitLab token (or no secret at all) is decided on the headers, the body unread.
  if (secret === undefined || typeof req.headers['x-hub-signature-256'] !== 'string') return accept(webhookAuthorized(secret, req.headers, NO_BODY), true);
  readBody(req, MAX_WEBHOOK_BYTES).then(
    (body) => {
      if (body !== undefined) return accept(webhookAuthorized(secret, req.headers, body), false);
      answer(res, 413, { error: `body over ${MAX_WEBHOOK_BYTES} bytes` }, true);
      req.destroy();
    },
    () => answer(res, 400, { error: 'request body could not be read' }, true),
  );
}

/** `close`: the body was not read (whole), so the connection is not reused: node would otherwise drain the rest. */
function answer(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) });
  res.end(`${JSON.stringify(body)}\n`);
}

/** The request body, or undefined as soon as it passes `limit` bytes (nothing more is read). */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
