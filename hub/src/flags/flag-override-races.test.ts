import { AsyncLocalStorage } from 'node:async_hooks';
import { canonicalBytes, decodeBundle, encodeBundle, FLAGS_CONFIGMAP_KEY, storeLayout, type Digest, type ObjectStore } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock, type StoreOperation } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { quietLog } from '../hub-log.js';
import { coreRolloutMachine } from '../rollout/core-machine.js';
import { createRolloutController, type StepReport } from '../rollout/rollout-controller.js';
import { readCurrentRolloutDocument } from '../rollout/rollout-store.js';
import { putStatus } from '../testing/rollout-fixture.js';
import { LAST_PUBLISH_KEY } from '../state/hub-state.js';
import { auditRecorder } from '../testing/test-rollout-machine.js';
import { unitHubDeps } from '../testing/unit-hub.js';
import { pointerOf } from '../testing/store-reads.js';
import { clearFlagOverride, setFlagOverride, type FlagOverrideDeps } from './flag-override.js';

const FLEET = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: apps/web
      namespace: shop
      targets: [{ selector: {} }]
`;
const DELIVERY = '  delivery:\n    mode: continuous-deployment\n    rings:\n      - name: everyone\n        selector: {}\n        maxConcurrent: 1\n';
const flag = (): string => 'type: kill-switch\nowner: team-shop\nvariants: { "on": true, "off": false }\ndefaultVariant: "on"\nnamespaces: [shop]\n';
const web = (v: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { v: "${v}" }\n`;
const CLUSTERS = ['c-1', 'c-2', 'c-3'];
const files = (fleet: string): Record<string, string> => ({
  'fleet.yaml': fleet,
  'apps/web/web.yaml': web('1'),
  'flags/a.yaml': flag(),
  'flags/b.yaml': flag(),
  ...Object.fromEntries(CLUSTERS.map((c) => [`clusters/${c}.yaml`, `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${c} }\n`])),
});
const NOW = Date.parse('2030-01-01T00:00:00Z');
const writer = new AsyncLocalStorage<string>();

/** `promise`, with the virtual clock advanced until it settles. */
async function settled<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => (done = true));
  await clock.advance(Number.MAX_SAFE_INTEGER, () => done);
  return await watched;
}

/** A store that runs `hook` before each operation (awaited): where a race is staged. */
function hookedStore(clock: VirtualClock, hook: { current?: ((op: StoreOperation, key: string) => Promise<void>) | undefined }): MemoryObjectStore {
  return new MemoryObjectStore({ clock, latency: (op, key) => hook.current?.(op, key) ?? Promise.resolve() });
}

async function fleet(fleetYaml = FLEET) {
  const clock = new VirtualClock(NOW);
  const hook: { current?: ((op: StoreOperation, key: string) => Promise<void>) | undefined } = {};
  const store = hookedStore(clock, hook);
  const repo = new MemoryRepository();
  repo.commit(files(fleetYaml), 'first');
  const audit = auditRecorder();
  const hub = createHub(unitHubDeps({ source: repo, store, clock, audit }));
  await hub.compile({ repo: repo.url });
  const deps: FlagOverrideDeps = { store, clock, audit, newId: () => 'id', log: quietLog };
  return { clock, hook, store, repo, hub, deps };
}

/** The flagd `metadata.override` variants of bundle `digest`, by flag; and its web ConfigMap's `v`. */
async function bundleFacts(store: ObjectStore, digest: string): Promise<{ overrides: Record<string, string | undefined>; v: string | undefined }> {
  const got = await store.get(storeLayout.blob(digest as Digest));
  if (got.kind !== 'found') throw new Error(`no blob ${digest}`);
  const objects = decodeBundle(got.body, digest as Digest).objects as unknown as { metadata: { name: string }; data: Record<string, string> }[];
  const flags = JSON.parse(objects.find((o) => o.metadata.name === 'driftless-flags')?.data[FLAGS_CONFIGMAP_KEY] ?? '{}') as {
    flags: Record<string, { defaultVariant?: string; metadata?: { override?: string } }>;
  };
  const overrides = Object.fromEntries(Object.entries(flags.flags).map(([k, f]) => [k, f.metadata?.override === undefined ? undefined : f.defaultVariant]));
  return { overrides, v: objects.find((o) => o.metadata.name === 'web')?.data['v'] };
}
const pointed = async (store: ObjectStore, c: string) => bundleFacts(store, (await pointerOf(store, c)).bundle);
const set = (deps: FlagOverrideDeps, f: string) => setFlagOverride(deps, { flag: f, variant: 'off', actor: 'oncall', reason: 'incident' });

