import type { KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createAgent } from '@driftless/agent';
import { systemClock } from '@driftless/clock';
import { parseSigningKey, parseVerifyKey, seededRng, type ObjectStore } from '@driftless/core';
import { createHub, nodeHubDeps, writeSigningKeyPair } from '@driftless/hub';
import { createKubeTarget } from '@driftless/kube';
import { createFileStore } from '@driftless/store';
import { appName, clusterName, commitDeadlineMs, commitFiles, createBareRepo, generateFleet, Reaper, s3StoreFor, startEnvironment, type Environment } from '@driftless/testkit';
import { FleetRecorder, observedStore, publishingStore, startBundleFleet, type SimulatedFleet } from '@driftless/bench';

export interface DemoOptions {
  /** Clusters in the example fleet: one real, the rest simulated. Default 300. */
  readonly clusters: number;
  /** Use the local MinIO instead of a `file:` store. */
  readonly s3: boolean;
  readonly intervalMs: number;
  /**
   * The kustomize binary; default the one the demo's own setup builds (resolved
   * after setup, so a first run on an empty cache finds it).
   */
  readonly kustomizeBinary?: string;
  /** Stops the build or the run early (SIGINT). */
  readonly signal: AbortSignal;
  /** Progress and the final summary, line by line. */
  readonly log: (line: string) => void;
  /** The live progress line, redrawn in place (a terminal) or printed now and then. */
  readonly status: (line: string) => void;
}

/** A running demo: where to look, and how to stop it. */
export interface Demo {
  readonly storeUrl: string;
  readonly storeDir?: string;
  /** With an S3 store: the AWS_* variables that reach it. */
  readonly storeEnv?: Readonly<Record<string, string>>;
  readonly kubeconfig: string;
  readonly repoUrl: string;
  /** The cluster the real agent reconciles into the local kube-apiserver. */
  readonly realCluster: string;
  /** The pointer signing key pair the demo's hub signs with and its agents verify with (PEM files). */
  readonly keys: { readonly signingKey: string; readonly verifyKey: string };
  /** How far the fleet got on the second commit before the demo returned (all of it, unless the deadline passed). */
  readonly converged: { readonly applied: number; readonly total: number };
  stop(): Promise<void>;
}

const APPS = 5;
/** Every agent's jitter: each pause is the interval times a factor in [0.5, 1.5]. */
const JITTER = 0.5;

/**
 * The main job: the whole system on one machine. Starts the real components
 * (building them first when missing), generates an example fleet repository
 * and serves it from the git server, compiles it with the hub into a store,
 * runs one real agent against the local kube-apiserver plus simulated clusters
 * running the same agent code, waits until every cluster applied it, then
 * commits a change and shows the fleet converging on it live. Resolves once
 * that second commit has converged (or its deadline passed), with everything
 * still running until `stop`.
 */
