import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, createBareRepo } from '../git/fixture-repo.js';
import { startGitServerProcess, type GitServerProcess } from './git-server-process.js';

// Runs the real server (Debian's git http-backend behind the Node front end) in a child process.
let root: string;
let server: GitServerProcess;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'driftless-git-proc-'));
  await commitFiles(await createBareRepo(root, 'fleet'), { 'fleet.yaml': 'kind: Fleet\n' }, 'first');
  server = await startGitServerProcess({ root });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('git server in its own process', () => {
  it('serves the repositories from another process and mirrors its request counts here', async () => {
    expect(server.pid).not.toBe(process.pid);
    expect(alive(server.pid)).toBe(true);
    const res = await fetch(`${server.baseUrl}fleet.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('refs/heads/main');
    await (await fetch(`${server.baseUrl}missing.git/info/refs?service=git-upload-pack`)).text();
    await server.sync();
    expect(server.requestsFor('fleet.git')).toEqual({ 'info/refs': 1, 'git-upload-pack': 0, 'git-receive-pack': 0, other: 0 });
    expect(server.requests['info/refs']).toBe(2);
  });

  it('ends its process on close', async () => {
    const other = await startGitServerProcess({ root });
    await other.close();
    expect(alive(other.pid)).toBe(false);
    await expect(fetch(`${other.baseUrl}fleet.git/info/refs?service=git-upload-pack`)).rejects.toThrow();
  });

  it('takes its password without showing it on its command line or in its environment, and requires it', async () => {
    const password = `pw-${process.pid}-${Date.now().toString(36)}`;
    const guarded = await startGitServerProcess({ root, auth: { username: 'bench', password } });
    try {
      // What `ps` shows (argv) and what /proc shows the process's owner (environ): neither holds the password.
      const cmdline = await readFile(`/proc/${guarded.pid}/cmdline`, 'utf8');
      const environ = await readFile(`/proc/${guarded.pid}/environ`, 'utf8');
      expect(cmdline).toContain('git-server-main');
      expect(cmdline).not.toContain(password);
      expect(environ).not.toContain(password);
      const refs = `${guarded.baseUrl}fleet.git/info/refs?service=git-upload-pack`;
      expect((await fetch(refs)).status).toBe(401);
      const authorization = `Basic ${Buffer.from(`bench:${password}`).toString('base64')}`;
      expect((await fetch(refs, { headers: { authorization } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
