import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, canonicalBytes, decodePointer, storeLayout, type ObjectStore, type Pointer } from '@driftless/core';
import { createAuditLog, generateSigningKeyPair } from '@driftless/hub';
import { systemClock } from '@driftless/clock';
import { uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo, generateFleet, s3StoreFor } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { main } from './main.js';
import { runCli, useCliS3 } from './testing/cli-run.js';

const env = inject('driftlessEnv');
const cleanups = useCliS3(env.s3);
const run = runCli;

// Cluster i carries the label ring: i % 10 (testkit's scenario): of 12 clusters, ring-0 gets c-00000 and
// c-00010, ring-1 c-00001 and c-00011, the catch-all the other 8, in waves of 3 (3, 3, 2).
const RING_0 = ['c-00000', 'c-00010'];
const RING_1 = ['c-00001', 'c-00011'];
const EVERYONE = ['c-00002', 'c-00003', 'c-00004', 'c-00005', 'c-00006', 'c-00007', 'c-00008', 'c-00009'];
const DELIVERY = {
  mode: 'continuous-delivery',
  rings: [
    { name: 'ring-0', selector: { matchLabels: { ring: '0' } } },
    { name: 'ring-1', selector: { matchLabels: { ring: '1' } } },
    { name: 'everyone', selector: {}, maxConcurrent: 3 },
  ],
};

