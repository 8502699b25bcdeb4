import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '@driftless/core';
import { createFileStore } from '@driftless/store';
import { createDashboard, type Dashboard, type DashboardAuth, type DashboardDeps } from '../dashboard-listener.js';
import { seedFleet, type SeededFleet, type SeedOptions } from './seed-fleet.js';

/** The user the fixture's token belongs to, and the token (its sha256 is in the tokens map). */
export const ALICE = { user: 'alice', token: 'alice-test-token-0123456789' } as const;

/** sha256 hex of `token`: what a `--tokens` file line holds after `USER:`. */
export const tokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

/** What startDashboardFixture is asked for, beyond the seed. */
export interface DashboardFixtureOptions extends SeedOptions {
  /** Auth beyond alice's token (trustHeader, anonymousRead, more tokens). */
  readonly auth?: Partial<DashboardAuth>;
  /** Default 0: every request sees the store as it is now. */
  readonly summaryRefreshMs?: number;
}

/** A seeded store behind a real HTTP server answering only the dashboard (no hubHttpListener). */
export interface DashboardFixture extends SeededFleet {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly dashboard: Dashboard;
  readonly deps: DashboardDeps;
  /** fetch of `url + path` with alice's bearer token (pass `token: null` for none). */
  fetchAs(path: string, init?: RequestInit & { readonly token?: string | null }): Promise<Response>;
  /** A POST of `body` as JSON with alice's token. */
  post(path: string, body: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Seeds `opts.store` (seedFleet) and serves createDashboard over it on
 * 127.0.0.1 (a free port), with the seed's rollout controller, clock,
 * signing key and a tokens map holding alice's token. Close it after the test.
 */
export async function startDashboardFixture(opts: DashboardFixtureOptions): Promise<DashboardFixture> {
  const seeded = await seedFleet(opts);
  const tokens = new Map([[tokenDigest(ALICE.token), ALICE.user], ...(opts.auth?.tokens ?? [])]);
  const deps: DashboardDeps = {
    store: seeded.store,
    clock: seeded.clock,
    auth: { ...opts.auth, tokens },
    rollouts: seeded.controller,
    signingKey: seeded.signingKey,
    pointerTtlMs: 24 * 3600_000,
    summaryRefreshMs: opts.summaryRefreshMs ?? 0,
    newId: randomUUID,
  };
  const dashboard = createDashboard(deps);
  const server = createServer((req, res) => {
    if (!dashboard(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  const url = await listen(server);
  const fetchAs = (path: string, init: RequestInit & { readonly token?: string | null } = {}): Promise<Response> => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    const bearer = token === undefined ? ALICE.token : token;
    if (bearer !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${bearer}`);
    return fetch(`${url}${path}`, { ...rest, headers });
  };
  return {
    ...seeded,
    url,
    dashboard,
    deps,
    fetchAs,
    post: (path, body) => fetchAs(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** A `file:` store in a fresh temporary directory, and how to remove it. */
export async function tempFileStore(): Promise<{ store: ObjectStore; dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'driftless-dashboard-'));
  return { store: createFileStore(dir, { durable: false }), dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
