import { afterAll, beforeAll } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

/** What the in-process CLI printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `driftless <argv>` in this process, capturing its output. */
export async function runCli(argv: string[]): Promise<CliRun> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/**
 * For a test file that runs `--store s3://…` commands against the testkit's
 * MinIO: sets the standard AWS variables before its tests (each test file's
 * worker has its own process.env) and runs the returned cleanups, newest
 * first, after them.
 */
export function useCliS3(s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string }): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(() => {
    Object.assign(process.env, { AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: s3.region, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey });
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return cleanups;
}
