import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { KubeConfig } from '@kubernetes/client-node';
import { canonicalBytes, parseJsonDocument, seededRng, statusSchema, storeLayout, type ObjectStore } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { agentStorePolicy, type IamPolicy } from '@driftless/store';
import { createS3Store, type S3ObjectStore } from '@driftless/store/s3';
import { s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, publishBundle } from './testing/publish.js';

// Per-cluster store credentials on MinIO: the policy the README documents,
// given to a session of MinIO's STS AssumeRole (the same JSON as an IAM
// user's or role's policy on S3), used by the real agent.
const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);
const stores: S3ObjectStore[] = [];
afterAll(() => stores.forEach((s) => s.destroy()));

async function credentialsFor(prefix: string, cluster: string, policy: IamPolicy = agentStorePolicy({ bucket: env.s3.bucket, prefix }, cluster)) {
  const sts = new STSClient({ endpoint: env.s3.endpoint, region: env.s3.region, credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey } });
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:xxx:xxx:xxx:xxxx', RoleSessionName: cluster, Policy: JSON.stringify(policy) }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRole returned no credentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } finally {
    sts.destroy();
  }
}

function storeAs(prefix: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): ObjectStore {
  const store = createS3Store({ bucket: env.s3.bucket, prefix, endpoint: env.s3.endpoint, region: env.s3.region, credentials, maxAttempts: 1 });
  stores.push(store);
  return store;
}

describe('per-cluster store credentials on MinIO', () => {
  it("let cluster a's agent read its pointer and blobs and write its status, and nothing else", async () => {
    const prefix = uniqueName('policy');
    const admin = s3StoreFor(env, prefix);
    stores.push(admin);
    await publishBundle(admin, 'a', colorBundle(uniqueName('app'), 'blue'), 1);
    await publishBundle(admin, 'b', colorBundle(uniqueName('app'), 'green'), 1);
    const bStatus = canonicalBytes({ note: "b's own status" });
    await admin.put(storeLayout.status('b'), bStatus);
    const a = storeAs(prefix, await credentialsFor(prefix, 'a'));

    // The real agent with a's credentials: a whole pass, its status written.
    const agent = createAgent({
      clock: new VirtualClock(Date.UTC(2026, 10, 22)),
      rng: seededRng(1),
      store: a,
      kube: createKubeTarget(kc),
      config: { cluster: 'a', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') }, verifyKeys: [], insecureSkipVerify: true },
    });
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 1, statusWritten: true });
    const written = await admin.get(storeLayout.status('a'));
    expect(written.kind === 'found' && parseJsonDocument(statusSchema, written.body, 'status')).toMatchObject({ cluster: 'a', phase: 'Applied' });
    // Its own last status is one of its replay-floor records: it may read it back.
    expect((await a.get(storeLayout.status('a'))).kind).toBe('found');

    // Everything else is refused by MinIO (403), and changes nothing.
    const body = new TextEncoder().encode('{}');
    const attempts: Record<string, () => Promise<unknown>> = {
      "write b's status": () => a.put(storeLayout.status('b'), body),
      'write its own pointer': () => a.put(storeLayout.pointer('a'), body),
      "write b's pointer": () => a.put(storeLayout.pointer('b'), body),
      "read b's pointer": () => a.get(storeLayout.pointer('b')),
      "read b's status": () => a.get(storeLayout.status('b')),
      'list the clusters': () => a.list('clusters/'),
      'write a blob': () => a.putIfAbsent(storeLayout.blobsPrefix + 'f'.repeat(64), body),
      'delete its own status': () => a.delete(storeLayout.status('a')),
    };
    const outcomes = Object.fromEntries(
      await Promise.all(
        Object.entries(attempts).map(async ([what, attempt]) => [what, await attempt().then(() => 'allowed', (e: unknown) => `${(e as { code?: string }).code ?? 'error'} ${String((e as { data?: { status?: number } }).data?.status)}`)] as const),
      ),
    );
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(attempts).map((what) => [what, 'StoreRefused 403'])));
    const b = await admin.get(storeLayout.status('b'));
    expect(b.kind === 'found' && new TextDecoder().decode(b.body)).toBe(new TextDecoder().decode(bStatus));
    // A cluster not yet published: MinIO answers its own missing pointer 404, so the agent waits for it.
    const c = storeAs(prefix, await credentialsFor(prefix, 'c'));
    expect(await c.get(storeLayout.pointer('c'))).toEqual({ kind: 'not-found' });
    const bPointer = await admin.get(storeLayout.pointer('b'));
    expect(bPointer.kind === 'found' && JSON.parse(new TextDecoder().decode(bPointer.body))).toMatchObject({ cluster: 'b', generation: 1 });
  });

  it('that do not let the agent read its own status: it still works, and warns once that this replay-floor record is gone', async () => {
    const prefix = uniqueName('policy');
    const admin = s3StoreFor(env, prefix);
    stores.push(admin);
    await publishBundle(admin, 'a', colorBundle(uniqueName('app'), 'blue'), 1);
    const full = agentStorePolicy({ bucket: env.s3.bucket, prefix }, 'a');
    const writeOnly: IamPolicy = { ...full, Statement: full.Statement.map((st) => (st.Sid === 'ReadWriteOwnStatus' ? { ...st, Action: ['s3:PutObject'] } : st)) };
    const a = storeAs(prefix, await credentialsFor(prefix, 'a', writeOnly));
    await admin.put(storeLayout.status('a'), canonicalBytes({ note: 'an earlier status' }));
    const logged: Record<string, unknown>[] = [];
    const agent = createAgent({
      clock: new VirtualClock(Date.UTC(2026, 10, 22)),
      rng: seededRng(1),
      store: a,
      kube: createKubeTarget(kc),
      log: (e) => logged.push(e),
      config: { cluster: 'a', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') }, verifyKeys: [], insecureSkipVerify: true },
    });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', statusWritten: true });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied' });
    expect(logged.filter((e) => e['level'] === 'warn' && e['key'] === storeLayout.status('a'))).toEqual([
      expect.objectContaining({ msg: 'own status is no replay-floor record', why: expect.stringMatching(/allow GET/) as unknown, error: expect.stringMatching(/403|denied/i) as unknown }),
    ]);
  });
});
