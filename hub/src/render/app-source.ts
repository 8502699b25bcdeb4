import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { compileError, decodeUtf8, type RepoReader, type SourceFile } from '@driftless/core';
import type { KustomizeRunner } from './kustomize.js';
import { kustomizationIn, kustomizeInputs } from './kustomize-refs.js';

/**
 * The manifest texts of one app source directory: the kustomize build output
 * when it holds a kustomization, else every `*.yaml`/`*.yml` file directly in
 * it (not in subdirectories, where overlays live), in name order. `where`
 * names the fleet entry for messages (`fleet.yaml: app web`).
 */
export async function loadAppSource(
  reader: RepoReader,
  dir: string,
  where: string,
  kustomize: KustomizeRunner,
  maxFileBytes: number,
): Promise<SourceFile[]> {
  const entry = await reader.stat(dir);
  if (!entry) throw compileError('fleet.yaml', undefined, `${where}: path ${dir} does not exist in the repository at ${reader.commit.slice(0, 12)}`);
  if (entry.type !== 'dir') throw compileError('fleet.yaml', undefined, `${where}: path ${dir} is a ${entry.type}, not a directory`);
  if (await kustomizationIn(reader, entry.path)) {
    return [{ path: `${entry.path} (kustomize build)`, text: await kustomize(reader, entry.path) }];
  }
  const out: SourceFile[] = [];
  for (const e of await reader.list(entry.path)) {
    if (!/\.ya?ml$/i.test(e.path)) continue;
    const target = e.type === 'symlink' ? await reader.stat(e.path) : e;
    if (target?.type !== 'file') continue;
    out.push({ path: e.path, text: decodeUtf8(await reader.readFile(e.path, maxFileBytes), e.path) });
  }
  if (out.length === 0) throw compileError('fleet.yaml', undefined, `${where}: path ${dir} holds no *.yaml files and no kustomization`);
  return out.sort((a, b) => (posix.basename(a.path) < posix.basename(b.path) ? -1 : 1));
}

/**
 * Changes whenever anything an app source renders from changes: a plain
 * directory's tree id, or, for a kustomization, the ids of every file its
 * build reads. Missing or broken sources get a fingerprint too; loading them
 * reports the error.
 */
export async function sourceFingerprint(reader: RepoReader, dir: string, maxFileBytes: number): Promise<string> {
  const entry = await reader.stat(dir);
  if (!entry) return 'missing';
  if (entry.type !== 'dir') return `${entry.type}:${entry.oid}`;
  if (!(await kustomizationIn(reader, entry.path))) {
    // The tree id covers the files (a chart's subdirectories too), but not what symlinks in it point at;
    // the helm runner refuses a chart's symlinks that leave it, so those inside are covered by the tree id.
    const links = (await reader.list(entry.path)).filter((e) => e.type === 'symlink');
    const targets = await Promise.all(links.map(async (l) => `${l.path}:${(await reader.stat(l.path))?.oid ?? '-'}`));
    return `dir:${entry.oid}:${targets.join(',')}`;
  }
  try {
    const inputs = await kustomizeInputs(reader, entry.path, maxFileBytes);
    const ids = await Promise.all([...inputs.files].sort().map(async (f) => `${f}:${(await reader.stat(f))?.oid ?? '-'}`));
    return `kustomize:${createHash('sha256').update(ids.join('\n')).digest('hex')}`;
  } catch {
    return `invalid:${entry.oid}`;
  }
}