export async function runDemo(opts: DemoOptions): Promise<Demo> {
  const { log } = opts;
  const work = await mkdtemp(join(tmpdir(), 'driftless-demo-'));
  // The store and the hub's cache go with the demo, also when a second Ctrl-C cuts the stop short.
  const reaper = new Reaper();
  reaper.adoptDir(work);
  let env: Environment | undefined;
  let fleet: SimulatedFleet | undefined;
  const agentStop = new AbortController();
  let realAgent: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    agentStop.abort();
    await Promise.all([fleet?.stop(), realAgent]);
    await env?.stop();
    reaper.dispose();
  };
  try {
    env = await startEnvironment({ allowPush: true, log, signal: opts.signal });
    const { store, storeUrl, storeDir } = await demoStore(env, opts.s3, work);

    log(`demo: generating an example fleet of ${opts.clusters} clusters x ${APPS} apps`);
    const bare = await createBareRepo(env.info.git.root, 'fleet');
    const repoUrl = `${env.info.git.baseUrl}fleet.git`;
    const files = (versions: Record<string, string>): Record<string, string> =>
      generateFleet({ clusters: opts.clusters, apps: APPS, kustomizeApps: 1, namespaces: true, versions });
    await commitFiles(bare, files({}), 'example fleet');

    // Signed, as in production: what the demo does is what users copy.
    const keyFiles = await writeSigningKeyPair(join(work, 'keys'));
    const signingKey = parseSigningKey(await readFile(keyFiles.privateKey, 'utf8'));
    const verifyKeys: readonly KeyObject[] = [parseVerifyKey(await readFile(keyFiles.publicKey, 'utf8'))];
    const clock = systemClock;
    const recorder = new FleetRecorder(clock.now(), 1_000);
    const observed = observedStore(store, clock, recorder);
    const kustomizeBinary = opts.kustomizeBinary ?? env.binaries.kustomize;
    const hubDeps = { store: publishingStore(store, clock, recorder), clock, cacheDir: join(work, 'hub'), kustomizeBinary, stateKey: storeUrl, signingKey };
    const hub = createHub(nodeHubDeps(hubDeps));
    const realCluster = clusterName(0);
    const names = Array.from({ length: opts.clusters - 1 }, (_, i) => clusterName(i + 1));

    const first = await compile(hub, repoUrl, recorder, log);
    log(`demo: hub compiled ${first.revision.slice(0, 12)} in ${first.durationMs} ms into ${storeUrl}`);
    realAgent = runRealAgent(env.info.kube.kubeconfig, realCluster, observed.store, verifyKeys, opts, agentStop.signal);
    fleet = startBundleFleet({ names, clock, seed: 1, store: observed.store, intervalMs: opts.intervalMs, jitter: JITTER, verifyKeys });
    log(`demo: 1 real agent (${realCluster}, into the local kube-apiserver) and ${names.length} simulated clusters polling every ${opts.intervalMs / 1000}s ±50%`);
    await converge(recorder, opts, 'first revision');
    opts.signal.throwIfAborted();

    await commitFiles(bare, files({ [appName(1)]: '1.1.0' }), `bump ${appName(1)} to 1.1.0`);
    log(`demo: pushed a commit that bumps ${appName(1)} to 1.1.0 (every cluster runs it)`);
    const second = await compile(hub, repoUrl, recorder, log);
    log(`demo: hub compiled ${second.revision.slice(0, 12)} in ${second.durationMs} ms: ${second.pointersUpdated} pointers updated, git fetched once`);
    const converged = await converge(recorder, opts, 'new revision');
    opts.signal.throwIfAborted();
    const { s3 } = env.info;
    const storeEnv = { AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: s3.region, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const keys = { signingKey: keyFiles.privateKey, verifyKey: keyFiles.publicKey };
    return { storeUrl, ...(opts.s3 ? { storeEnv } : { storeDir }), kubeconfig: env.info.kube.kubeconfig, repoUrl, realCluster, keys, converged, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The store the hub publishes to: a `file:` store in the demo's directory, or (`s3`) the local MinIO. */
async function demoStore(env: Environment, s3: boolean, work: string): Promise<{ store: ObjectStore; storeUrl: string; storeDir: string }> {
  const storeDir = join(work, 'store');
  if (s3) return { store: s3StoreFor(env.info, 'demo'), storeUrl: `s3://${env.info.s3.bucket}/demo`, storeDir };
  await mkdir(storeDir, { recursive: true });
  return { store: createFileStore(storeDir), storeUrl: `file:${storeDir}`, storeDir };
}

/** The one real agent, reconciling `cluster` into the local kube-apiserver until `signal`; its errors go to the log. */
function runRealAgent(kubeconfig: string, cluster: string, store: ObjectStore, verifyKeys: readonly KeyObject[], opts: DemoOptions, signal: AbortSignal): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const agent = createAgent({
    clock: systemClock,
    rng: seededRng(1),
    store,
    kube: createKubeTarget(kc),
    config: { cluster, intervalMs: opts.intervalMs, jitter: JITTER, verifyKeys },
    log: (e) => {
      if (e['level'] === 'error') opts.log(`demo: agent ${cluster}: ${String(e['msg'])}: ${String(e['error'])}`);
    },
  });
  return agent.run(signal);
}

async function compile(
  hub: ReturnType<typeof createHub>,
  repo: string,
  recorder: FleetRecorder,
  log: (line: string) => void,
): Promise<{ revision: string; durationMs: number; pointersUpdated: number }> {
  recorder.beginCommit();
  const report = await hub.compile({ repo });
  if (report.refused.length > 0) log(`demo: the hub refused ${report.refused.length} clusters`);
  return report;
}

/** Shows the live progress line until every cluster applied the current commit, three long intervals passed, or the demo is interrupted; returns how far it got. */
async function converge(recorder: FleetRecorder, opts: DemoOptions, what: string): Promise<{ applied: number; total: number }> {
  const deadline = Date.now() + commitDeadlineMs(opts.intervalMs, JITTER);
  const line = (): string => {
    const p = recorder.progress();
    const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
    return `${p.applied}/${p.total} clusters on the ${what}` + (p.applied > 0 ? `, p50 ${secs(p.percentiles.p50)}, p99 ${secs(p.percentiles.p99)} so far` : '');
  };
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      clearInterval(ticker);
      off();
      opts.signal.removeEventListener('abort', finish);
      opts.status(line());
      resolve();
    };
    const ticker = setInterval(() => (Date.now() > deadline ? finish() : opts.status(line())), 250);
    const off = recorder.onConverged(() => {
      if (recorder.pending === 0) finish();
    });
    opts.signal.addEventListener('abort', finish);
    if (recorder.pending === 0 || opts.signal.aborted) finish();
  });
  const { applied, total } = recorder.progress();
  return { applied, total };
}
