import { createHash } from 'node:crypto';
import {
  API_VERSION,
  canonicalBytes,
  RING_DEFAULTS,
  rolloutId,
  rolloutSchema,
  startRollout,
  statusSchema,
  storeLayout,
  type Digest,
  type ObjectStore,
  type Phase,
  type Pointer,
  type RingPlan,
  type Status,
} from '@driftless/core';
import { LAST_PUBLISH_KEY } from '@driftless/hub';
import { clusterName } from '@driftless/testkit';

/** Documents written at once while seeding: a few dozen, as a hub's publish does. */
const SEED_CONCURRENCY = 32;
const JSON_TYPE = { contentType: 'application/json' } as const;
const OLD_REVISION = 'a'.repeat(40);
/** The release the seeded rollout delivers: ring-0's pointers name it already. */
export const SEED_REVISION = 'b'.repeat(40);
const RINGS = ['ring-0', 'ring-1', 'ring-2'] as const;
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'ap-south'] as const;

/** What the seed wrote: enough for the bench to change one status afterwards. */
export interface SeededFleet {
  readonly names: readonly string[];
  /** The phase each cluster reports; undefined: it never reported (Unknown). */
  readonly phaseOf: (i: number) => Phase | undefined;
  /** A status document for cluster `i` in `phase` at `atMs`. */
  readonly status: (i: number, phase: Phase, atMs: number) => Status;
}

/** The ring of cluster `i`: label ring = i % 10; 0 and 1 are rings of their own, the rest ring-2. */
const ringOf = (i: number): (typeof RINGS)[number] => (i % 10 === 0 ? 'ring-0' : i % 10 === 1 ? 'ring-1' : 'ring-2');

/**
 * A realistic mix, worst phases rare, spread over the fleet so every ring
 * has some: 2% never reported, 1% Failed, 2% Degraded, 1% Stale, 6%
 * Progressing, the rest Applied.
 */
export function seedPhase(i: number): Phase | undefined {
  const k = (i * 37) % 100;
  if (k < 2) return undefined;
  if (k < 3) return 'Failed';
  if (k < 5) return 'Degraded';
  if (k < 6) return 'Stale';
  if (k < 12) return 'Progressing';
  return 'Applied';
}

const digestFor = (what: string): Digest => `sha256:${createHash('sha256').update(what).digest('hex')}`;

/**
 * Writes a fleet of `clusters` through `store` as a hub and its agents
 * would have left it mid-release: a pointer and (most) a status per cluster,
 * the last published revision's record with rings and labels, its publish
 * marker, and the current rollout (ring-0 moved, the others waiting).
 * Writes SEED_CONCURRENCY documents at a time.
 */
export async function seedDashboardFleet(store: ObjectStore, clusters: number, nowMs: number): Promise<SeededFleet> {
  const names = Array.from({ length: clusters }, (_, i) => clusterName(i));
  const bundle = (revision: string): Digest => digestFor(`bundle of ${revision}`);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const moved = (i: number): boolean => ringOf(i) === 'ring-0';
  const pointer = (i: number): Pointer => {
    const revision = moved(i) ? SEED_REVISION : OLD_REVISION;
    return { apiVersion: API_VERSION, kind: 'Pointer', cluster: names[i] ?? '', bundle: bundle(revision), revision, generation: moved(i) ? 2 : 1, publishedAt: iso(nowMs - 60_000) };
  };
  const status = (i: number, phase: Phase, atMs: number): Status => {
    const p = pointer(i);
    const behind = phase === 'Progressing' && moved(i);
    return statusSchema.parse({
      apiVersion: API_VERSION,
      kind: 'Status',
      cluster: p.cluster,
      observedGeneration: behind ? p.generation - 1 : p.generation,
      ...(phase === 'Applied' || phase === 'Progressing' ? { appliedBundle: behind ? bundle(OLD_REVISION) : p.bundle } : {}),
      phase,
      objects: { total: 20, ready: phase === 'Applied' ? 20 : 17, drifted: 0, pruned: 0 },
      ...(phase === 'Failed' || phase === 'Degraded' ? { lastError: `Deployment/app-01/app-01 apply failed: 0 of 3 replicas available` } : {}),
      agentVersion: '0.2.0',
      heartbeatAt: iso(atMs),
    });
  };
  await inBatches(clusters, async (i) => {
    await store.put(storeLayout.pointer(names[i] ?? ''), canonicalBytes(pointer(i)), JSON_TYPE);
    const phase = seedPhase(i);
    if (phase) await store.put(storeLayout.status(names[i] ?? ''), canonicalBytes(status(i, phase, nowMs - (i % 30) * 1_000)), JSON_TYPE);
  });
  await writeRelease(store, names, bundle, nowMs);
  return { names, phaseOf: seedPhase, status };
}

/** The revision record (rings, labels), its publish marker, and the current rollout of SEED_REVISION. */
async function writeRelease(store: ObjectStore, names: readonly string[], bundle: (revision: string) => Digest, nowMs: number): Promise<void> {
  const labels = Object.fromEntries(names.map((n, i) => [n, { ring: String(i % 10), region: REGIONS[i % REGIONS.length] ?? 'eu-west', env: i % 5 === 0 ? 'staging' : 'prod' }]));
  const record = {
    apiVersion: API_VERSION,
    kind: 'Revision',
    revision: SEED_REVISION,
    publishedAt: new Date(nowMs - 60_000).toISOString(),
    clusters: Object.fromEntries(names.map((n) => [n, bundle(SEED_REVISION)])),
    rings: Object.fromEntries(names.map((n, i) => [n, ringOf(i)])),
    labels,
  };
  await store.put(storeLayout.revision(SEED_REVISION), canonicalBytes(record), JSON_TYPE);
  await store.put(LAST_PUBLISH_KEY, canonicalBytes({ apiVersion: API_VERSION, kind: 'HubPublish', id: 'dashboard-bench', revision: SEED_REVISION, publishedAt: record.publishedAt }), JSON_TYPE);
  const ring = (name: string, approval: boolean): RingPlan => ({ ...RING_DEFAULTS, name, soakMs: 600_000, approval, checks: [] });
  const plan = { mode: 'continuous-delivery' as const, onFailure: 'halt' as const, rings: [ring('ring-0', false), ring('ring-1', false), ring('ring-2', true)], checks: [] };
  const clusters = new Map(names.map((n, i) => [n, { ring: RINGS.indexOf(ringOf(i)), to: bundle(SEED_REVISION), from: bundle(OLD_REVISION), statefulChanged: false }]));
  const release = { id: rolloutId(SEED_REVISION, nowMs - 60_000), revision: SEED_REVISION, plan, clusters };
  const rollout = rolloutSchema.parse(startRollout(release, { statuses: new Map() }, nowMs - 60_000).state);
  await store.put(storeLayout.rollout(rollout.id), canonicalBytes(rollout), JSON_TYPE);
  await store.put(storeLayout.currentRollout, canonicalBytes({ apiVersion: API_VERSION, kind: 'CurrentRollout', id: rollout.id, revision: SEED_REVISION }), JSON_TYPE);
}

/** Runs `one(i)` for i in [0, n), SEED_CONCURRENCY at a time. */
async function inBatches(n: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, n) }, worker));
}