/**
 * Runs `race` once, before the first store operation `at` matches (the
 * compile read flags/overrides.json before that: it applied what it read).
 */
function raceAt(f: Awaited<ReturnType<typeof fleet>>, at: (op: StoreOperation, key: string) => boolean, race: () => Promise<unknown>): void {
  f.hook.current = async (op, key) => {
    if (!at(op, key)) return;
    f.hook.current = undefined;
    await race();
  };
}
const isPointer = (key: string): boolean => key.endsWith('/desired.json');
const isWrite = (op: StoreOperation): boolean => op === 'put' || op === 'putIfAbsent';

describe('a compile racing flag set (review 14a #1)', () => {
  it('without delivery: every pointer of the new commit carries the override set after the compile read overrides.json', async () => {
    const f = await fleet();
    f.repo.commit({ 'apps/web/web.yaml': web('2') }, 'second');
    // Flag set starts as the compile writes its marker (it reads the last record, v1, and writes
    // overrides.json), then moves its pointers before the compile writes its own.
    let setDone: Promise<unknown> | undefined;
    let written = false;
    let reached!: () => void;
    const overridesWritten = new Promise<void>((resolve) => (reached = resolve));
    f.hook.current = async (op, key) => {
      if (writer.getStore() === 'set') {
        if (written) reached();
        written ||= key === storeLayout.flagOverrides && isWrite(op);
        return;
      }
      if (!setDone && isWrite(op) && key === LAST_PUBLISH_KEY) {
        setDone = writer.run('set', () => set(f.deps, 'a'));
        await overridesWritten;
      } else if (setDone && isWrite(op) && isPointer(key)) await setDone;
    };
    await f.hub.compile({ repo: f.repo.url });
    for (const c of CLUSTERS) expect(await pointed(f.store, c)).toEqual({ overrides: { a: 'off', b: undefined }, v: '2' });
  });

  it('with delivery: every pointer and the new rollout\'s to/from carry the override', async () => {
    const f = await fleet(FLEET + DELIVERY);
    f.repo.commit({ 'apps/web/web.yaml': web('2') }, 'second');
    // Flag set runs as the compile creates the new rollout: it rewrites the one it finds, the old one.
    raceAt(f, (op, key) => op === 'putIfAbsent' && key.startsWith('rollouts/'), () => set(f.deps, 'a'));
    await f.hub.compile({ repo: f.repo.url });
    // maxConcurrent 1: the first wave moved only c-1; the rest have no pointer yet.
    expect((await pointed(f.store, 'c-1')).overrides['a']).toBe('off');
    const rollout = await readCurrentRolloutDocument(f.store);
    for (const c of Object.values(rollout?.doc.clusters ?? {})) {
      expect((await bundleFacts(f.store, c.to)).overrides['a']).toBe('off');
      if (c.from) expect((await bundleFacts(f.store, c.from)).overrides['a']).toBe('off');
    }
    expect(Object.keys(rollout?.doc.clusters ?? {})).toHaveLength(CLUSTERS.length);
  });
});

describe('flag set racing flag set or clear on other flags (review 14a #2)', () => {
  /** Pointer writes of writer `slow` wait until writer `fast` has finished: the interleaving that lost B's override. */
  function delayPointerPuts(f: Awaited<ReturnType<typeof fleet>>, slow: string, fast: Promise<unknown>, overridesFirst: string): void {
    let first: Promise<void> | undefined;
    f.hook.current = async (op, key) => {
      const who = writer.getStore();
      // `overridesFirst` writes flags/overrides.json before the other one does.
      if (key === storeLayout.flagOverrides && op !== 'get' && who !== overridesFirst) await (first ??= f.clock.sleep(1));
      if (isPointer(key) && op === 'put' && who === slow) await fast.catch(() => undefined);
    };
  }

  it('two flag sets at once: every pointer ends with both overrides', async () => {
    const f = await fleet();
    let b!: Promise<unknown>;
    const a = writer.run('A', () => {
      b = writer.run('B', () => set(f.deps, 'b'));
      return set(f.deps, 'a');
    });
    delayPointerPuts(f, 'A', b, 'A');
    await settled(f.clock, Promise.all([a, b]));
    for (const c of CLUSTERS) expect((await pointed(f.store, c)).overrides).toEqual({ a: 'off', b: 'off' });
  });

  it('set(A) racing clear(B): every pointer ends with A and without B', async () => {
    const f = await fleet();
    await set(f.deps, 'b');
    let b!: Promise<unknown>;
    const a = writer.run('A', () => {
      b = writer.run('B', () => clearFlagOverride(f.deps, { flag: 'b', actor: 'oncall', reason: 'over' }));
      return set(f.deps, 'a');
    });
    delayPointerPuts(f, 'A', b, 'A');
    await settled(f.clock, Promise.all([a, b]));
    for (const c of CLUSTERS) expect((await pointed(f.store, c)).overrides).toEqual({ a: 'off', b: undefined });
  });
});

