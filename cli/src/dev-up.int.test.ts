import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { CoreV1Api } from '@kubernetes/client-node';
import { commitFiles, createBareRepo, kubeConfigFor, s3ClientFor, type EnvironmentInfo } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'driftless.js');

/** Command lines of running processes that mention `needle` (Linux /proc). */
function processesMentioning(needle: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes(needle) ? [cmd.replaceAll('\0', ' ')] : [];
      } catch {
        return [];
      }
    });
}

describe('driftless dev up --json', () => {
  it('prints one line of endpoints that work, and cleans up everything on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'dev', 'up', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const firstLine = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      void exited.then((code) => reject(new Error(`dev up exited with ${String(code)} before printing:\n${stderr}`)));
    });
    const info = JSON.parse(firstLine) as EnvironmentInfo;
    const envDir = dirname(info.git.root);
    try {
      expect(info.s3).toMatchObject({ endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), region: 'us-east-1', bucket: 'driftless' });
      expect(info.kube.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(info.git.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(existsSync(info.kube.caFile) && existsSync(info.kube.kubeconfig)).toBe(true);
      expect(info.prometheus.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(JSON.parse(readFileSync(info.prometheus.targetsFile, 'utf8'))).toEqual([]);
      expect((await fetch(`${info.prometheus.url}/-/ready`)).status).toBe(200);

      const s3 = s3ClientFor(info);
      await s3.send(new HeadBucketCommand({ Bucket: info.s3.bucket }));
      s3.destroy();

      const namespaces = await kubeConfigFor(info).makeApiClient(CoreV1Api).listNamespace();
      expect(namespaces.items.map((n) => n.metadata?.name)).toContain('default');

      const repo = await createBareRepo(info.git.root, 'late');
      const sha = await commitFiles(repo, { 'README.md': 'hello\n' }, 'first');
      const { stdout: refs } = await promisify(execFile)('git', ['ls-remote', `${info.git.baseUrl}late.git`, 'refs/heads/main']);
      expect(refs.split('\t')[0]).toBe(sha);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(envDir)).toBe(false);
    expect(processesMentioning(envDir)).toEqual([]);
  });
});
