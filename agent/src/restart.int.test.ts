import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { seededRng, type Clock } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { createFileStore } from '@driftless/store';
import { binaryPath, Reaper, startEtcd, startKubeApiserver } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { systemClock } from '@driftless/clock';
import { createAgent } from './agent.js';
import { colorBundle, publishBundle } from './testing/publish.js';

const clock: Clock = systemClock;

// The same scenario runs as a unit test in agent.test.ts; this one checks the real
// adapter's error for a stopped API server, and recovery after its restart.
describe('agent and an API server outage', () => {
  it('reports the outage, keeps running, and converges once the API server is back', async () => {
    // A kube-apiserver of its own: restarting the shared one would disturb other tests.
    const reaper = new Reaper();
    const dir = await mkdtemp(join(tmpdir(), 'driftless-restart-'));
    reaper.adoptDir(dir);
    try {
      await mkdir(join(dir, 'logs'));
      const etcd = await startEtcd({ binary: binaryPath('etcd'), dir, logDir: join(dir, 'logs'), reaper });
      const kas = await startKubeApiserver({ binary: binaryPath('kube-apiserver'), etcdUrl: etcd.clientUrl, dir, logDir: join(dir, 'logs'), reaper });
      const kc = new KubeConfig();
      kc.loadFromFile(kas.info.kubeconfig);
      const kube = createKubeTarget(kc);
      const store = createFileStore(join(dir, 'store'));
      const agent = createAgent({ clock, rng: seededRng(3), store, kube, config: { cluster: 'c1', intervalMs: 1_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true } });

      await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
      expect((await agent.runOnce()).phase).toBe('Applied');

      await publishBundle(store, 'c1', colorBundle('app', 'green'), 2);
      await kas.process.stop();
      const during = await agent.runOnce();
      expect(during).toMatchObject({ poll: 'changed', phase: 'Failed' });
      expect(during.error).toMatch(/failed: (ECONNREFUSED|.*connect)/);

      await kas.restart();
      expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 2 });
      expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'settings' }))?.['data']).toEqual({ color: 'green' });
      await kas.process.stop();
      await etcd.process.stop();
    } finally {
      reaper.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
