import { randomUUID, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createAgent } from '@driftless/agent';
import { systemClock } from '@driftless/clock';
import { parseSigningKey, parseVerifyKey, seededRng, type ObjectStore, type Rollout } from '@driftless/core';
import { coreRolloutMachine, createAuditLog, createHub, createRolloutController, nodeHubDeps, writeSigningKeyPair, type CompileReport } from '@driftless/hub';
import { createKubeTarget } from '@driftless/kube';
import { createFileStore } from '@driftless/store';
import { appName, clusterName, commitDeadlineMs, commitFiles, createBareRepo, generateFleet, Reaper, s3StoreFor, startEnvironment, type Environment } from '@driftless/testkit';
import { FleetRecorder, observedStore, publishingStore, startBundleFleet, type SimulatedFleet } from '@driftless/bench';
import { deliverRelease } from './deliver-release.js';
import { startDemoDashboard, type DemoDashboard } from './demo-dashboard.js';
import { DEMO_CHECK, startDemoMetrics, type DemoMetrics } from './demo-metrics.js';
import { runStandInControllers } from './stand-in-controllers.js';
import type { StatusLine } from './ring-lines.js';

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
  /** The dashboard's port on 127.0.0.1; 0 = any free one. */
  readonly dashboardPort: number;
  /** `dashboardPort` is the default: when it is in use, take a free port (and say so) instead of failing. */
  readonly dashboardPortFallback: boolean;
  /** Who the dashboard's token signs in as. */
  readonly user: string;
  /** How long ring-2 waits for an approval in the dashboard before the demo approves it itself, ms; 0 = at once. */
  readonly approveAfterMs: number;
  /** Stops the build or the run early (SIGINT). */
  readonly signal: AbortSignal;
  /** Progress and the final summary, line by line. */
  readonly log: (line: string) => void;
  /** The live progress lines (one, or one per ring), redrawn in place (a terminal) or printed now and then. */
  readonly status: (lines: readonly StatusLine[]) => void;
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
  /** The local Prometheus the rollout's error-rate check reads (`--prometheus`). */
  readonly prometheusUrl: string;
  /** How far the fleet got on the second commit before the demo returned (all of it, unless its rollout halted). */
  readonly converged: { readonly applied: number; readonly total: number };
  /** The dashboard: the URL that signs in (its token in the fragment) and as whom. */
  readonly dashboard: { readonly url: string; readonly user: string };
  /** The second commit's rollout through the rings as the demo left it (Completed, unless a gate halted it); undefined when none started. */
  readonly rollout?: Pick<Rollout, 'id' | 'phase' | 'halt'> & { readonly rings: readonly string[] };
  stop(): Promise<void>;
}

const APPS = 5;
/** Every agent's jitter: each pause is the interval times a factor in [0.5, 1.5]. */
const JITTER = 0.5;
/** Between two steps of the demo's rollout controller, ms. */
const STEP_MS = 1_000;

/**
 * The demo fleet's `spec.delivery`: ring-0 (ring label 0, the real agent's
 * cluster among them, gated by the error-rate check), ring-1 (label 1), then
 * everyone else after an approval, half at a time; each soaks two agent
 * intervals. A cluster that has not applied by the demo's usual convergence
 * deadline fails its ring.
 */
