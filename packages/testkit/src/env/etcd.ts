import { join } from 'node:path';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './managed-process.js';
import { probe, waitUntilReady } from './readiness.js';
import type { Reaper } from './reaper.js';

/**
 * Starts a single-member etcd on free loopback ports with data under `dir`
 * (fsync off: test data is throwaway) and resolves once `/health` answers 200.
 * Returns the client URL for kube-apiserver's `--etcd-servers`.
 */
export async function startEtcd(opts: {
  binary: string;
  dir: string;
  logDir: string;
  reaper: Reaper;
}): Promise<{ clientUrl: string; process: ManagedProcess }> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const proc = startProcess({
    name: 'etcd',
    command: opts.binary,
    args: [
      '--name=default',
      `--data-dir=${join(opts.dir, 'etcd')}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    logFile: join(opts.logDir, 'etcd.log'),
    reaper: opts.reaper,
  });
  await waitUntilReady(proc, async () => (await probe(`${clientUrl}/health`)) === 200, 'healthy (/health)');
  return { clientUrl, process: proc };
}
