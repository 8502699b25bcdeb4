import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, ObjectStore } from '@driftless/core';
import { createAuditLog } from '../audit/audit-log.js';
import type { HubLog } from '../hub-log.js';
import type { RolloutController } from '../rollout/rollout-controller.js';
import { createStatusObserver } from '../rollout/status-observer.js';
import { ApiFailure, pathOf, queryOf, sendFailure, sendJson } from './api-http.js';
import { callerOf, refuseCrossSite, requireUser } from './dashboard-auth.js';
import { mutationRoute, readJsonBody } from './mutation-routes.js';
import { createFleetSummary, type FleetSummarySource } from './fleet-summary.js';
import { readRoute, type ReadDeps } from './read-routes.js';
import { serveUiFile } from './ui-files.js';

/** Who may use the API (see api-types.ts, Auth). */
export interface DashboardAuth {
  /** sha256 hex of each token -> its user (`--tokens FILE`: `USER:SHA256_HEX` per line). */
  readonly tokens: ReadonlyMap<string, string>;
  /** A header an auth proxy sets to the signed-in user (`--trust-header X-Forwarded-User`); lower case. */
  readonly trustHeader?: string;
  /** GETs without credentials are answered (`--anonymous-read`); never POSTs. Default false. */
  readonly anonymousRead?: boolean;
}

/** What the dashboard (API and UI) is given; the same for `hub serve` and the demo. */
export interface DashboardDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly auth: DashboardAuth;
  /** The controller approve, halt and resume go through (`hub serve`'s own: same key, same observer). */
  readonly rollouts: RolloutController;
  /** Signs the audit entries and the pointers a flag override republishes (the hub's --sign-key). */
  readonly signingKey?: KeyObject;
  /** Pointers a flag override republishes expire this long after signing, ms (with signingKey). */
  readonly pointerTtlMs?: number;
  /** The fleet summary is brought up to date at most this often, ms (a listing with ETags, then only what changed). Default 2 000. */
  readonly summaryRefreshMs?: number;
  readonly log?: HubLog;
  /** A fresh id (flag override records); default crypto.randomUUID. */
  readonly newId?: () => string;
}

/**
 * The dashboard's request handler: answers `/api/v1/...` (api-types.ts) and
 * the web UI (`/`, `/ui/...`) and returns true; returns false, answering
 * nothing, for any other path (the caller's 404, /healthz, /hooks/push).
 */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The dashboard's handler with its fleet summary, whose request counts tests and the bench read. */
export interface Dashboard extends DashboardHandler {
  readonly fleet: FleetSummarySource;
}

const API = '/api/v1';

/**
 * Builds the dashboard's handler: `/api/v1/...` (api-types.ts) after
 * authenticating the caller, and the UI's static files (serveUiFile). The
 * fleet summary, the status observer and the audit log reader live as long
 * as the handler, so their ETags carry over between requests.
 */
export function createDashboard(deps: DashboardDeps): Dashboard {
  const { store, clock } = deps;
  const fleet = createFleetSummary({
    store,
    clock,
    ...(deps.summaryRefreshMs !== undefined ? { refreshMs: deps.summaryRefreshMs } : {}),
    onRefreshFailed: (err) => deps.log?.({ level: 'warn', msg: `dashboard fleet summary refresh failed: ${err.message}` }),
  });
  const reads: ReadDeps = { deps, fleet, observer: createStatusObserver(store, deps.log ? { log: deps.log } : {}), audit: createAuditLog({ store, clock, ...(deps.signingKey ? { signingKey: deps.signingKey } : {}) }) };
  const handler = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = pathOf(req);
    if (path !== API && !path.startsWith(`${API}/`)) return serveUiFile(req, res);
    answerApi(reads, req, res, path.slice(API.length)).catch((err: unknown) => {
      if (!(err instanceof ApiFailure)) deps.log?.({ level: 'error', msg: 'dashboard request failed', method: req.method, path, error: (err as Error).message });
      sendFailure(req, res, err);
    });
    return true;
  };
  return Object.assign(handler, { fleet });
}

async function answerApi(reads: ReadDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const method = req.method ?? 'GET';
  const auth = reads.deps.auth;
  const caller = callerOf(req, auth);
  requireUser(caller, method, auth);
  if (method === 'GET' || method === 'HEAD') {
    const route = readRoute(reads, path);
    if (!route) throw new ApiFailure(404, `${API}${path} read failed: there is no such route`, 'NotFound');
    await route({ req, res, user: caller.user, query: queryOf(req) });
    return;
  }
  const mutation = method === 'POST' ? mutationRoute(reads.deps, reads.audit, path) : undefined;
  if (!mutation) {
    if (method === 'POST' && !readRoute(reads, path)) throw new ApiFailure(404, `${API}${path} change failed: there is no such route`, 'NotFound');
    throw new ApiFailure(405, `${method} ${API}${path} failed: the method is not allowed`, 'MethodNotAllowed', { allow: method === 'POST' ? 'GET, HEAD' : 'GET, HEAD, POST' });
  }
  refuseCrossSite(req);
  const result = await mutation(await readJsonBody(req), caller.user ?? '');
  // The caller's next read shows what it changed, not the snapshot from before.
  reads.fleet.invalidate();
  sendJson(req, res, 200, result);
}
