import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { readCurrentRolloutDocument } from '@driftless/hub';
import { createFileStore } from '@driftless/store';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'driftless.js');

describe('driftless demo (npm start)', () => {
  it('rolls a release through three rings with one real agent, answers its approval prompt, says where to look, and removes everything on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--clusters', '20', '--interval', '1s', '--dashboard-port', '0', '--approve-after', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      // The dashboard's URL, signed in by the token in its fragment, before the first compile; again in the summary.
      const dashboard = /^dashboard {2}(http:\/\/127\.0\.0\.1:\d+\/)#token=[\w-]+ {3}\(signed in as \S+\)$/m.exec(stderr);
      expect(dashboard, stderr).not.toBeNull();
      expect(stderr.indexOf(dashboard?.[0] ?? '')).toBeLessThan(stderr.indexOf('demo: hub compiled'));
      expect(stdout).toContain(dashboard?.[0].split(/ +/)[1]);
      // The UI's page answers; the API wants the token (a GET without it is refused).
      expect((await fetch(dashboard?.[1] ?? '')).status).toBe(200);
      expect((await fetch(new URL('api/v1/whoami', dashboard?.[1] ?? ''))).status).toBe(401);

      // The release went through the rings, one live line per ring (not a terminal: printed as they change).
      // 20 clusters: ring label i % 10, so ring-0 and ring-1 get 2 clusters each, the catch-all ring-2 the other 16.
      // ring-0 is gated by an error-rate check read from the demo's Prometheus (the exporter's traffic: 1 % errors).
      // The value is rate() arithmetic, so it may print just below 0.01 (0.009999999999999998): compare the number.
      const ring0 = /^ring-0 +Succeeded +2\/2 applied +soak done +check error-rate (\d+(?:\.\d+)?(?:e-?\d+)?) \(c-000[01]0\) within max 0\.02$/m.exec(stderr);
      expect(ring0, stderr).not.toBeNull();
      expect(Number(ring0?.[1])).toBeCloseTo(0.01, 3);
      expect(stderr).toMatch(/^ring-1 +Succeeded +2\/2 applied +soak done$/m);
      expect(stderr).toMatch(/^ring-2 +AwaitingApproval +0\/16 applied/m);
      expect(stderr).toMatch(/^approve ring-2\? \[y\/N\] … demo answers: y \(as demo\)$/m);
      expect(stderr).toMatch(/^ring-2 +Succeeded +16\/16 applied +soak done$/m);
      expect(stderr.indexOf('approve ring-2?')).toBeLessThan(stderr.search(/^ring-2 +Progressing/m));

      // The rollout as the store records it: Completed, each ring opened only once the one before succeeded, ring-2 only after demo's approval.
      const rollout = (await readCurrentRolloutDocument(createFileStore(storeUrl.slice('file:'.length))))?.doc;
      expect(rollout?.phase).toBe('Completed');
      const [r0, r1, r2] = rollout?.rings ?? [];
      expect([r0, r1, r2].map((r) => r?.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
      expect(Date.parse(r0?.finishedAt ?? '')).toBeLessThanOrEqual(Date.parse(r1?.openedAt ?? ''));
      expect(Date.parse(r1?.finishedAt ?? '')).toBeLessThanOrEqual(Date.parse(r2?.approval?.at ?? ''));
      expect(Date.parse(r2?.approval?.at ?? '')).toBeLessThanOrEqual(Date.parse(r2?.openedAt ?? ''));
      expect(r2?.approval?.actor).toBe('demo');
      // The check was evaluated on the real Prometheus: values recorded in the rollout document for ring-0 only.
      expect(rollout?.plan.checks.map((c) => c.name)).toEqual(['error-rate']);
      const history = r0?.checks?.find((c) => c.check === 'error-rate')?.history ?? [];
      expect(history.length).toBeGreaterThan(0);
      expect(history.every(([, value]) => typeof value === 'number' && value > 0 && value <= 0.02)).toBe(true);
      // Both of ring-0's clusters were judged; the ring succeeded, so it keeps the chart, not the subjects.
      expect(history.every(([, , subject]) => subject === 'c-00000' || subject === 'c-00010')).toBe(true);
      expect(r0?.checks?.[0]?.subjects).toEqual({});
      expect(r1?.checks ?? []).toEqual([]);

      // `driftless audit log` as the summary tells the user to run it: the approval, by demo, with a reason.
      expect(stdout).toContain(`driftless rollout status --store ${storeUrl}`);
      expect(stdout).toMatch(/rollout step --store \S+ --sign-key \S+ --prometheus http:\/\/127\.0\.0\.1:\d+/);
      expect(stdout).toContain(`driftless audit log --store ${storeUrl}`);
      const { stdout: log } = await promisify(execFile)(process.execPath, [BIN, 'audit', 'log', '--store', storeUrl, '--json']);
      const approvals = (JSON.parse(log) as { actor: string; action: string; reason?: string }[]).filter((e) => e.action === 'rollout.approved');
      expect(approvals).toEqual([expect.objectContaining({ actor: 'demo', reason: expect.stringMatching(/\S/) as unknown })]);

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
