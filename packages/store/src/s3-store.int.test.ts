import { describeObjectStoreContract, s3ErrorBody, startFaultyProxy, uniqueName, type FaultyProxy } from '@driftless/contracts';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { openStore } from './open-store.js';
import { createS3Store, type S3ObjectStore } from './s3-store.js';

const env = inject('driftlessEnv');
const credentials = { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey };
const stores: S3ObjectStore[] = [];
const proxies: FaultyProxy[] = [];
afterAll(() => stores.forEach((s) => s.destroy()));
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

function s3(endpoint = env.s3.endpoint, prefix = uniqueName('contract'), maxAttempts?: number): S3ObjectStore {
  const store = createS3Store({
    bucket: env.s3.bucket,
    prefix,
    endpoint,
    region: env.s3.region,
    credentials,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
  stores.push(store);
  return store;
}

describeObjectStoreContract('S3 on MinIO', () => Promise.resolve({ store: s3() }));

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('S3 store against MinIO', () => {
  it('keeps stores with different prefixes apart', async () => {
    const a = s3();
    const b = s3();
    await a.put('clusters/x/desired.json', bytes('a'));
    expect(await b.get('clusters/x/desired.json')).toEqual({ kind: 'not-found' });
    expect((await b.list('clusters/')).keys).toEqual([]);
    expect((await a.list('clusters/')).keys).toEqual(['clusters/x/desired.json']);
  });

  it('lists each key with its ETag, so a reader GETs only what changed', async () => {
    const store = s3();
    const put = await store.put('clusters/x/status.json', bytes('s'));
    expect((await store.list('clusters/')).etags).toEqual([put.kind === 'written' ? put.etag : 'none']);
  });

  it.each([
    ['503 SlowDown', { status: 503, body: s3ErrorBody('SlowDown', 'Please reduce your request rate.') }],
    ['500 InternalError', { status: 500, body: s3ErrorBody('InternalError', 'We encountered an internal error.') }],
    ['a reset connection', 'reset' as const],
  ])('retries a GET that failed with %s, and succeeds', async (_what, fault) => {
    const prefix = uniqueName('retry');
    await s3(env.s3.endpoint, prefix).put('k', bytes('value'));
    const proxy = await startFaultyProxy(env.s3.endpoint, ({ n }) => (n <= 2 ? fault : undefined));
    proxies.push(proxy);
    const got = await s3(proxy.url, prefix).get('k');
    expect(got.kind === 'found' && new TextDecoder().decode(got.body)).toBe('value');
    expect(proxy.received).toBe(3);
  });

  it('does not retry a 403 and reports it as refused (stalled)', async () => {
    const proxy = await startFaultyProxy(env.s3.endpoint, () => ({ status: 403, body: s3ErrorBody('AccessDenied', 'Access Denied') }));
    proxies.push(proxy);
    const err = await s3(proxy.url).get('k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StoreRefused', errorClass: 'stalled', data: { operation: 'get', key: 'k', status: 403 } });
    expect(proxy.received).toBe(1);
  });

  it('gives up after its attempts and reports the store as unavailable (transient)', async () => {
    const proxy = await startFaultyProxy(env.s3.endpoint, () => ({ status: 503, body: s3ErrorBody('ServiceUnavailable', 'down') }));
    proxies.push(proxy);
    const err = await s3(proxy.url, uniqueName('p'), 3).get('k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StoreUnavailable', errorClass: 'transient' });
    expect((err as Error).message).toMatch(/^s3 get k failed: .*HTTP 503/);
    expect((err as Error).message).not.toContain(env.s3.secretAccessKey);
    expect(proxy.received).toBe(3);
  });

  it('gives up on a connection that never answers after the request timeout, each attempt, as unavailable (transient)', async () => {
    const proxy = await startFaultyProxy(env.s3.endpoint, () => 'hang');
    proxies.push(proxy);
    const store = createS3Store({ bucket: env.s3.bucket, prefix: uniqueName('hang'), endpoint: proxy.url, region: env.s3.region, credentials, maxAttempts: 2, requestTimeoutMs: 150 });
    stores.push(store);
    const err = await store.get('k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StoreUnavailable', errorClass: 'transient', data: { operation: 'get', key: 'k' } });
    expect(proxy.received).toBe(2);
  });

  it('reports a write whose response was lost, then retried into a 412, as written when our bytes are stored', async () => {
    const prefix = uniqueName('lost');
    const proxy = await startFaultyProxy(env.s3.endpoint, ({ method, n }) => (method === 'PUT' && n === 1 ? 'lose-response' : undefined));
    proxies.push(proxy);
    const store = s3(proxy.url, prefix);
    expect((await store.putIfAbsent('blob', bytes('ours'))).kind).toBe('created');
    const direct = await s3(env.s3.endpoint, prefix).get('blob');
    expect(direct.kind === 'found' && new TextDecoder().decode(direct.body)).toBe('ours');
    expect(await store.putIfAbsent('blob', bytes('ours'))).toEqual({ kind: 'exists' });
  });

  it('reports a missing bucket as refused (stalled), never as a missing object', async () => {
    const store = createS3Store({ bucket: 'no-such-bucket-here', endpoint: env.s3.endpoint, region: env.s3.region, credentials });
    stores.push(store);
    for (const op of [() => store.get('k'), () => store.head('k'), () => store.put('k', bytes('x'), { ifMatch: '"x"' }), () => store.delete('k')]) {
      await expect(op()).rejects.toMatchObject({ code: 'StoreRefused', errorClass: 'stalled' });
    }
  });

  it('aborts a request through its AbortSignal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(s3().get('k', { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('opens s3://BUCKET/PREFIX with the standard AWS variables and path-style addressing', async () => {
    const prefix = uniqueName('url');
    const opened = await openStore(
      `s3://${env.s3.bucket}/${prefix}`,
      {
        AWS_ENDPOINT_URL: env.s3.endpoint,
        AWS_REGION: env.s3.region,
        AWS_ACCESS_KEY_ID: env.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
      },
      '/',
    );
    try {
      await opened.store.put('hello', bytes('world'));
      const direct = await s3(env.s3.endpoint, prefix).get('hello');
      expect(direct.kind === 'found' && new TextDecoder().decode(direct.body)).toBe('world');
    } finally {
      opened.close();
    }
  });
});
