import { randomUUID } from 'node:crypto';
import { compileError } from '@driftless/core';
import type { HubDeps } from '../hub.js';
import type { KustomizeRunner } from '../render/kustomize.js';
import { memoryHubStateStore } from '../state/memory-hub-state.js';

/**
 * A fleet repository's files with every kustomization removed, so each app
 * directory is plain manifests: what unit tests compile without the kustomize
 * binary. `overlay:` targets are dropped from fleet.yaml (their base renders).
 */
export function withoutKustomize(files: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) {
    if (/(^|\/)kustomization\.ya?ml$/.test(path)) continue;
    out[path] = path === 'fleet.yaml' ? text.replace(/^ *overlay: .*\n/gm, '') : text;
  }
  return out;
}

/** A kustomize runner for unit tests, whose fleets have no kustomization: any call is a compile error. */
export const noKustomize: KustomizeRunner = Object.assign((_reader: unknown, dir: string) => Promise.reject(compileError(dir, undefined, 'kustomize is not available in unit tests')), {
  identity: () => Promise.resolve('none'),
});

/**
 * Hub dependencies for unit tests around the given source, store and clock:
 * state in memory (none with `stateless`), no kustomize, random UUIDs (ids
 * must differ between hubs, as the publish marker tells their states apart).
 */
export function unitHubDeps(deps: Pick<HubDeps, 'source' | 'store' | 'clock'> & Partial<HubDeps>, opts: { stateless?: boolean } = {}): HubDeps {
  return { ...(opts.stateless ? {} : { state: memoryHubStateStore() }), renderers: { kustomize: noKustomize }, newId: randomUUID, ...deps };
}
