import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, createBareRepo } from '../git/fixture-repo.js';
import { gitServerStats, startGitServer, type GitServer } from './git-server.js';

// Runs Debian's git http-backend for real; needs no other component.
let root: string;
let server: GitServer;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'driftless-git-'));
  server = await startGitServer({ root });
  await commitFiles(await createBareRepo(root, 'fleet'), { 'fleet.yaml': 'kind: Fleet\n' }, 'first');
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`${server.baseUrl}${path}`, init);

/** Sends `rawPath` exactly as given (fetch would normalize `..` away before it left). */
function rawStatus(rawPath: string): Promise<number | undefined> {
  const { port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: rawPath }, (res) => {
      res.resume();
      resolve(res.statusCode);
    })
      .once('error', reject)
      .end();
  });
}

describe('git smart-HTTP server', () => {
  it('advertises refs of a served repository for upload-pack', async () => {
    const res = await get('fleet.git/info/refs?service=git-upload-pack');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    expect(await res.text()).toContain('refs/heads/main');
  });

  it('accepts a doubled slash after the base URL', async () => {
    const res = await get('/fleet.git/info/refs?service=git-upload-pack');
    expect(res.status).toBe(200);
  });

  it.each([
    ['a repository that does not exist', '/missing.git/info/refs?service=git-upload-pack'],
    ['a path that climbs out of the root', '/fleet.git/../../etc/passwd'],
    ['an encoded climb out of the root', '/fleet.git/%2e%2e/%2e%2e/etc/passwd'],
  ])('answers 404 to %s', async (_what, path) => {
    expect(await rawStatus(path)).toBe(404);
  });

  it('refuses push unless allowed, and methods other than GET and POST', async () => {
    expect((await get('fleet.git/info/refs?service=git-receive-pack')).status).toBe(403);
    expect((await get('fleet.git/info/refs', { method: 'PUT' })).status).toBe(405);
  });

  it('counts requests by kind and by repository, also over HTTP', async () => {
    const before = server.requests['info/refs'];
    const beforeRepo = server.requestsFor('fleet.git')['info/refs'];
    await (await get('fleet.git/info/refs?service=git-upload-pack')).text();
    expect(server.requests['info/refs']).toBe(before + 1);
    expect(server.requestsFor('fleet.git')['info/refs']).toBe(beforeRepo + 1);
    expect((await gitServerStats(server.baseUrl, 'fleet.git'))['info/refs']).toBe(beforeRepo + 1);
  });
});