/** A three-ring fleet in the git server, an empty MinIO prefix, and the hub's key. */
async function setup() {
  const name = uniqueName('cli-rollout');
  const bare = await createBareRepo(env.git.root, name);
  await commitFiles(bare, generateFleet({ clusters: 12, apps: 2, kustomizeApps: 0, delivery: DELIVERY }), 'first');
  const dir = await mkdtemp(join(tmpdir(), 'driftless-rollout-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const keys = generateSigningKeyPair();
  const key = join(dir, 'hub.key');
  const pub = join(dir, 'hub.pub');
  await writeFile(key, keys.privateKeyPem);
  await writeFile(pub, keys.publicKeyPem);
  // An operator's own key: signs audit entries, never the fleet's pointers.
  const opKey = join(dir, 'op.key');
  await writeFile(opKey, generateSigningKeyPair().privateKeyPem);
  const prefix = uniqueName('cli-rollout');
  const store = s3StoreFor(env, prefix);
  cleanups.push(() => store.destroy());
  const url = `s3://${env.s3.bucket}/${prefix}`;
  const compileArgs = ['--repo', `${env.git.baseUrl}${name}.git`, '--store', url, '--cache-dir', join(dir, 'cache'), '--sign-key', key];
  return { store, url, key, pub, opKey, compileArgs, bare };
}

/** The current rollout as stored (raw JSON) with its ETag. */
async function rolloutDoc(store: ObjectStore): Promise<{ doc: Record<string, unknown> & { id: string; version: number; pendingMoves?: unknown[] }; etag: string }> {
  const cur = await store.get(storeLayout.currentRollout);
  if (cur.kind !== 'found') throw new Error('no current rollout');
  const { id } = JSON.parse(new TextDecoder().decode(cur.body)) as { id: string };
  const got = await store.get(storeLayout.rollout(id));
  if (got.kind !== 'found') throw new Error(`no rollout ${id}`);
  return { doc: JSON.parse(new TextDecoder().decode(got.body)) as { id: string; version: number }, etag: got.etag };
}

/** What a refused command must leave as it was: the rollout's version and the audit log's length. */
async function recorded(store: ObjectStore): Promise<{ version: number; audit: number }> {
  return { version: (await rolloutDoc(store)).doc.version, audit: (await createAuditLog({ store, clock: systemClock }).read()).length };
}

async function pointerOf(store: ObjectStore, cluster: string): Promise<Pointer | undefined> {
  const got = await store.get(storeLayout.pointer(cluster));
  return got.kind === 'found' ? decodePointer(got.body, cluster, cluster) : undefined;
}

async function pointed(store: ObjectStore, clusters: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of clusters) if (await pointerOf(store, c)) out.push(c);
  return out;
}

/** Writes the status an agent writes once it applied its pointer's bundle. */
async function reportApplied(store: ObjectStore, clusters: readonly string[]): Promise<void> {
  for (const cluster of clusters) {
    const p = await pointerOf(store, cluster);
    if (!p) throw new Error(`no pointer for ${cluster}`);
    const status = {
      apiVersion: API_VERSION,
      kind: 'Status',
      cluster,
      observedGeneration: p.generation,
      appliedBundle: p.bundle,
      phase: 'Applied',
      objects: { total: 3, ready: 3, drifted: 0, pruned: 0 },
      insecureSkipVerify: false,
      agentVersion: 'test',
      heartbeatAt: new Date(systemClock.now()).toISOString(),
    };
    await store.put(storeLayout.status(cluster), canonicalBytes(status), { contentType: 'application/json' });
  }
}

interface StatusJson {
  phase: string;
  rings: { name: string; phase: string; clusters: Record<string, number>; agents: Record<string, number>; gates: { gate: string; state: string; reason: string }[]; approval?: { actor: string; reason: string } }[];
  halt?: { actor: string; reason: string; automatic: boolean };
  frozen?: { actor: string; reason: string };
  createdAt: string;
  updatedAt: string;
}

async function statusOf(url: string): Promise<StatusJson> {
  const r = await run(['rollout', 'status', '--store', url, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as StatusJson;
}

describe('driftless rollout on MinIO and the git server', () => {
  it('says there is no rollout in a store without one (exit 0)', async () => {
    const { url } = await setup();
    expect(await run(['rollout', 'step', '--store', url])).toMatchObject({ code: 0, out: 'no rollout in this store\n' });
    expect(await run(['rollout', 'status', '--store', url])).toMatchObject({ code: 0, out: 'no rollout in this store\n' });
  });

  it('refuses a step without the rollout\'s key or with another key (exit 2 naming --sign-key) before writing anything; the step with the key moves', async () => {
    const { store, url, key, opKey, compileArgs } = await setup();
    expect((await run(['hub', 'compile', ...compileArgs])).code).toBe(0);
    // One Applied report: the step would only record that verdict, still refused (its audit entries would be unsigned).
    await reportApplied(store, RING_0.slice(0, 1));
    const before = await recorded(store);
    const keyless = await run(['rollout', 'step', '--store', url]);
    expect(keyless.code).toBe(2);
    expect(keyless.err).toMatch(/signed by key [0-9a-f]{16}; pass --sign-key with that key/);
    expect(await recorded(store)).toEqual(before);
    await reportApplied(store, RING_0);
    const wrong = await run(['rollout', 'step', '--store', url, '--sign-key', opKey]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('pass --sign-key');
    expect(await recorded(store)).toEqual(before);
    expect(await pointed(store, [...RING_1, ...EVERYONE])).toEqual([]);
    expect((await run(['rollout', 'step', '--store', url, '--sign-key', key])).code).toBe(0);
    expect(await pointed(store, [...RING_1, ...EVERYONE])).toEqual(RING_1);
  });

  it('halts without --sign-key while pointer moves are pending (exit 0), leaving them for the next step with the key', async () => {
    const { store, url, key, pub, compileArgs } = await setup();
    expect((await run(['hub', 'compile', ...compileArgs])).code).toBe(0);
    // A step that died after writing its intent: a pending (here no-op) move of a signed pointer.
    const { doc, etag } = await rolloutDoc(store);
    const pendingMoves = [{ cluster: RING_0[0], digest: (await pointerOf(store, RING_0[0] ?? ''))?.bundle, reason: 'wave' }];
    expect((await store.put(storeLayout.rollout(doc.id), canonicalBytes({ ...doc, pendingMoves }), { ifMatch: etag, contentType: 'application/json' })).kind).toBe('written');
    const halted = await run(['rollout', 'halt', '--store', url, '--reason', 'incident 7', '--as', 'ops']);
    expect(halted.code, halted.err).toBe(0);
    expect(halted.out).toContain('halted by ops: incident 7;');
    expect(await statusOf(url)).toMatchObject({ phase: 'Halted', halt: { actor: 'ops', reason: 'incident 7' } });
    expect((await rolloutDoc(store)).doc.pendingMoves).toHaveLength(1);
    // The halt's entry is unsigned: verifying with the hub's key alone needs --allow-unsigned.
    expect((await run(['audit', 'verify', '--store', url, '--verify-key', pub])).code).not.toBe(0);
    expect((await run(['audit', 'verify', '--store', url, '--verify-key', pub, '--allow-unsigned'])).code).toBe(0);
    expect((await run(['rollout', 'step', '--store', url, '--sign-key', key])).code).toBe(0);
    expect((await rolloutDoc(store)).doc.pendingMoves).toBeUndefined();
  });

  it('steps a three-ring rollout through soak-free gates, an approval, a halt, a resume and a freeze', async () => {
    const { store, url, key, pub, compileArgs } = await setup();
    const compiled = await run(['hub', 'compile', ...compileArgs]);
    expect(compiled.code, compiled.err).toBe(0);
    expect(compiled.out).toMatch(/^rollout \S+ started: 12 pointers held for the rollout \(ring 0's first wave moved 2\)$/m);
    expect(compiled.out, 'one count of the pointers, not two').not.toMatch(/updated \d+ pointers|pointers moved by/);
    expect(await pointed(store, [...RING_0, ...RING_1, ...EVERYONE])).toEqual(RING_0);

    const idle = await run(['rollout', 'step', '--store', url, '--sign-key', key, '--json']);
    expect(idle.code, idle.err).toBe(0);
    expect(JSON.parse(idle.out)).toMatchObject({ phase: 'Progressing', moved: 0, changed: false, wavesOpened: [] });

    await reportApplied(store, RING_0);
    const opened = await run(['rollout', 'step', '--store', url, '--sign-key', key]);
    expect(opened.code, opened.err).toBe(0);
    expect(opened.out).toMatch(/^rollout \d{8}T\d{6}Z-[0-9a-f]{12}: Progressing\n/m);
    expect(opened.out).toContain('ring ring-0: Progressing -> Soaking -> Succeeded\nring ring-1: Pending -> Progressing\nopened wave 1 of ring ring-1: 2 clusters\n');
    expect(opened.out).toContain('moved 2 pointers\n');
    expect(await pointed(store, [...RING_1, ...EVERYONE])).toEqual(RING_1);

    const progressing = await statusOf(url);
    expect(progressing.phase).toBe('Progressing');
    expect(progressing.rings.map((r) => [r.name, r.phase, r.clusters, r.agents])).toEqual([
      ['ring-0', 'Succeeded', { applied: 2 }, { Applied: 2 }],
      ['ring-1', 'Progressing', { moved: 2 }, { 'no report': 2 }],
      ['everyone', 'Pending', { pending: 8 }, {}],
    ]);
    expect(progressing.rings[0]?.gates).toContainEqual(expect.objectContaining({ gate: 'health', state: 'passed' }));
    expect(progressing.rings[1]?.gates).toContainEqual(expect.objectContaining({ gate: 'health', state: 'pending' }));

    await reportApplied(store, RING_1);
    const verdicts = await run(['rollout', 'step', '--store', url, '--sign-key', key]);
    expect(verdicts.code, verdicts.err).toBe(0);
    expect(verdicts.out).toMatch(/^rollout \S+: AwaitingApproval\nring ring-1: Progressing -> Soaking -> Succeeded\nring everyone: Pending -> AwaitingApproval\n$/);
    const waiting = await statusOf(url);
    expect(waiting.phase).toBe('AwaitingApproval');
    expect(waiting.rings[2]?.gates).toContainEqual(expect.objectContaining({ gate: 'approval', state: 'pending' }));
    const human = await run(['rollout', 'status', '--store', url]);
    expect(human.out).toMatch(/^RING\s+PHASE\s+WAVES\s+ROLLOUT\s+AGENTS$/m);
    expect(human.out).toMatch(/^everyone\s+AwaitingApproval\s+0\s+pending 8\s+-$/m);

    const needless = await run(['rollout', 'approve', '--store', url, '--ring', 'ring-1', '--reason', 'looks good', '--as', 'carol', '--sign-key', key]);
    expect(needless.code).toBe(2);
    expect(needless.err).toMatch(/^error: .*ring-1/);
    expect((await run(['rollout', 'approve', '--store', url, '--ring', 'everyone', '--reason', '  '])).code).toBe(2);
    const before = await recorded(store);
    const keyless = await run(['rollout', 'approve', '--store', url, '--ring', 'everyone', '--reason', 'partner happy', '--as', 'carol']);
    expect(keyless.code).toBe(2);
    expect(keyless.err).toContain('pass --sign-key');
    expect(await recorded(store)).toEqual(before);

    const approved = await run(['rollout', 'approve', '--store', url, '--ring', 'everyone', '--reason', 'partner happy', '--as', 'carol', '--sign-key', key]);
    expect(approved.code, approved.err).toBe(0);
    expect(approved.out).toContain('approved ring everyone as carol: partner happy\n');
    expect(approved.out).toContain('opened wave 1 of ring everyone: 3 clusters\n');
    const wave1 = await pointed(store, EVERYONE);
    expect(wave1).toHaveLength(3);
    expect((await statusOf(url)).rings[2]?.approval).toMatchObject({ actor: 'carol', reason: 'partner happy' });

    await reportApplied(store, wave1);
    expect((await run(['rollout', 'halt', '--store', url, '--reason', 'incident 9', '--as', 'dave', '--sign-key', key])).code).toBe(0);
    const halted = await run(['rollout', 'step', '--store', url, '--sign-key', key]);
    expect(halted.code).toBe(0);
    expect(halted.out).toContain('halted by dave: incident 9;');
    expect(await pointed(store, EVERYONE)).toEqual(wave1);
    expect(await statusOf(url)).toMatchObject({ phase: 'Halted', halt: { actor: 'dave', reason: 'incident 9', automatic: false } });

    const resumed = await run(['rollout', 'resume', '--store', url, '--reason', 'fixed', '--as', 'dave', '--sign-key', key]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('opened wave 2 of ring everyone: 3 clusters\n');
    const wave2 = await pointed(store, EVERYONE);
    expect(wave2).toHaveLength(6);

    await reportApplied(store, wave2);
    expect((await run(['freeze', '--store', url, '--reason', 'change freeze', '--as', 'erin', '--sign-key', key])).code).toBe(0);
    const frozen = await run(['rollout', 'step', '--store', url, '--sign-key', key]);
    expect(frozen.code).toBe(0);
    expect(frozen.out).toContain('frozen by erin (change freeze): no pointer moved; driftless unfreeze --reason … to continue\n');
    expect(await pointed(store, EVERYONE)).toEqual(wave2);
    expect((await statusOf(url)).frozen).toMatchObject({ actor: 'erin', reason: 'change freeze' });

    expect((await run(['unfreeze', '--store', url, '--reason', 'over', '--as', 'erin', '--sign-key', key])).code).toBe(0);
    expect((await run(['rollout', 'step', '--store', url, '--sign-key', key])).out).toContain('moved 2 pointers\n');
    expect(await pointed(store, EVERYONE)).toEqual(EVERYONE);
    for (const c of EVERYONE) expect((await pointerOf(store, c))?.signature).toMatch(/^ed25519:/);

    expect(await run(['audit', 'verify', '--store', url, '--verify-key', pub])).toMatchObject({ code: 0 });
    const actions = (await createAuditLog({ store, clock: systemClock }).read()).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(expect.arrayContaining(['carol rollout.approved', 'dave rollout.halted', 'dave rollout.resumed', 'erin fleet.frozen']));
  });

  it('counts an agent report only when it is about the current move: a report of the previous release is an old report', async () => {
    const { store, url, compileArgs, bare } = await setup();
    expect((await run(['hub', 'compile', ...compileArgs])).code).toBe(0);
    await reportApplied(store, RING_0);
    await commitFiles(bare, generateFleet({ clusters: 12, apps: 2, kustomizeApps: 0, delivery: DELIVERY, versions: { 'app-00': '2.0.0', 'app-01': '2.0.0' } }), 'second');
    const second = await run(['hub', 'compile', ...compileArgs]);
    expect(second.code, second.err).toBe(0);
    const status = await statusOf(url);
    expect(status.rings[0]).toMatchObject({ name: 'ring-0', phase: 'Progressing', clusters: { moved: 2 }, agents: { 'old report': 2 } });
    expect((await run(['rollout', 'status', '--store', url])).out).toMatch(/^ring-0\s+Progressing\s+1\s+moved 2\s+old report 2$/m);

    await reportApplied(store, RING_0);
    expect((await statusOf(url)).rings[0]?.agents).toEqual({ Applied: 2 });
  });

  it('hub serve steps the rollout: ring-1 opens once ring-0 reports Applied', async () => {
    const { store, compileArgs } = await setup();
    expect((await run(['hub', 'compile', ...compileArgs])).code).toBe(0);
    await reportApplied(store, RING_0);
    let stepped: () => void = () => undefined;
    const seen = new Promise<void>((resolve) => (stepped = resolve));
    const io = { stdout: () => undefined, stderr: (t: string) => (t.includes('"msg":"rollout stepped"') ? stepped() : undefined) };
    const before = new Set([...process.listeners('SIGTERM'), ...process.listeners('SIGINT')]);
    const serving = main(['hub', 'serve', ...compileArgs, '--poll', '1h', '--step-interval', '50ms', '--listen', '127.0.0.1:0'], io);
    await seen;
    expect(await pointed(store, RING_1)).toEqual(RING_1);
    // Stop it as SIGTERM would, calling only the listener hub serve added.
    const stop = process.listeners('SIGTERM').find((l) => !before.has(l));
    stop?.('SIGTERM');
    expect(await serving).toBe(0);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) for (const l of process.listeners(signal).filter((l) => !before.has(l))) process.removeListener(signal, l);
  });

  it('refuses a command without a reason, or when no rollout exists, with exit 2', async () => {
    const { url } = await setup();
    const bare = await run(['rollout', 'halt', '--store', url, '--reason', '']);
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('--reason');
    const none = await run(['rollout', 'halt', '--store', url, '--reason', 'why not']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no rollout was ever started');
  });
});
