import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ComponentStartError, startProcess } from './managed-process.js';
import { waitUntilReady } from './readiness.js';
import { Reaper } from './reaper.js';

const reaper = new Reaper();
const dirs: string[] = [];
afterEach(async () => {
  reaper.dispose();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function logDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'driftless-proc-'));
  dirs.push(d);
  return d;
}

describe('a component that fails to start', () => {
  it('is reported by name, with its exit code and the tail of its log', async () => {
    const proc = startProcess({
      name: 'kube-apiserver',
      command: process.execPath,
      args: ['-e', "console.error('line 1'); console.error('listen tcp 127.0.0.1:6443: bind: address already in use'); process.exit(3)"],
      logFile: join(await logDir(), 'kube-apiserver.log'),
      reaper,
    });
    const err = await waitUntilReady(proc, () => Promise.resolve(false), 'ready (/readyz)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComponentStartError);
    const message = (err as Error).message;
    expect(message).toMatch(/^kube-apiserver start failed: exited \(code 3\) before ready \(\/readyz\)/);
    expect(message).toContain('| listen tcp 127.0.0.1:6443: bind: address already in use');
    expect((err as ComponentStartError).data.component).toBe('kube-apiserver');
  });

  it('is reported by name when the binary does not exist', async () => {
    const proc = startProcess({
      name: 'minio',
      command: '/nonexistent/minio',
      args: [],
      logFile: join(await logDir(), 'minio.log'),
      reaper,
    });
    const err = await waitUntilReady(proc, () => Promise.resolve(false), 'ready').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^minio start failed: exited/);
  });

  it('is reported when it never becomes ready, and can then be stopped', async () => {
    const proc = startProcess({
      name: 'etcd',
      command: 'sleep',
      args: ['300'],
      logFile: join(await logDir(), 'etcd.log'),
      reaper,
    });
    const err = await waitUntilReady(proc, () => Promise.resolve(false), 'healthy', 200).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^etcd start failed: not healthy after 0.2s/);
    await proc.stop();
    expect(proc.child.signalCode).toBe('SIGTERM');
  });
});
