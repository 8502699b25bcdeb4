import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriftlessError, type ObjectStore } from '@driftless/core';
import { createFileStore } from './file-store.js';

/** A parsed store URL: `file:DIR` or `s3://BUCKET/PREFIX`. */
export type StoreLocation = { kind: 'file'; dir: string } | { kind: 's3'; bucket: string; prefix: string };

const USAGE = 'use file:DIR (a local directory) or s3://BUCKET[/PREFIX]';

/**
 * Parses a store URL. `file:DIR` takes a relative or absolute directory
 * (relative to `cwd`), also `file:///abs/dir`; `s3://BUCKET/PREFIX` takes a
 * bucket and an optional key prefix. Throws stalled `InvalidStoreConfig` naming
 * the input otherwise.
 */
export function parseStoreUrl(input: string, cwd: string): StoreLocation {
  const fail = (reason: string): never => {
    throw new DriftlessError('InvalidStoreConfig', `store URL ${JSON.stringify(input)} is not valid: ${reason}; ${USAGE}`, {
      input,
      reason,
    });
  };
  if (input.startsWith('file://')) {
    let dir: string;
    try {
      dir = fileURLToPath(input);
    } catch (err) {
      return fail((err as Error).message);
    }
    return { kind: 'file', dir };
  }
  if (input.startsWith('file:')) {
    const path = input.slice('file:'.length);
    if (path === '') return fail('no directory after file:');
    return { kind: 'file', dir: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (input.startsWith('s3://')) {
    const rest = input.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return fail(`${JSON.stringify(bucket)} is not a bucket name`);
    if (prefix.split('/').some((s) => s === '.' || s === '..')) return fail('the prefix may not contain . or .. segments');
    return { kind: 's3', bucket, prefix };
  }
  return fail('unknown scheme');
}

/** What {@link openStore} reads from the environment (the standard AWS variables). */
export interface StoreEnv {
  readonly AWS_ENDPOINT_URL?: string | undefined;
  readonly AWS_ENDPOINT_URL_S3?: string | undefined;
  readonly AWS_REGION?: string | undefined;
  readonly AWS_DEFAULT_REGION?: string | undefined;
  readonly AWS_ACCESS_KEY_ID?: string | undefined;
  readonly AWS_SECRET_ACCESS_KEY?: string | undefined;
  readonly AWS_SESSION_TOKEN?: string | undefined;
}

/** An open store and how to release it. */
export interface OpenedStore {
  readonly store: ObjectStore;
  readonly location: StoreLocation;
  /** Closes connections (S3); a no-op for files. */
  close(): void;
}

/**
 * Opens the store a URL names; the AWS SDK is loaded only for `s3://` (it
 * costs a file-store agent about 20 MB). For S3: `AWS_ENDPOINT_URL` (or
 * `AWS_ENDPOINT_URL_S3`) selects an S3-compatible endpoint with path-style
 * addressing, `AWS_REGION` the region (default us-east-1), and credentials come
 * from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` when both are set, else from
 * the AWS SDK's standard credential chain.
 */
export async function openStore(url: string, env: StoreEnv, cwd: string): Promise<OpenedStore> {
  const location = parseStoreUrl(url, cwd);
  if (location.kind === 'file') return { store: createFileStore(location.dir), location, close: () => undefined };
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const { createS3Store } = await import('./s3-store.js');
  const s3 = createS3Store({
    bucket: location.bucket,
    prefix: location.prefix,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  });
  return { store: s3, location, close: () => s3.destroy() };
}
