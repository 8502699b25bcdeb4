import { posix } from 'node:path';
import { compileError, type RepoReader, type SourceFile } from '@driftless/core';
import type { KustomizeRunner } from './kustomize.js';
import { kustomizationIn } from './kustomize-refs.js';

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
    out.push({ path: e.path, text: new TextDecoder().decode(await reader.readFile(e.path, maxFileBytes)) });
  }
  if (out.length === 0) throw compileError('fleet.yaml', undefined, `${where}: path ${dir} holds no *.yaml files and no kustomization`);
  return out.sort((a, b) => (posix.basename(a.path) < posix.basename(b.path) ? -1 : 1));
}
