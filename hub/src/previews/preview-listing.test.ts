import { API_VERSION, canonicalBytes, storeLayout, type Pointer, type Preview, type Status } from '@driftless/core';
import { MemoryObjectStore } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { listPreviews } from './preview-listing.js';

const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const BASE = 'b'.repeat(40);
const D = (n: string): `sha256:${string}` => `sha256:${n.repeat(64)}`;
const T = '2026-12-01T00:00:00.000Z';
const JSON_TYPE = { contentType: 'application/json' };

function preview(over: Partial<Preview> = {}): Preview {
  return {
    apiVersion: API_VERSION,
    kind: 'Preview',
    branch: 'feature/login',
    slug: 'feature-login',
    namespace: 'pr-feature-login',
    commit: C1,
    apps: ['web'],
    hosts: ['h1', 'h2'],
    built: { commit: C1, baseRevision: BASE, inputs: 'x', at: T, bundles: { h1: D('1'), h2: D('2') } },
    createdAt: T,
    updatedAt: T,
    expiresAt: '2026-12-04T00:00:00.000Z',
    ...over,
  };
}

function pointer(cluster: string, previews: `sha256:${string}` | undefined): Pointer {
  return { apiVersion: API_VERSION, kind: 'Pointer', cluster, bundle: D('a'), revision: BASE, generation: 3, publishedAt: T, ...(previews ? { previews } : {}) };
}

function status(cluster: string, appliedPreviews: `sha256:${string}` | undefined, apps: Status['apps']): Status {
  return {
    apiVersion: API_VERSION,
    kind: 'Status',
    cluster,
    observedGeneration: 3,
    appliedBundle: D('a'),
    ...(appliedPreviews ? { appliedPreviews } : {}),
    phase: 'Applied',
    objects: { total: 1, ready: 1, drifted: 0, pruned: 0 },
    ...(apps ? { apps } : {}),
    agentVersion: '0.3.0',
    heartbeatAt: T,
  };
}

async function put(store: MemoryObjectStore, key: string, doc: unknown): Promise<void> {
  await store.put(key, canonicalBytes(doc), JSON_TYPE);
}

/** Hosts h1 and h2 both applied previews bundle P with the given apps. */
async function hosts(store: MemoryObjectStore, h1: Status['apps'], h2: Status['apps'], h2Pointer: `sha256:${string}` | undefined = D('e')): Promise<void> {
  await put(store, storeLayout.pointer('h1'), pointer('h1', D('e')));
  await put(store, storeLayout.status('h1'), status('h1', D('e'), h1));
  await put(store, storeLayout.pointer('h2'), pointer('h2', h2Pointer));
  await put(store, storeLayout.status('h2'), status('h2', D('e'), h2));
}

const ns = (phase: Status['phase']): NonNullable<Status['apps']> => ({ 'pr-feature-login/web': { phase, ready: 1, total: 1 } });

describe('listPreviews', () => {
  it('says nothing about an empty store', async () => {
    expect(await listPreviews(new MemoryObjectStore())).toEqual({ previews: [], problems: [] });
  });

  it.each<[string, () => Preview, Status['apps'], Status['apps'], `sha256:${string}` | undefined, string, string[]]>([
    ['applied on both hosts', () => preview(), ns('Applied'), ns('Applied'), D('e'), 'Applied', ['Applied', 'Applied']],
    ['the worst host phase wins', () => preview(), ns('Progressing'), ns('Degraded'), D('e'), 'Degraded', ['Progressing', 'Degraded']],
    ['a host whose pointer names another previews bundle than it applied is Pending', () => preview(), ns('Applied'), ns('Applied'), D('f'), 'Pending', ['Applied', 'Pending']],
    ['a host whose applied bundle has no app of this namespace yet is Pending', () => preview(), ns('Applied'), { 'pr-other/web': { phase: 'Applied', ready: 1, total: 1 } }, D('e'), 'Pending', ['Applied', 'Pending']],
    ['not built yet', () => preview({ built: undefined }), undefined, undefined, D('e'), 'Building', ['Pending', 'Pending']],
    ['its only build failed', () => preview({ built: undefined, error: { commit: C1, message: 'apps/web/a.yaml:3 bad', at: T } }), undefined, undefined, D('e'), 'Failed', ['Pending', 'Pending']],
  ])('%s', async (_, doc, h1, h2, h2Pointer, phase, hostPhases) => {
    const store = new MemoryObjectStore();
    await put(store, storeLayout.preview('feature-login'), doc());
    await hosts(store, h1, h2, h2Pointer);
    const { previews, problems } = await listPreviews(store);
    expect(problems).toEqual([]);
    expect(previews.map((p) => p.phase)).toEqual([phase]);
    expect(previews[0]?.hosts.map((h) => h.phase)).toEqual(hostPhases);
  });

  it('keeps the older build running when the newest commit fails, and says why', async () => {
    const store = new MemoryObjectStore();
    await put(store, storeLayout.preview('feature-login'), preview({ commit: C2, error: { commit: C2, message: 'fleet.yaml:4 bad', at: T } }));
    await hosts(store, ns('Applied'), ns('Applied'));
    const [row] = (await listPreviews(store)).previews;
    expect(row).toMatchObject({ commit: C2, phase: 'Applied', built: true, error: 'fleet.yaml:4 bad' });
  });

  it('reports a document it cannot read, naming its key, and lists the others', async () => {
    const store = new MemoryObjectStore();
    await put(store, storeLayout.preview('feature-login'), preview());
    await put(store, storeLayout.preview('broken'), { kind: 'Preview' });
    await hosts(store, ns('Applied'), ns('Applied'));
    const { previews, problems } = await listPreviews(store);
    expect(previews.map((p) => p.slug)).toEqual(['feature-login']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('previews/broken.json');
  });
});