describe('flag set racing a pointer move (review 14a #3)', () => {
  it('a pointer moved between flag set\'s read and its write ends on the new bundle with the override, not the old one', async () => {
    const f = await fleet();
    const old = await pointerOf(f.store, 'c-1');
    const got = await f.store.get(storeLayout.blob(old.bundle as Digest));
    if (got.kind !== 'found') throw new Error('no blob');
    const objects = decodeBundle(got.body, old.bundle as Digest).objects.map((o) => (o.metadata.name === 'web' ? { ...o, data: { v: 'T' } } : o));
    const t = encodeBundle(objects);
    await f.store.putIfAbsent(storeLayout.blob(t.digest), t.compressed);
    let moved = false;
    f.hook.current = async (op, key) => {
      if (moved || op !== 'put' || key !== storeLayout.pointer('c-1')) return;
      moved = true;
      const now = await pointerOf(f.store, 'c-1');
      const res = await f.store.get(storeLayout.pointer('c-1'));
      if (res.kind !== 'found') throw new Error('no pointer');
      await f.store.put(storeLayout.pointer('c-1'), canonicalBytes({ ...now, bundle: t.digest, generation: now.generation + 1 }), { ifMatch: res.etag });
    };
    await set(f.deps, 'a');
    expect(moved).toBe(true);
    expect(await pointed(f.store, 'c-1')).toEqual({ overrides: { a: 'off', b: undefined }, v: 'T' });
  });
});

describe('a rollout step racing flag set (review 14a #3)', () => {
  /**
   * Commit 2 adds delivery (one cluster per wave): c-1 moves to v2 at once, c-2 and c-3 stay on v1.
   * Then a step, whose first pointer write waits until a whole flag set ran: the step read the
   * rollout (and wrote its moves as intent) before flag set rewrote the rollout's digests.
   */
  async function raceStep() {
    const f = await fleet();
    f.repo.commit({ 'fleet.yaml': FLEET + DELIVERY, 'apps/web/web.yaml': web('2') }, 'delivered');
    await f.hub.compile({ repo: f.repo.url });
    const controller = createRolloutController({ store: f.store, clock: f.clock, machine: coreRolloutMachine, audit: f.deps.audit, newId: () => 'id', log: quietLog });
    await reportApplied(f.store, ['c-1']);
    let raced = false;
    f.hook.current = async (op, key) => {
      if (raced || writer.getStore() !== 'step' || !isPointer(key) || !isWrite(op)) return;
      raced = true;
      await writer.run('set', () => set(f.deps, 'a'));
    };
    const report = await writer.run('step', () => controller.step());
    expect(raced).toBe(true);
    return { f, controller, report };
  }

  /** Each cluster's agent reports its pointer's bundle Applied at the pointer's generation. */
  async function reportApplied(store: ObjectStore, clusters: readonly string[]): Promise<void> {
    for (const c of clusters) {
      const p = await pointerOf(store, c);
      await putStatus(store, c, 'Applied', p.bundle as Digest, p.generation);
    }
  }

  it('every pointer the step moved ends with the override flag set wrote meanwhile, on the release it moved to', async () => {
    const { f, report } = await raceStep();
    expect(report.moved).toBe(1);
    expect(await pointed(f.store, 'c-2')).toEqual({ overrides: { a: 'off', b: undefined }, v: '2' });
    for (const c of CLUSTERS) expect((await pointed(f.store, c)).overrides['a']).toBe('off');
  });

  it('after the race the rollout completes its waves: the document names the overridden bundles the agents apply', async () => {
    const { f, controller } = await raceStep();
    let last: StepReport | undefined;
    for (let i = 0; i < 2 * CLUSTERS.length && last?.phase !== 'Completed'; i++) {
      await reportApplied(f.store, CLUSTERS);
      last = await controller.step();
    }
    expect(last?.phase).toBe('Completed');
    for (const c of CLUSTERS) expect(await pointed(f.store, c)).toEqual({ overrides: { a: 'off', b: undefined }, v: '2' });
  });
});
