import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './managed-process.js';
import { probe, waitUntilReady } from './readiness.js';
import type { Reaper } from './reaper.js';

/** How to reach the local MinIO with the AWS SDK (path-style, static credentials). */
export interface S3Info {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly bucket: string;
}

/**
 * Starts MinIO on a free loopback port with data under `dir` and fresh random
 * credentials, and resolves once `/minio/health/ready` answers 200. The bucket
 * named in the result is not created here (see createBucket in environment.ts).
 */
export async function startMinio(opts: {
  binary: string;
  dir: string;
  logDir: string;
  reaper: Reaper;
  bucket: string;
}): Promise<{ info: S3Info; process: ManagedProcess }> {
  const [port, consolePort] = [await freePort(), await freePort()];
  const data = join(opts.dir, 'minio');
  await mkdir(data, { recursive: true });
  const accessKeyId = `driftless${randomBytes(4).toString('hex')}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  const proc = startProcess({
    name: 'minio',
    command: opts.binary,
    args: ['server', '--quiet', '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, data],
    logFile: join(opts.logDir, 'minio.log'),
    reaper: opts.reaper,
    env: {
      ...process.env,
      MINIO_ROOT_USER: accessKeyId,
      MINIO_ROOT_PASSWORD: secretAccessKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CALLHOME_ENABLE: 'off',
    },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(proc, async () => (await probe(`${endpoint}/minio/health/ready`)) === 200, 'ready (/minio/health/ready)');
  return { info: { endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, bucket: opts.bucket }, process: proc };
}
