import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'driftless.js');

describe('driftless demo (npm start)', () => {
  it('converges a fleet with one real agent, says where to look, and removes everything on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--clusters', '20', '--interval', '1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
        if (stdout.includes('Ctrl-C')) resolve();
      });
      void exited.then((code) => reject(new Error(`demo exited with ${String(code)} before converging:\n${stderr}`)));
    });
    const kubeconfig = /kubeconfig\s+(\S+)/.exec(stdout)?.[1] ?? '';
    const storeUrl = /--store (file:\S+)/.exec(stdout)?.[1] ?? '';
    try {
      expect(stderr).toMatch(/20\/20 clusters on the first revision/);
      expect(stderr).toMatch(/20\/20 clusters on the new revision, p50 [\d.]+s, p99 [\d.]+s/);
      expect(stderr).toContain('git fetched once');

      // The real agent applied its bundle, the new revision included, to the local kube-apiserver.
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const web = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'app-01', namespace: 'app-01' });
      expect(web.spec?.template.spec?.containers[0]?.image).toBe('registry.example.invalid/app-01:1.1.0');

      // `driftless status` as the summary tells the user to run it.
      const { stdout: status } = await promisify(execFile)(process.execPath, [BIN, 'status', '--store', storeUrl, '--json']);
      const rows = JSON.parse(status) as { cluster: string; phase?: string }[];
      expect(rows).toHaveLength(20);
      expect(rows.find((r) => r.cluster === 'c-00001')?.phase).toBe('Applied');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(dirname(kubeconfig))).toBe(false);
    expect(existsSync(storeUrl.slice('file:'.length))).toBe(false);
  });
});