function demoDelivery(intervalMs: number): Record<string, unknown> {
  const seconds = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))}s`;
  const ring = { soak: seconds(2 * intervalMs), progressDeadline: seconds(commitDeadlineMs(intervalMs, JITTER)) };
  return {
    mode: 'continuous-delivery',
    rings: [
      { name: 'ring-0', selector: { matchLabels: { ring: '0' } }, checks: [DEMO_CHECK.name], ...ring },
      { name: 'ring-1', selector: { matchLabels: { ring: '1' } }, ...ring },
      { name: 'ring-2', selector: {}, approval: 'required', maxConcurrent: '50%', ...ring },
    ],
    checks: [DEMO_CHECK],
  };
}

/**
 * The main job: the whole system on one machine. Starts the real components
 * (building them first when missing), generates an example fleet repository
 * and serves it from the git server, compiles it with the hub into a store,
 * runs one real agent against the local kube-apiserver plus simulated clusters
 * running the same agent code, waits until every cluster applied it, then
 * commits a change delivered through three rings (see demoDelivery) and runs
 * the hub's rollout controller, showing one live line per ring. The
 * dashboard serves the store from the start (its URL printed before the
 * first compile); the last ring waits `approveAfterMs` for an approval there
 * before the demo approves it itself. Resolves once that rollout is
 * Completed (or halted), with everything still running until `stop`.
 */
export async function runDemo(opts: DemoOptions): Promise<Demo> {
  const { log } = opts;
  const work = await mkdtemp(join(tmpdir(), 'driftless-demo-'));
  // The store and the hub's cache go with the demo, also when a second Ctrl-C cuts the stop short.
  const reaper = new Reaper();
  reaper.adoptDir(work);
  let env: Environment | undefined;
  let fleet: SimulatedFleet | undefined;
  let metrics: DemoMetrics | undefined;
  let dashboard: DemoDashboard | undefined;
  const agentStop = new AbortController();
  let realAgent: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    agentStop.abort();
    await Promise.all([fleet?.stop(), realAgent, metrics?.stop(), dashboard?.close()]);
    await env?.stop();
    reaper.dispose();
  };
  try {
    env = await startEnvironment({ allowPush: true, log, signal: opts.signal });
    const { store, storeUrl, storeDir } = await demoStore(env, opts.s3, work);
    metrics = await startDemoMetrics(env.info.prometheus, opts.clusters);
    const { keyFiles, signingKey, verifyKeys } = await demoKeys(work);
    const clock = systemClock;
    const recorder = new FleetRecorder(clock.now(), 1_000);
    const observed = observedStore(store, clock, recorder);
    const kustomizeBinary = opts.kustomizeBinary ?? env.binaries.kustomize;
    const hubDeps = { store: publishingStore(store, clock, recorder), clock, cacheDir: join(work, 'hub'), kustomizeBinary, helmBinary: env.binaries.helm, stateKey: storeUrl, signingKey };
    // One controller for the demo's steps and the dashboard's approve, halt and resume: same key, same observer.
    const controller = createRolloutController({ ...hubDeps, metrics: metrics.source, machine: coreRolloutMachine, audit: createAuditLog(hubDeps), newId: randomUUID });
    dashboard = await startDemoDashboard({ store: hubDeps.store, clock, rollouts: controller, signingKey, user: opts.user, port: opts.dashboardPort, fallbackToFreePort: opts.dashboardPortFallback, log });
    log(`demo: generating an example fleet of ${opts.clusters} clusters x ${APPS} apps`);
    const repo = await demoRepo(env, opts.clusters);
    const repoUrl = repo.url;
    // The rollout's error-rate check reads the demo's Prometheus: compiling a fleet with checks needs it, as every step does.
    const hub = createHub({ ...nodeHubDeps(hubDeps), metrics: metrics.source });
    const realCluster = clusterName(0);
    const names = Array.from({ length: opts.clusters - 1 }, (_, i) => clusterName(i + 1));
    const first = await compile(hub, repoUrl, recorder, log);
    log(`demo: hub compiled ${first.revision.slice(0, 12)} in ${first.durationMs} ms into ${storeUrl}`);
    realAgent = runRealAgent(env.info.kube.kubeconfig, realCluster, observed.store, verifyKeys, opts, agentStop.signal);
    fleet = startBundleFleet({ names, clock, seed: 1, store: observed.store, intervalMs: opts.intervalMs, jitter: JITTER, verifyKeys });
    log(`demo: 1 real agent (${realCluster}, into the local kube-apiserver) and ${names.length} simulated clusters polling every ${opts.intervalMs / 1000}s ±50%`);
    await converge(recorder, opts, 'first revision');
    opts.signal.throwIfAborted();
    await metrics.ready(opts.signal);
    log(`demo: Prometheus (${metrics.url}) scrapes a test exporter: ring-0's clusters answer 1% of requests with 500; ring-0's check ${DEMO_CHECK.name} halts the rollout above ${DEMO_CHECK.max * 100}% for ${DEMO_CHECK.for}`);
    await repo.commit({ [appName(1)]: '1.1.0' }, `bump ${appName(1)} to 1.1.0, delivered through rings ring-0, ring-1, ring-2`, demoDelivery(opts.intervalMs));
    log(`demo: pushed a commit that bumps ${appName(1)} to 1.1.0 (every cluster runs it) and delivers it through rings: ring-0, ring-1, then ring-2 after an approval`);
    const second = await compile(hub, repoUrl, recorder, log);
    log(`demo: hub compiled ${second.revision.slice(0, 12)} in ${second.durationMs} ms, git fetched once: ${startedLine(second)}`);
    const rollout = await deliverRelease({ controller, clock, stepMs: STEP_MS, approveAfterMs: opts.approveAfterMs, dashboardUrl: dashboard.rolloutUrl, signal: opts.signal, log, status: opts.status });
    opts.signal.throwIfAborted();
    const converged = reportRollout(rollout, recorder, log);
    const where = { storeUrl, storeDir, repoUrl, realCluster, prometheusUrl: metrics.url, dashboard: { url: dashboard.signInUrl, user: dashboard.user } };
    return demoOf(env, opts.s3, where, keyFiles, converged, rollout, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The example fleet's repository on the git server, with its first commit; `commit` pushes the fleet again with app versions and delivery. */
async function demoRepo(env: Environment, clusters: number): Promise<{ readonly url: string; commit(versions: Record<string, string>, message: string, delivery?: Record<string, unknown>): Promise<void> }> {
  const bare = await createBareRepo(env.info.git.root, 'fleet');
  const commit = async (versions: Record<string, string>, message: string, delivery?: Record<string, unknown>): Promise<void> => {
    await commitFiles(bare, generateFleet({ clusters, apps: APPS, kustomizeApps: 1, namespaces: true, versions, ...(delivery ? { delivery } : {}) }), message);
  };
  await commit({}, 'example fleet');
  return { url: `${env.info.git.baseUrl}fleet.git`, commit };
}

/** The demo's pointer signing key pair, written under `work` (signed, as in production: what the demo does is what users copy). */
async function demoKeys(work: string): Promise<{ keyFiles: { privateKey: string; publicKey: string }; signingKey: KeyObject; verifyKeys: readonly KeyObject[] }> {
  const keyFiles = await writeSigningKeyPair(join(work, 'keys'));
  const signingKey = parseSigningKey(await readFile(keyFiles.privateKey, 'utf8'));
  return { keyFiles, signingKey, verifyKeys: [parseVerifyKey(await readFile(keyFiles.publicKey, 'utf8'))] };
}

/** The running demo as runDemo answers it: where to look (the AWS_* variables with an S3 store), how far it got, and its stop. */
function demoOf(
  env: Environment,
  s3: boolean,
  where: Pick<Demo, 'storeUrl' | 'repoUrl' | 'realCluster' | 'prometheusUrl' | 'dashboard'> & { readonly storeDir: string },
  keyFiles: { readonly privateKey: string; readonly publicKey: string },
  converged: Demo['converged'],
  rollout: Rollout | undefined,
  stop: () => Promise<void>,
): Demo {
  const { storeDir, ...rest } = where;
  const info = env.info.s3;
  const storeEnv = { AWS_ENDPOINT_URL: info.endpoint, AWS_REGION: info.region, AWS_ACCESS_KEY_ID: info.accessKeyId, AWS_SECRET_ACCESS_KEY: info.secretAccessKey };
  const outcome = rollout ? { rollout: { id: rollout.id, phase: rollout.phase, ...(rollout.halt ? { halt: rollout.halt } : {}), rings: rollout.plan.rings.map((r) => r.name) } } : {};
  const keys = { signingKey: keyFiles.privateKey, verifyKey: keyFiles.publicKey };
  return { ...rest, ...(s3 ? { storeEnv } : { storeDir }), kubeconfig: env.info.kube.kubeconfig, keys, converged, ...outcome, stop };
}

/** The store the hub publishes to: a `file:` store in the demo's directory, or (`s3`) the local MinIO. */
async function demoStore(env: Environment, s3: boolean, work: string): Promise<{ store: ObjectStore; storeUrl: string; storeDir: string }> {
  const storeDir = join(work, 'store');
  if (s3) return { store: s3StoreFor(env.info, 'demo'), storeUrl: `s3://${env.info.s3.bucket}/demo`, storeDir };
  await mkdir(storeDir, { recursive: true });
  return { store: createFileStore(storeDir), storeUrl: `file:${storeDir}`, storeDir };
}

