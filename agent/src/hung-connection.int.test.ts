import { createServer, type AddressInfo, type Server } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { parseJsonDocument, seededRng, statusSchema, storeLayout } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { startFaultyProxy, uniqueName, type FaultyProxy } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { createS3Store } from '@driftless/store/s3';
import { s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, publishBundle } from './testing/publish.js';

// A connection that is accepted and never answered (a hung API server, a dead
// middlebox) must end the pass with a transient error, not hold it for ever.
// The timeouts are small so that the outcome is awaited, not a wall-clock range.
const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function hungApiServer(): Promise<KubeConfig> {
  const server: Server = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const hung = new KubeConfig();
  hung.loadFromOptions({
    clusters: [{ name: 'c', server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return hung;
}

const config = () => ({ cluster: 'c1', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') }, verifyKeys: [], insecureSkipVerify: true });

describe('agent over a hung connection', () => {
  it('to the API server: the pass ends Failed with the timed-out request in its result and status', async () => {
    const store = s3StoreFor(env, uniqueName('hung-kube'));
    cleanups.push(() => store.destroy());
    await publishBundle(store, 'c1', colorBundle(uniqueName('app'), 'blue'), 1);
    const events: Record<string, unknown>[] = [];
    const agent = createAgent({
      clock: new VirtualClock(0),
      rng: seededRng(1),
      store,
      kube: createKubeTarget(await hungApiServer(), { requestTimeoutMs: 200 }),
      config: config(),
      log: (e) => events.push(e),
    });
    const result = await agent.runOnce();
    // The first request to the cluster (reading the replay records) is the one that hangs.
    expect(result).toMatchObject({ phase: 'Failed', statusWritten: true });
    expect(result.error).toMatch(/ get failed: no answer within 200 ms$/);
    expect(events).toContainEqual(expect.objectContaining({ level: 'error', error: result.error }));
    const status = await store.get(storeLayout.status('c1'));
    expect(status.kind === 'found' && parseJsonDocument(statusSchema, status.body, 'status')).toMatchObject({ phase: 'Failed', lastError: result.error });
  });

  it('to the store: the poll fails unavailable (transient) after the request timeout, and the pass ends Unknown', async () => {
    const proxy: FaultyProxy = await startFaultyProxy(env.s3.endpoint, () => 'hang');
    cleanups.push(() => proxy.close());
    const store = createS3Store({
      bucket: env.s3.bucket,
      prefix: uniqueName('hung-store'),
      endpoint: proxy.url,
      region: env.s3.region,
      credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey },
      requestTimeoutMs: 200,
      maxAttempts: 1,
    });
    cleanups.push(() => store.destroy());
    const events: Record<string, unknown>[] = [];
    const agent = createAgent({ clock: new VirtualClock(0), rng: seededRng(1), store, kube: createKubeTarget(kc), config: config(), log: (e) => events.push(e) });
    const result = await agent.runOnce();
    expect(result).toMatchObject({ poll: 'error', phase: 'Unknown' });
    expect(result.error).toMatch(/^s3 get clusters\/c1\/desired.json failed: /);
    expect(events).toContainEqual(expect.objectContaining({ level: 'error', msg: 'poll failed' }));
  });
});
