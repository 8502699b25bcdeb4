import { generateKeyPairSync } from 'node:crypto';
import { isDriftlessError, parseJsonDocument, seededRng, statusSchema, storeLayout } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent, type AgentConfig } from './agent.js';
import { colorBundle, publishBundle } from './testing/publish.js';

const START = Date.UTC(2026, 10, 22);
const settings = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'settings' };
const keys = generateKeyPairSync('ed25519');
const next = generateKeyPairSync('ed25519');

function setup(config: Partial<AgentConfig> = { verifyKeys: [keys.publicKey] }) {
  const clock = new VirtualClock(START);
  const store = new MemoryObjectStore();
  const kube = new MemoryKubeTarget({ clock });
  const logs: Record<string, unknown>[] = [];
  const make = () =>
    createAgent({ clock, rng: seededRng(1), store, kube, log: (e) => logs.push(e), config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], ...config } });
  return { clock, store, kube, logs, make, agent: make() };
}

async function statusIn(store: MemoryObjectStore) {
  const got = await store.get(storeLayout.status('c1'));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

const drift = (kube: MemoryKubeTarget) =>
  kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'app' }, data: { color: 'red' } }, 'kubectl');

describe('agent trust: keys', () => {
  it('refuses to start without a verify key unless insecure mode is asked for, saying how to fix it', () => {
    let thrown: unknown;
    try {
      setup({ verifyKeys: [] });
    } catch (err) {
      thrown = err;
    }
    expect(isDriftlessError(thrown, 'VerifyKeyMissing')).toBe(true);
    expect((thrown as Error).message).toMatch(/^agent c1 start failed: no verify key: .*--verify-key FILE.*--insecure-skip-verify/);
  });

  it('in insecure mode accepts an unsigned pointer, and says so in a warning at start and in every status', async () => {
    const { store, agent, logs } = setup({ verifyKeys: [], insecureSkipVerify: true });
    expect(logs).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/insecure-skip-verify/) as unknown, cluster: 'c1' })]);
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 1 });
    expect(await statusIn(store)).toMatchObject({ phase: 'Applied', insecureSkipVerify: true });
  });

  it('with a key, says in its status that it verifies, and which agent version it is', async () => {
    const { store, agent } = setup();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied' });
    expect(await statusIn(store)).toMatchObject({ insecureSkipVerify: false, agentVersion: '0.2.0' });
  });

  it('accepts pointers signed with any of several keys, so the signing key can be rotated without an outage', async () => {
    const { store, agent } = setup({ verifyKeys: [keys.publicKey, next.publicKey] });
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 1 });
    await publishBundle(store, 'c1', colorBundle('app', 'green'), 2, { signWith: next.privateKey });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 2 });
    await publishBundle(store, 'c1', colorBundle('app', 'red'), 3, { signWith: generateKeyPairSync('ed25519').privateKey });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/configured keys/) as unknown });
  });
});

describe('agent trust: expiry', () => {
  const expiresAt = '2026-11-23T00:00:00.000Z';

  it('once the pointer in force expires: Stale, the cluster left as it is (no drift correction), the age in status and log; a re-signed pointer resumes', async () => {
    const { clock, store, kube, agent, logs } = setup();
    const { digest } = await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey, expiresAt });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 1 });
    await clock.advance(Date.parse(expiresAt));
    await drift(kube);
    const writes = kube.counters.writes;
    const stale = await agent.runOnce();
    expect(stale).toMatchObject({ poll: 'not-modified', phase: 'Stale', generation: 1, error: expect.stringMatching(/expired at 2026-11-23T00:00:00.000Z/) as unknown });
    expect(kube.counters.writes).toBe(writes);
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'red' });
    expect(await statusIn(store)).toMatchObject({
      phase: 'Stale',
      observedGeneration: 1,
      appliedBundle: digest,
      stale: { generation: 1, publishedAt: '2026-11-22T00:00:00.000Z', expiresAt },
      heartbeatAt: expiresAt,
    });
    expect(logs.at(-1)).toMatchObject({ level: 'error', msg: 'pointer expired', generation: 1, ageSeconds: 86_400, expiresAt });
    // The hub re-signs: same generation, same bundle, a later expiresAt.
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey, expiresAt: '2026-11-24T00:00:00.000Z' });
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 1, outcome: { drifted: 1 } });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
  });

  it('refuses an expired pointer read at start: Stale, nothing applied', async () => {
    const { clock, store, kube, agent } = setup();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey, expiresAt });
    await clock.advance(Date.parse(expiresAt) + 1);
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Stale', generation: 1 });
    expect(await kube.get(settings)).toBeUndefined();
    expect(await statusIn(store)).toMatchObject({ phase: 'Stale', observedGeneration: 0, stale: { generation: 1, expiresAt } });
  });

  it('still refuses a pointer of the same generation that names another bundle', async () => {
    const { store, agent } = setup();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey, expiresAt });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied' });
    await publishBundle(store, 'c1', colorBundle('app', 'green'), 1, { signWith: keys.privateKey, expiresAt: '2026-11-24T00:00:00.000Z' });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/a different pointer at the accepted generation 1/) as unknown });
  });
});

describe('agent trust: a missing blob', () => {
  it('is retried while the pointer stays unchanged (304), shown as Failed in status meanwhile, and applied once it appears', async () => {
    const { store, kube, agent } = setup();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied' });
    const green = await publishBundle(store, 'c1', colorBundle('app', 'green'), 2, { signWith: keys.privateKey });
    await store.delete(storeLayout.blob(green.digest));
    const missing = await agent.runOnce();
    expect(missing).toMatchObject({ poll: 'changed', phase: 'Failed', generation: 1, error: expect.stringMatching(/no blob at blobs\/sha256\/.*retrying/) as unknown });
    expect(await statusIn(store)).toMatchObject({ phase: 'Failed', observedGeneration: 1, lastError: missing.error });
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Failed', error: missing.error });
    await store.putIfAbsent(storeLayout.blob(green.digest), green.compressed);
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Applied', generation: 2 });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'green' });
    expect(await statusIn(store)).toMatchObject({ phase: 'Applied', observedGeneration: 2, appliedBundle: green.digest });
  });
});
