import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { uniqueName } from '@driftless/contracts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { s3ClientFor } from '../vitest/clients.js';

const env = inject('driftlessEnv');
const s3 = s3ClientFor(env);
const Bucket = env.s3.bucket;
afterAll(() => s3.destroy());

async function statusOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode;
    throw err;
  }
}

describe('MinIO through @aws-sdk/client-s3', () => {
  it('stores and returns an object, with an ETag', async () => {
    const Key = `${uniqueName('env')}/hello.txt`;
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body?.transformToString()).toBe('hello');
    expect(got.ETag).toBe(put.ETag);
  });

  it('answers 304 Not Modified to a GET with If-None-Match of the current ETag, and 200 once it changed', async () => {
    const Key = `${uniqueName('env')}/pointer.json`;
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key, Body: '{"generation":1}' }));
    expect(await statusOf(s3.send(new GetObjectCommand({ Bucket, Key, IfNoneMatch: ETag })))).toBe(304);
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: '{"generation":2}' }));
    const changed = await s3.send(new GetObjectCommand({ Bucket, Key, IfNoneMatch: ETag }));
    expect(await changed.Body?.transformToString()).toBe('{"generation":2}');
  });

  it('refuses a PUT with If-None-Match: * on an existing key with 412 and keeps the object', async () => {
    const Key = `${uniqueName('env')}/blob`;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'first', IfNoneMatch: '*' }));
    expect(await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'second', IfNoneMatch: '*' })))).toBe(412);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body?.transformToString()).toBe('first');
  });
});
