import { mkdtemp, rm } from 'node:fs/promises';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { uniqueName } from '@driftless/contracts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { commitFiles, createBareRepo } from '../git/fixture-repo.js';

const env = inject('driftlessEnv');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function readFileAt(dir: string, oid: string, filepath: string): Promise<string> {
  const { blob } = await git.readBlob({ fs, dir, oid, filepath });
  return Buffer.from(blob).toString('utf8');
}

describe('git smart-HTTP server through isomorphic-git', () => {
  it('serves a clone, then a fetch of a commit added to the bare repository later', async () => {
    const name = uniqueName('fleet');
    const bare = await createBareRepo(env.git.root, name);
    const first = await commitFiles(bare, { 'fleet.yaml': 'kind: Fleet\n', 'apps/web/a.yaml': 'a: 1\n' }, 'first');
    const dir = await mkdtemp(join(tmpdir(), 'driftless-clone-'));
    dirs.push(dir);
    const url = `${env.git.baseUrl}${name}.git`;

    await git.clone({ fs, http, dir, url, ref: 'main', singleBranch: true, depth: 1, noCheckout: true });
    expect(await git.resolveRef({ fs, dir, ref: 'refs/remotes/origin/main' })).toBe(first);
    expect(await readFileAt(dir, first, 'apps/web/a.yaml')).toBe('a: 1\n');

    const second = await commitFiles(bare, { 'apps/web/a.yaml': 'a: 2\n', 'apps/db/b.yaml': 'b: 1\n' }, 'second');
    const fetched = await git.fetch({ fs, http, dir, url, ref: 'main', singleBranch: true, depth: 1 });
    expect(fetched.fetchHead).toBe(second);
    const tree = await git.readTree({ fs, dir, oid: second, filepath: 'apps' });
    expect(tree.tree.map((e) => e.path).sort()).toEqual(['db', 'web']);
    expect(await readFileAt(dir, second, 'apps/web/a.yaml')).toBe('a: 2\n');
  });

  it('answers 404 for a repository that does not exist', async () => {
    const url = `${env.git.baseUrl}${uniqueName('missing')}.git`;
    const dir = await mkdtemp(join(tmpdir(), 'driftless-clone-'));
    dirs.push(dir);
    await expect(git.clone({ fs, http, dir, url })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 404 } });
  });
});
