import { API_VERSION, canonicalBytes, RING_DEFAULTS, storeLayout, type DeliveryPlan, type Digest, type ObjectStore, type Phase, type PutOptions, type Release, type ReleaseCluster } from '@driftless/core';

/** A digest for tests: `sha256:` and 64 times `c`. */
export const digestOf = (c: string): Digest => `sha256:${c.repeat(64)}`;

/** A revision for tests: 40 times `c`. */
export const revisionOf = (c: string): string => c.repeat(40);

/** A plan with the named rings, all defaults (open at once, no soak, no approval). */
export function planOf(...rings: string[]): DeliveryPlan {
  const ring = (name: string) => ({ name, ...RING_DEFAULTS, approval: false, checks: [] });
  return { mode: 'continuous-deployment', onFailure: 'halt', rings: rings.map(ring), checks: [] };
}

/** A release of `clusters` (cluster -> ring index) to `to`, from nothing. */
export function releaseOf(id: string, revision: string, plan: DeliveryPlan, clusters: Record<string, number>, to: Digest, from: Partial<Record<string, Digest>> = {}): Omit<Release, 'supersedes'> {
  const entries: [string, ReleaseCluster][] = Object.entries(clusters).map(([c, ring]) => {
    const f = from[c];
    return [c, { ring, to, statefulChanged: false, ...(f ? { from: f } : {}) }];
  });
  return { id, revision, plan, clusters: new Map(entries) };
}

/** Writes `cluster`'s agent status: `phase` for `bundle` at `generation`. */
export async function putStatus(store: ObjectStore, cluster: string, phase: Phase, bundle: Digest, generation: number, lastError?: string): Promise<void> {
  const status = {
    apiVersion: API_VERSION,
    kind: 'Status',
    cluster,
    observedGeneration: generation,
    ...(phase === 'Applied' ? { appliedBundle: bundle } : {}),
    phase,
    objects: { total: 1, ready: 1, drifted: 0, pruned: 0 },
    ...(lastError ? { lastError } : {}),
    agentVersion: 'test',
    heartbeatAt: '2026-01-01T00:00:00.000Z',
  };
  await store.put(storeLayout.status(cluster), canonicalBytes(status), { contentType: 'application/json' });
}

/** Writes control/freeze.json as `driftless freeze` does. */
export async function putFreeze(store: ObjectStore, actor: string, reason: string): Promise<void> {
  const freeze = { apiVersion: API_VERSION, kind: 'Freeze', actor, at: '2026-01-01T00:00:00.000Z', reason };
  await store.put(storeLayout.freeze, canonicalBytes(freeze), { contentType: 'application/json' });
}

/** `store`, except that its `n`th pointer write (from now) throws, as a crashed process would stop. */
export function failingPointerPut(store: ObjectStore, n: number): ObjectStore {
  let writes = 0;
  const crash = (key: string): void => {
    if (key.endsWith('/desired.json') && ++writes === n) throw new Error('injected crash');
  };
  return Object.assign(Object.create(store) as ObjectStore, {
    put: (key: string, body: Uint8Array, opts?: PutOptions & { ifMatch?: string }) => {
      crash(key);
      return store.put(key, body, opts);
    },
    putIfAbsent: (key: string, body: Uint8Array, opts?: PutOptions) => {
      crash(key);
      return store.putIfAbsent(key, body, opts);
    },
  });
}