/**
 * The one real agent, reconciling `cluster` into the local kube-apiserver
 * until `signal`, with the stand-in controllers that roll its Deployments
 * out; their errors go to the log.
 */
async function runRealAgent(kubeconfig: string, cluster: string, store: ObjectStore, verifyKeys: readonly KeyObject[], opts: DemoOptions, signal: AbortSignal): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const controllers = runStandInControllers({ kubeconfig: kc, clock: systemClock, everyMs: Math.min(500, opts.intervalMs / 2), log: opts.log }, signal);
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
  await Promise.all([agent.run(signal), controllers]);
}

async function compile(
  hub: ReturnType<typeof createHub>,
  repo: string,
  recorder: FleetRecorder,
  log: (line: string) => void,
): Promise<CompileReport> {
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
    return progressLine(recorder, what) + (p.applied > 0 && p.applied < p.total ? ' so far' : '');
  };
  const show = (): void => {
    const { applied, total } = recorder.progress();
    opts.status([{ text: line(), key: applied === total ? 'done' : 'converging' }]);
  };
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      clearInterval(ticker);
      off();
      opts.signal.removeEventListener('abort', finish);
      show();
      resolve();
    };
    const ticker = setInterval(() => (Date.now() > deadline ? finish() : show()), 250);
    const off = recorder.onConverged(() => {
      if (recorder.pending === 0) finish();
    });
    opts.signal.addEventListener('abort', finish);
    if (recorder.pending === 0 || opts.signal.aborted) finish();
  });
  const { applied, total } = recorder.progress();
  return { applied, total };
}

