import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@driftless/clock';
import type { RolloutController } from '@driftless/hub';
import { createFileStore } from '@driftless/store';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoDashboard, type DemoDashboard } from './demo-dashboard.js';

/** Nothing here approves, halts or steps: any call is a test failure. */
const noController = new Proxy({}, { get: (_t, name) => () => Promise.reject(new Error(`rollout controller ${String(name)} called`)) }) as RolloutController;

describe('the demo\'s dashboard', () => {
  let dashboard: DemoDashboard | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await dashboard?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints an approval link that opens the rollout page signed in, in a tab of its own', async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftless-demo-dashboard-'));
    const lines: string[] = [];
    dashboard = await startDemoDashboard({
      store: createFileStore(dir, { durable: false }),
      clock: systemClock,
      rollouts: noController,
      signingKey: generateKeyPairSync('ed25519').privateKey,
      user: 'demo',
      port: 0,
      fallbackToFreePort: false,
      log: (line) => lines.push(line),
    });
    const link = new URL(dashboard.rolloutUrl);
    // The route the page keeps once it has taken the token (hub/web route.ts splitToken).
    const token = /^#\/rollout&token=([\w-]+)$/.exec(link.hash)?.[1];
    expect(token, dashboard.rolloutUrl).toBeDefined();
    const who = await fetch(new URL('/api/v1/whoami', link), { headers: { authorization: `Bearer ${token ?? ''}` } });
    expect(await who.json()).toEqual({ user: 'demo', canWrite: true, anonymousRead: false });
    expect(lines.join('\n')).toContain(dashboard.signInUrl);
  });
});
