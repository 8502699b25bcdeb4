import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import type { Clock, ObjectStore } from '@driftless/core';
import { createDashboard, startDashboardServer, type RolloutController } from '@driftless/hub';

/** What the demo's dashboard serves, and where. */
export interface DemoDashboardDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** The demo's rollout controller: the one deliverRelease steps, so an approval there is seen at its next read. */
  readonly rollouts: RolloutController;
  readonly signingKey: KeyObject;
  /** Who the one token signs in as (recorded as the actor of what is done there). */
  readonly user: string;
  /** 0 = any free port. */
  readonly port: number;
  /** The port is the default one: when it is in use, take a free one and say so. */
  readonly fallbackToFreePort: boolean;
  readonly log: (line: string) => void;
}

/** The demo's dashboard, running. */
export interface DemoDashboard {
  /** `http://127.0.0.1:PORT/#token=TOKEN`: opens the dashboard signed in. */
  readonly signInUrl: string;
  /**
   * `http://127.0.0.1:PORT/#/rollout&token=TOKEN`: the rollout page, signed
   * in (the approval prompt's link; a terminal opens it in a new tab, and a
   * tab's sign-in is its own).
   */
  readonly rolloutUrl: string;
  readonly user: string;
  close(): Promise<void>;
}

/**
 * Serves the dashboard over the demo's store on 127.0.0.1 with one fresh
 * random token for `user`, and prints the URL that signs in with it.
 */
export async function startDemoDashboard(deps: DemoDashboardDeps): Promise<DemoDashboard> {
  const token = randomBytes(24).toString('base64url');
  const tokens = new Map([[createHash('sha256').update(token).digest('hex'), deps.user]]);
  const handler = createDashboard({ store: deps.store, clock: deps.clock, rollouts: deps.rollouts, signingKey: deps.signingKey, auth: { tokens } });
  const server = await startDashboardServer(handler, { port: deps.port, fallbackToFreePort: deps.fallbackToFreePort });
  if (server.fellBack) deps.log(`demo: port ${deps.port} is in use: the dashboard listens on port ${server.port} instead (--dashboard-port to choose)`);
  const signInUrl = `${server.url}#token=${token}`;
  deps.log(`dashboard  ${signInUrl}   (signed in as ${deps.user})`);
  return { signInUrl, rolloutUrl: `${server.url}#/rollout&token=${token}`, user: deps.user, close: () => server.close() };
}
