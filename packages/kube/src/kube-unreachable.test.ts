import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKubeTarget } from './kube-target.js';
import { leaseLock } from './lease-lock.js';

// The adapters over an API server that cannot be reached: client-node's own
// errors, classified by their network error code. Loopback sockets stand in for the network.
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function listen(onConnection: (socket: Socket) => void): Promise<string> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const refused = async (): Promise<string> => {
  const url = await listen(() => undefined);
  servers.splice(0).forEach((s) => s.close()); // nobody listens there any more
  return url;
};
const resets = (): Promise<string> => listen((socket) => socket.once('data', () => socket.destroy()));
// Accepts the connection and reads the request, then never answers: a hung API server or a dead middlebox.
const hangs = (): Promise<string> => listen((socket) => socket.resume());

describe('an API server that cannot be reached', () => {
  it.each([
    ['refuses connections', refused, 'ECONNREFUSED'],
    ['resets them ("socket hang up")', resets, 'ECONNRESET'],
  ])('that %s: KubeTarget requests are unavailable (transient), naming the object and the code', async (_what, start, code) => {
    const kube = createKubeTarget(kubeConfig(await start()));
    const err = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KubeUnavailable', errorClass: 'transient', data: { object: 'ConfigMap/ns/a', operation: 'get' } });
    expect((err as Error).message).toBe(`ConfigMap/ns/a get failed: ${code}`);
  });

  it.each([
    ['refuses connections', refused, 'ECONNREFUSED'],
    ['resets them ("socket hang up")', resets, 'ECONNRESET'],
  ])('that %s: lease requests are unavailable (transient), naming the Lease and the code', async (_what, start, code) => {
    const lock = leaseLock(kubeConfig(await start()), 'ns', 'leader');
    const err = await lock.get().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KubeUnavailable', errorClass: 'transient', data: { object: 'Lease/ns/leader', operation: 'get' } });
    expect((err as Error).message).toBe(`Lease/ns/leader get failed: ${code}`);
  });

  it('that accepts the connection and never answers: every KubeTarget and lease request ends unavailable (transient) after the request timeout', async () => {
    const kc = kubeConfig(await hangs());
    const kube = createKubeTarget(kc, { requestTimeoutMs: 100 });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' };
    const errors = await Promise.all([
      kube.get(ref).catch((e: unknown) => e),
      kube.resourceOf('v1', 'ConfigMap').catch((e: unknown) => e),
      kube.apply({ ...ref, metadata: { name: 'a', namespace: 'ns' } }, 'driftless').catch((e: unknown) => e),
      leaseLock(kc, 'ns', 'leader', { requestTimeoutMs: 100 }).get().catch((e: unknown) => e),
    ]);
    expect(errors.map((e) => [(e as { code?: string }).code, (e as Error).message])).toEqual([
      ['KubeUnavailable', 'ConfigMap/ns/a get failed: no answer within 100 ms'],
      ['KubeUnavailable', 'ConfigMap (v1) discover failed: no answer within 100 ms'],
      ['KubeUnavailable', 'ConfigMap/ns/a apply failed: no answer within 100 ms'],
      ['KubeUnavailable', 'Lease/ns/leader get failed: no answer within 100 ms'],
    ]);
  });

  it('that hangs: a Lease request gives up after 5 s by default, well inside the 15 s lease', async () => {
    const lock = leaseLock(kubeConfig(await hangs()), 'ns', 'leader');
    // Read back the timeout the request is given, and let it fire after 10 ms rather than wait 5 real seconds.
    const timeout = AbortSignal.timeout.bind(AbortSignal);
    const given = vi.spyOn(AbortSignal, 'timeout').mockImplementation(() => timeout(10));
    try {
      const err = await lock.update({ holder: 'a', durationMs: 15_000, transitions: 0 }, '1').catch((e: unknown) => e);
      expect(given.mock.calls).toEqual([[5_000]]);
      expect(err).toMatchObject({ code: 'KubeUnavailable', errorClass: 'transient', message: 'Lease/ns/leader update failed: no answer within 5000 ms' });
    } finally {
      given.mockRestore();
    }
  });
});

describe('a kubeconfig without a current cluster', () => {
  it.each([
    ['no current context', { currentContext: '' }, /has no current context/],
    ['a current context whose cluster is not defined', { contexts: [{ name: 'x', cluster: 'gone', user: 'u' }] }, /current context "x" names no cluster/],
  ])('with %s: the adapters refuse it as InvalidKubeConfig (stalled), saying where the kubeconfig comes from', (_what, over, reason) => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x', ...over });
    for (const make of [() => createKubeTarget(kc), () => leaseLock(kc, 'ns', 'leader')]) {
      const err = (() => {
        try {
          make();
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(err).toMatchObject({ code: 'InvalidKubeConfig', errorClass: 'stalled' });
      expect((err as Error).message).toMatch(/^the kubeconfig \(--kubeconfig FILE, else \$KUBECONFIG.*\) load failed: /);
      expect((err as Error).message).toMatch(reason);
    }
  });
});
