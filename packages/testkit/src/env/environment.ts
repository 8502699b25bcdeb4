import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { ComponentName } from '../install/components.js';
import { ensureComponents, type InstallOptions } from '../install/install.js';
import { formatDuration } from '../util/text.js';
import { startEtcd } from './etcd.js';
import type { GitServer } from './git-server.js';
import { startGitServerProcess } from './git-server-process.js';
import { startKubeApiserver, type KubeInfo } from './kube-apiserver.js';
import type { ManagedProcess } from './managed-process.js';
import { startMinio, type S3Info } from './minio.js';
import { startPrometheus, type PrometheusInfo } from './prometheus.js';
import { Reaper } from './reaper.js';

/** Endpoints and credentials of a running environment (the `driftless dev up --json` document). */
export interface EnvironmentInfo {
  readonly s3: S3Info;
  readonly kube: KubeInfo;
  readonly git: { readonly baseUrl: string; readonly root: string };
  /** Prometheus, scraping every second whatever is written to `targetsFile`. */
  readonly prometheus: PrometheusInfo;
}

/** A running set of real components; {@link Environment.stop} removes every trace of it. */
export interface Environment {
  readonly info: EnvironmentInfo;
  /** The git server, for request counts. */
  readonly git: GitServer;
  /** Temporary directory holding data, certificates, logs and the served repositories. */
  readonly dir: string;
  /** The component binaries it was started with (kustomize and helm included: built by the same setup). */
  readonly binaries: Readonly<Record<ComponentName, string>>;
  /** Stops every process, closes the git server and removes {@link Environment.dir}. Idempotent. */
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  /** Bucket created in MinIO; default `driftless`. */
  readonly bucket?: string;
  /** Cache root for binaries (see install/cache.ts). */
  readonly cacheRoot?: string;
  /** Progress lines; default: none. */
  readonly log?: (line: string) => void;
  /** Allow `git push` to the git server (for demos); default false. */
  readonly allowPush?: boolean;
  /** Gives up while components are still being built (see ensureComponents). */
  readonly signal?: AbortSignal;
  /** How missing components are built (see {@link InstallOptions.build}); default with Go. */
  readonly build?: InstallOptions['build'];
}

/**
 * Starts MinIO (with the bucket created), etcd + kube-apiserver, Prometheus and
 * the git smart-HTTP server on free loopback ports, each with its own data under one
 * temporary directory, and resolves once every one is really ready. Missing
 * binaries are built first (see ensureComponents). If any component fails, the
 * others are stopped and the error names the component and shows its log tail.
 * Processes and the directory are also removed if this process exits or is
 * interrupted before `stop` is called.
 */
export async function startEnvironment(opts: EnvironmentOptions = {}): Promise<Environment> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const bin = await ensureComponents({
    log,
    ...(opts.cacheRoot ? { root: opts.cacheRoot } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.build ? { build: opts.build } : {}),
  });
  const reaper = new Reaper();
  const dir = await mkdtemp(join(tmpdir(), 'driftless-env-'));
  reaper.adoptDir(dir);
  const logDir = join(dir, 'logs');
  const reposDir = join(dir, 'repos');
  await Promise.all([mkdir(logDir), mkdir(reposDir)]);
  const processes: ManagedProcess[] = [];
  let git: GitServer | undefined;
  const track = <T extends { process: ManagedProcess }>(r: T): T => {
    processes.push(r.process);
    return r;
  };
  const stop = async (): Promise<void> => {
    // kube-apiserver before etcd, so it does not log a storm of lost-connection errors.
    for (const p of [...processes].reverse()) await p.stop();
    processes.length = 0;
    await git?.close();
    git = undefined;
    await rm(dir, { recursive: true, force: true });
    reaper.dispose();
  };
  const s3 = (async () => {
    const { info } = track(await startMinio({ binary: bin.minio, dir, logDir, reaper, bucket: opts.bucket ?? 'driftless' }));
    await createBucket(info);
    log(`env: minio ready at ${info.endpoint}`);
    return info;
  })();
  const kube = (async () => {
    const etcd = track(await startEtcd({ binary: bin.etcd, dir, logDir, reaper }));
    const { info } = track(
      await startKubeApiserver({ binary: bin['kube-apiserver'], etcdUrl: etcd.clientUrl, dir, logDir, reaper }),
    );
    log(`env: kube-apiserver ready at ${info.server}`);
    return info;
  })();
  const gitServer = (async () => {
    // In a process of its own: a bench's thousands of simulated clusters never share its event loop.
    git = await startGitServerProcess({ root: reposDir, allowPush: opts.allowPush ?? false });
    log(`env: git server ready at ${git.baseUrl}`);
    return git;
  })();
  const prometheus = (async () => {
    const { info } = track(await startPrometheus({ binary: bin.prometheus, dir, logDir, reaper }));
    log(`env: prometheus ready at ${info.url}`);
    return info;
  })();
  const results = await Promise.allSettled([s3, kube, gitServer, prometheus]);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) {
    await stop();
    const [first, ...rest] = failures;
    if (rest.length === 0 && first) throw first;
    throw new AggregateError(failures, `environment start failed:\n${failures.map((f) => f.message).join('\n')}`);
  }
  const [s3Info, kubeInfo, gitInfo, prometheusInfo] = [await s3, await kube, await gitServer, await prometheus];
  log(`env: all components ready in ${formatDuration(Date.now() - started)}`);
  return {
    info: {
      s3: s3Info,
      kube: kubeInfo,
      git: { baseUrl: gitInfo.baseUrl, root: gitInfo.root },
      prometheus: prometheusInfo,
    },
    git: gitInfo,
    dir,
    binaries: bin,
    stop,
  };
}

async function createBucket(info: S3Info): Promise<void> {
  const client = new S3Client({
    endpoint: info.endpoint,
    region: info.region,
    forcePathStyle: true,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: info.bucket }));
  } catch (err) {
    throw new Error(`minio bucket ${info.bucket} create failed: ${(err as Error).message}`, { cause: err });
  } finally {
    client.destroy();
  }
}
