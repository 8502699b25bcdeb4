import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, ObjectStore } from '@driftless/core';
import type { HubLog } from '../hub-log.js';
import type { RolloutController } from '../rollout/rollout-controller.js';

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

/** Builds the dashboard's handler (to be implemented: the API routes and the UI files). */
export function createDashboard(deps: DashboardDeps): DashboardHandler {
  void deps;
  return () => false;
}
