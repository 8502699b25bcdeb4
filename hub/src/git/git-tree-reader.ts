import * as fs from 'node:fs';
import { posix } from 'node:path';
import git from 'isomorphic-git';
import { DriftlessError, type RepoEntry, type RepoReader } from '@driftless/core';
import { gitLastChange, type Deepen } from './git-last-change.js';
import { gitObjectSizes } from './git-object-size.js';

const MAX_SYMLINK_HOPS = 40;
/** A symlink's target is a path: PATH_MAX on Linux. */
const MAX_LINK_BYTES = 4096;

interface TreeItem {
  readonly name: string;
  readonly type: RepoEntry['type'];
  readonly oid: string;
}

/**
 * A RepoReader over one commit of a repository on disk (`gitdir`), reading git
 * objects directly with isomorphic-git: no working tree, nothing checked out.
 * Trees are read lazily and cached, so reading `clusters/` and a few app
 * directories of a large repository touches only those trees. `cache` is
 * isomorphic-git's pack cache; share one per compile. `deepen` brings more
 * history into a shallow clone, for lastChange.
 */
export async function openTreeReader(gitdir: string, commit: string, cache: object = {}, deepen?: Deepen): Promise<RepoReader> {
  const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit, cache });
  const trees = new Map<string, Promise<TreeItem[]>>();
  const sizes = gitObjectSizes(gitdir);
  // The size an object declares is checked before it is inflated, so a small
  // compressed blob cannot make the hub allocate gigabytes (the check after
  // reading stays for objects whose size cannot be told up front).
  const readBlob = async (oid: string, path: string, maxBytes: number): Promise<Uint8Array> => {
    const declared = await sizes.largestInflated(oid);
    if (declared !== undefined && declared > maxBytes) throw tooLarge(path, maxBytes);
    const { blob } = await git.readBlob({ fs, gitdir, oid, cache });
    if (blob.byteLength > maxBytes) throw tooLarge(path, maxBytes);
    return blob;
  };
  const tree: Tree = {
    root: c.tree,
    read: (oid) => {
      let hit = trees.get(oid);
      if (!hit) {
        hit = git.readTree({ fs, gitdir, oid, cache }).then(({ tree }) => tree.map((e) => ({ name: e.path, oid: e.oid, type: typeOf(e.mode, e.type) })));
        trees.set(oid, hit);
      }
      return hit;
    },
    readLink: async (oid, path) => new TextDecoder().decode(await readBlob(oid, path, MAX_LINK_BYTES)),
  };

  return {
    commit,
    async stat(path) {
      return await resolve(tree, path);
    },
    async list(dir) {
      const entry = await resolve(tree, dir);
      if (!entry || entry.type !== 'dir') return [];
      const prefix = entry.path === '' ? '' : `${entry.path}/`;
      return (await tree.read(entry.oid))
        .map((e) => ({ path: `${prefix}${e.name}`, type: e.type, oid: e.oid }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async readFile(path, maxBytes) {
      const entry = await resolve(tree, path);
      if (!entry || entry.type !== 'file') {
        throw new DriftlessError('InvalidDocument', `${path}: ${entry ? `is a ${entry.type}, not a file` : 'no such file in the repository'}`, {
          subject: path,
          issues: [{ path, message: entry ? `is a ${entry.type}` : 'no such file' }],
        });
      }
      return await readBlob(entry.oid, path, maxBytes);
    },
    async lastChange(path, known) {
      return await gitLastChange(gitdir, commit, path, cache, deepen, known);
    },
  };
}

/** One commit's trees, read lazily (and cached) by the reader. */
interface Tree {
  readonly root: string;
  read(oid: string): Promise<TreeItem[]>;
  /** A symlink's target. */
  readLink(oid: string, path: string): Promise<string>;
}

/** Resolves `path` to its entry, following every symlink on the way; undefined when nothing is there. */
async function resolve(tree: Tree, path: string): Promise<RepoEntry | undefined> {
  let segments = split(path);
  let hops = 0;
  let dirOid = tree.root;
  let walked: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const name = segments[i] as string;
    const item = (await tree.read(dirOid)).find((e) => e.name === name);
    if (!item) return undefined;
    const here = [...walked, name];
    const last = i === segments.length - 1;
    if (item.type === 'symlink') {
      if (++hops > MAX_SYMLINK_HOPS) throw escapeError(here.join('/'), 'too many levels of symbolic links');
      const target = await tree.readLink(item.oid, here.join('/'));
      const joined = posix.normalize(posix.join(walked.join('/'), target));
      if (posix.isAbsolute(target) || joined === '..' || joined.startsWith('../')) {
        throw escapeError(here.join('/'), `symlink to ${target} points outside the repository`);
      }
      segments = [...split(joined), ...segments.slice(i + 1)];
      i = -1;
      walked = [];
      dirOid = tree.root;
      continue;
    }
    if (last) return { path: here.join('/'), type: item.type, oid: item.oid };
    if (item.type !== 'dir') return undefined;
    walked = here;
    dirOid = item.oid;
  }
  return { path: '', type: 'dir', oid: tree.root };
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

function typeOf(mode: string, type: string): RepoEntry['type'] {
  if (mode === '120000') return 'symlink';
  if (type === 'tree') return 'dir';
  if (type === 'commit') return 'submodule';
  return 'file';
}

function tooLarge(path: string, maxBytes: number): DriftlessError<'TooLarge'> {
  return new DriftlessError('TooLarge', `${path}: the file is larger than the limit of ${maxBytes} bytes`, {
    subject: path,
    limitBytes: maxBytes,
    what: 'object',
  });
}

function escapeError(path: string, why: string): DriftlessError<'InvalidDocument'> {
  return new DriftlessError('InvalidDocument', `${path}: ${why}`, { subject: path, issues: [{ path, message: why }] });
}
