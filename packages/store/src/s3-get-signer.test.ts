import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { createGetSigner } from './s3-get.js';
import { createS3Client, type S3StoreOptions } from './s3-store.js';

// The lean GET must reach the same URL, signed for the same region and service,
// as the SDK's GetObject from the client it sits beside, for every configuration
// the store accepts. The SDK's request is caught right after its own signing.
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token-value' };
const clients: S3Client[] = [];
afterEach(() => clients.splice(0).forEach((c) => c.destroy()));

interface Sent {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number | undefined;
  readonly path: string;
  readonly scope: string | undefined;
  readonly token: string | undefined;
}

const scopeOf = (authorization: string | undefined): string | undefined => /Credential=[^/]+\/\d{8}\/([^,]+),/.exec(authorization ?? '')?.[1];

async function sdkSends(client: S3Client, bucket: string, key: string): Promise<Sent> {
  let sent: Sent | undefined;
  const caught = new Error('caught');
  client.middlewareStack.addRelativeTo(
    () => (args: { request: unknown }) => {
      const r = args.request as { protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string> };
      sent = { protocol: r.protocol, hostname: r.hostname, port: r.port, path: r.path, scope: scopeOf(r.headers['authorization']), token: r.headers['x-amz-security-token'] };
      return Promise.reject(caught);
    },
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'catchSigned' },
  );
  await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).rejects.toBe(caught);
  client.middlewareStack.remove('catchSigned');
  if (!sent) throw new Error('the SDK sent nothing');
  return sent;
}

async function leanSends(client: S3Client, bucket: string, key: string): Promise<Sent> {
  const r = await createGetSigner(client, bucket, () => Date.now())(key);
  return { protocol: r.protocol, hostname: r.hostname, port: r.port, path: r.path, scope: scopeOf(r.headers['authorization']), token: r.headers['x-amz-security-token'] };
}

const configurations: [string, Omit<S3StoreOptions, 'bucket'>, string][] = [
  ['AWS, default region', {}, 'bucket-one'],
  ['AWS, another region', { region: 'eu-west-1' }, 'bucket-one'],
  ['AWS, the aws-global region (signs for us-east-1)', { region: 'aws-global' }, 'bucket-one'],
  ['AWS, a bucket with dots (path-style on AWS)', { region: 'eu-central-1' }, 'dotted.bucket.name'],
  ['custom endpoint over http with a port', { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' }, 'bucket-one'],
  ['custom endpoint over https with a base path', { endpoint: 'https://objects.example.test:8443/s3/', region: 'auto' }, 'bucket-one'],
  ['custom endpoint on the default https port', { endpoint: 'https://objects.example.test', region: 'us-west-2' }, 'dotted.bucket.name'],
];

const keys = ['clusters/c1/desired.json', 'pre fix/a b', 'p+q/plus+sign', 'tilde~/x', 'pct%25/%2F', 'ünï/cødé/日本', 'a//double', "bang!/'quote'(paren)*star", 'trailing/'];

describe('the lean GET beside the SDK client', () => {
  it.each(configurations)('%s: same URL, signing region and service, session token as GetObject, for odd keys too', async (_what, cfg, bucket) => {
    const client = createS3Client({ bucket, ...cfg, credentials });
    clients.push(client);
    for (const key of keys) {
      const [sdk, lean] = [await sdkSends(client, bucket, key), await leanSends(client, bucket, key)];
      expect(lean, key).toEqual(sdk);
      expect(lean.token).toBe('session-token-value');
    }
  });

  it('refuses a bucket whose endpoint needs another auth scheme (an S3 Express directory bucket) instead of signing it wrong', async () => {
    const client = createS3Client({ bucket: 'dir--usw2-az1--x-s3', region: 'us-west-2', credentials });
    clients.push(client);
    await expect(leanSends(client, 'dir--usw2-az1--x-s3', 'k')).rejects.toMatchObject({ name: 'UnsupportedAuthScheme' });
  });
});