/** `N/M clusters on the <what>, p50 1.2s, p99 3.4s`: how many clusters applied the current commit, and how long after their pointer moved. */
function progressLine(recorder: FleetRecorder, what: string): string {
  const p = recorder.progress();
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  return `${p.applied}/${p.total} clusters on the ${what}` + (p.applied > 0 ? `, p50 ${secs(p.percentiles.p50)}, p99 ${secs(p.percentiles.p99)}` : '');
}

/** What the second compile started: its rollout and ring 0's first wave. */
function startedLine(report: CompileReport): string {
  if (!report.rollout?.rollout) return `${report.pointersUpdated} pointers updated (no rollout started)`;
  return `rollout ${report.rollout.rollout} started, ${report.rollout.moved} pointers of ring-0 moved, the other rings wait`;
}

/** Logs how the rollout ended and how far the fleet got on its commit; returns the latter. */
function reportRollout(rollout: Rollout | undefined, recorder: FleetRecorder, log: (line: string) => void): { applied: number; total: number } {
  if (rollout?.halt) log(`demo: rollout ${rollout.id} halted by ${rollout.halt.actor}: ${rollout.halt.reason}`);
  else if (rollout) log(`demo: rollout ${rollout.id} ${rollout.phase}`);
  log(`demo: ${progressLine(recorder, 'new revision')} after their pointer moved`);
  const { applied, total } = recorder.progress();
  return { applied, total };
}
