import { describeObjectStoreContract, uniqueName } from '@driftless/contracts';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createS3Client, createS3Store, type S3ObjectStore, type S3StoreOptions } from './s3-store.js';

// The lean GET against real MinIO: it must reach the very object the SDK's
// PutObject wrote, whatever the key, and carry temporary credentials' token.
const env = inject('driftlessEnv');
const root = { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey };
const stores: S3ObjectStore[] = [];
afterAll(() => stores.forEach((s) => s.destroy()));

function s3(opts: Partial<S3StoreOptions> = {}): S3ObjectStore {
  const store = createS3Store({ bucket: env.s3.bucket, endpoint: env.s3.endpoint, region: env.s3.region, credentials: root, prefix: uniqueName('lean'), ...opts });
  stores.push(store);
  return store;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (got: Awaited<ReturnType<S3ObjectStore['get']>>): string | undefined => (got.kind === 'found' ? new TextDecoder().decode(got.body) : undefined);

/** Temporary credentials from MinIO's STS AssumeRole, signed with the root user's keys. */
async function assumeRole(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const url = new URL(env.s3.endpoint);
  const body = 'Action=AssumeRole&Version=2011-06-15&DurationSeconds=900';
  const client = createS3Client({ bucket: env.s3.bucket, credentials: root });
  const signer = new SignatureV4({ service: 'sts', region: env.s3.region, credentials: root, sha256: client.config.sha256 });
  client.destroy();
  const headers = { host: url.host, 'content-type': 'application/x-www-form-urlencoded' };
  const signed = await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/', query: {}, headers, body });
  const res = await fetch(new URL('/', url), { method: 'POST', headers: signed.headers, body });
  const xml = await res.text();
  const field = (name: string): string => {
    const value = new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
    if (!value) throw new Error(`AssumeRole failed (HTTP ${res.status}): ${xml}`);
    return value;
  };
  return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') };
}

// Keys the store accepts (relative a/b/c paths) with every character the SDK and SigV4 escape in their own way.
const oddKeys = ['a b/c d', 'a+b', 'tilde~x', 'pct%20lit%2F', 'ünï/cødé/日本語', "bang!'quote'(p)*", 'semi;colon=eq&amp@at$dollar,comma', 'hash#q?x', 'emoji-😀'];

// MinIO refuses `//` in any object name (XMinioInvalidObjectName, to the SDK's PutObject too), so a
// double slash is proved against the SDK's own request only (s3-get-signer.test.ts).
const oddPrefix = 'pre fix+~%/ü x';

describeObjectStoreContract('S3 on MinIO, with a prefix of odd characters', () => Promise.resolve({ store: s3({ prefix: `${uniqueName('odd')}/${oddPrefix}` }) }));

describe('the lean S3 GET on MinIO', () => {
  it.each([['a plain prefix', undefined], ['a prefix with spaces, + ~ % and unicode', oddPrefix]])('reads back what PutObject wrote under every odd key, with %s', async (_what, odd) => {
    const store = s3(odd ? { prefix: `${uniqueName('odd')}/${odd}` } : {});
    for (const key of oddKeys) await store.put(key, bytes(`value of ${key}`));
    for (const key of oddKeys) expect(text(await store.get(key)), key).toBe(`value of ${key}`);
    expect([...(await store.list('')).keys].sort()).toEqual([...oddKeys].sort());
  });

  it('keeps keys apart that a careless encoder would merge (space and +, %20 and space)', async () => {
    const store = s3();
    const keys = ['x y', 'x+y', 'x%20y', 'x%2By'];
    for (const key of keys) await store.put(key, bytes(key));
    for (const key of keys) expect(text(await store.get(key))).toBe(key);
  });

  it('reads with temporary credentials, sending their session token (refused without it)', async () => {
    const prefix = uniqueName('sts');
    await s3({ prefix }).put('clusters/c1/desired.json', bytes('pointer'));
    const temporary = await assumeRole();
    expect(text(await s3({ prefix, credentials: temporary }).get('clusters/c1/desired.json'))).toBe('pointer');
    const { sessionToken: _dropped, ...withoutToken } = temporary;
    await expect(s3({ prefix, credentials: withoutToken }).get('clusters/c1/desired.json')).rejects.toMatchObject({ code: 'StoreRefused', data: { status: 403 } });
  });
});
