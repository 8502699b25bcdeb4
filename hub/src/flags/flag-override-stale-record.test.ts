import { AsyncLocalStorage } from 'node:async_hooks';
import { decodeBundle, FLAGS_CONFIGMAP_KEY, storeLayout, type Digest, type ObjectStore } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock, type StoreOperation } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { quietLog } from '../hub-log.js';
import { auditRecorder } from '../testing/test-rollout-machine.js';
import { unitHubDeps } from '../testing/unit-hub.js';
import { clusterYaml, flagFleetYaml, killSwitchYaml } from '../testing/flag-fleet.js';
import { pointerOf } from '../testing/store-reads.js';
import { clearFlagOverride, setFlagOverride, type FlagOverrideDeps } from './flag-override.js';
import { updateFlagOverrides } from './flag-overrides-store.js';

// Review 14b #1: a flag set or clear picks its clusters and their labels from
// the revision record it read first; a compile that publishes before it writes
// flags/overrides.json adds or relabels clusters it never converges.

const FLEET = flagFleetYaml();
const flag = killSwitchYaml('team-shop');
const cluster = (n: string, region: string): string => clusterYaml(n, { region });
const NOW = Date.parse('2030-01-01T00:00:00Z');
const who = new AsyncLocalStorage<string>();

/** The variant the override forces on flag `a` in the cluster's published bundle; undefined when it has none. */
async function overrideOf(store: ObjectStore, c: string): Promise<string | undefined> {
  const p = await pointerOf(store, c);
  const got = await store.get(storeLayout.blob(p.bundle as Digest));
  if (got.kind !== 'found') throw new Error(`no blob for ${c}`);
  const objs = decodeBundle(got.body, p.bundle as Digest).objects as unknown as { metadata: { name: string }; data: Record<string, string> }[];
  const text = objs.find((o) => o.metadata.name === 'driftless-flags')?.data[FLAGS_CONFIGMAP_KEY] ?? '{}';
  const f = (JSON.parse(text) as { flags: Record<string, { defaultVariant: string; metadata?: { override?: unknown } }> }).flags['a'];
  return f?.metadata?.override === undefined ? undefined : f.defaultVariant;
}

/**
 * A store and hub that published the first commit (eu-1 in region eu, x in
 * us), then `second` committed (if given); `when` runs `run` once, from
 * inside the first store operation of `writer` that `op` accepts.
 */
async function setup(second?: Record<string, string>) {
  const clock = new VirtualClock(NOW);
  const hook: { current?: ((op: StoreOperation, key: string) => Promise<void>) | undefined } = {};
  const store = new MemoryObjectStore({ clock, latency: (op, key) => hook.current?.(op, key) ?? Promise.resolve() });
  const repo = new MemoryRepository();
  repo.commit(
    { 'fleet.yaml': FLEET, 'apps/web/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { v: "1" }\n', 'flags/a.yaml': flag, 'clusters/eu-1.yaml': cluster('eu-1', 'eu'), 'clusters/x.yaml': cluster('x', 'us') },
    'first',
  );
  const audit = auditRecorder();
  const hub = createHub(unitHubDeps({ source: repo, store, clock, audit }));
  const compile = () => hub.compile({ repo: repo.url });
  await compile();
  if (second) repo.commit(second, 'second');
  const deps: FlagOverrideDeps = { store, clock, audit, newId: () => `id-${Math.random()}`, log: quietLog };
  const when = (writer: string, op: (op: StoreOperation, key: string) => boolean, run: () => Promise<unknown>): void => {
    hook.current = async (o, key) => {
      if (who.getStore() !== writer || !op(o, key)) return;
      hook.current = undefined;
      await run();
    };
  };
  return { store, deps, compile, when };
}

/** The whole compile of the second commit runs after the flag writer read the last record, before it writes overrides.json. */
function compileBeforeTheWrite(s: Awaited<ReturnType<typeof setup>>): void {
  s.when('flag', (op, key) => key === storeLayout.flagOverrides && op !== 'get', () => who.run('compile', s.compile));
}

describe('flag set/clear while a compile publishes a new record (review 14b #1)', () => {
  it('a cluster relabelled into the selector by a compile in that window gets the override', async () => {
    const s = await setup({ 'clusters/x.yaml': cluster('x', 'eu') });
    compileBeforeTheWrite(s);
    await who.run('flag', () => setFlagOverride(s.deps, { flag: 'a', variant: 'off', selector: 'region=eu', actor: 'oncall', reason: 'incident' }));
    expect(await overrideOf(s.store, 'eu-1')).toBe('off');
    expect(await overrideOf(s.store, 'x'), 'x is region=eu now').toBe('off');
  });

  it('a cluster added by a compile in that window gets an override without a selector', async () => {
    const s = await setup({ 'clusters/new-1.yaml': cluster('new-1', 'us') });
    compileBeforeTheWrite(s);
    await who.run('flag', () => setFlagOverride(s.deps, { flag: 'a', variant: 'off', actor: 'oncall', reason: 'incident' }));
    expect(await overrideOf(s.store, 'x')).toBe('off');
    expect(await overrideOf(s.store, 'new-1'), 'no selector: every cluster').toBe('off');
  });

  it('a cluster relabelled out of the selector by a compile in that window ends without the override', async () => {
    const s = await setup({ 'clusters/eu-1.yaml': cluster('eu-1', 'us'), 'clusters/x.yaml': cluster('x', 'eu') });
    compileBeforeTheWrite(s);
    await who.run('flag', () => setFlagOverride(s.deps, { flag: 'a', variant: 'off', selector: 'region=eu', actor: 'oncall', reason: 'incident' }));
    expect(await overrideOf(s.store, 'eu-1'), 'eu-1 is region=us now').toBeUndefined();
    expect(await overrideOf(s.store, 'x')).toBe('off');
  });

  it('a clear restores a cluster relabelled into the override by a compile in that window', async () => {
    const s = await setup({ 'clusters/x.yaml': cluster('x', 'eu') });
    await who.run('flag', () => setFlagOverride(s.deps, { flag: 'a', variant: 'off', selector: 'region=eu', actor: 'oncall', reason: 'incident' }));
    // The compile applies the override to x (now region=eu) before the clear writes the document.
    compileBeforeTheWrite(s);
    await who.run('flag', () => clearFlagOverride(s.deps, { flag: 'a', actor: 'oncall', reason: 'over' }));
    expect(await overrideOf(s.store, 'eu-1')).toBeUndefined();
    expect(await overrideOf(s.store, 'x'), 'x got the override from the compile; the clear restores it').toBeUndefined();
  });

  it('a compile that moves no pointer still converges on a document written after it read it', async () => {
    // The same commit again: the compile moves no pointer.
    const s = await setup();
    // A flag set writes the document after the compile read it (while it reads the revision record), and dies before it converges.
    s.when('compile', (_op, key) => key.startsWith('revisions/'), () =>
      updateFlagOverrides(s.store, (doc) => ({ ...doc, overrides: { ...doc.overrides, a: { variant: 'off', actor: 'oncall', at: new Date(NOW).toISOString(), reason: 'incident' } } })),
    );
    const report = await who.run('compile', s.compile);
    expect(report.pointersUpdated).toBe(0);
    expect(await overrideOf(s.store, 'x'), 'the compile saw the document change: it converges').toBe('off');
  });
});
