import { seededRng } from '@driftless/core';
import { createHubServer, type HubServer } from '@driftless/hub';
import { clusterName, FLEET_SCENARIO } from '@driftless/testkit';
import { benchSigningKeys } from './bench-keys.js';
import { startBundleFleet } from './bundle-fleet.js';
import { observedStore } from './observed-store.js';
import { previewFigure, previewGoalMs } from './previews-figures.js';
import { BENCH_PREVIEW, previewBranchChanges, previewHosts, previewsBaseFiles } from './previews-fleet.js';
import { PreviewProbe } from './previews-probe.js';
import type { MedianMax, PreviewsBenchReport, PreviewsBenchResult } from './previews-result.js';
import { publishCommit } from './publish-commit.js';
import { FleetRecorder } from './recorder.js';
import { benchMachine } from './rollout-result.js';
import { virtualRig, type RolloutRig } from './rollout-rig.js';
import { virtualHub, type VirtualHub } from './virtual-hub.js';

/** Options of `driftless bench --previews`. */
export interface PreviewsBenchOptions {
  readonly clusters: number;
  /** Clusters labelled as preview hosts. Default min(clusters, 10). */
  readonly hosts?: number;
  /** The agents' poll interval, ms. */
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  /** Apps in the fleet (at least 2: app-01 is previewed). Default 3. */
  readonly apps?: number;
  /** The hub's poll, ms. Default {@link PREVIEWS_POLL_MS}. */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/** The hub poll for this bench, ms. */
export const PREVIEWS_POLL_MS = 10_000;

/** What the hub's poll loop reported, counted as the run goes. */
interface HubCounts {
  compiled: boolean;
  runs: number;
  failed: number;
  lastError?: string;
}

/**
 * `driftless bench --previews` (virtual time only: the rig's real mode has
 * no git server to push a branch to). The fleet's base branch carries
 * `spec.previews` (app-01 on the hosts, in `pr-${branch.slug}`); the real
 * hub runs in `hub serve`'s loop (`createHubServer`: one branch listing per
 * poll, compile when the base moved, then the real preview cycle), the
 * clusters are the real agent over the in-memory Kubernetes API. Once the
 * fleet is up, `feature/bench` is pushed at a seeded instant within a poll
 * interval; once every host applied it, the branch is deleted the same way.
 * Measures per host push to the preview Applied, and delete to its namespace gone.
 */
export async function runPreviewsBench(opts: PreviewsBenchOptions): Promise<PreviewsBenchReport> {
  const started = Date.now();
  const rig = virtualRig(opts.seed);
  try {
    const result = await run(rig, opts, opts.log ?? (() => undefined));
    return { ...result, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: benchMachine() };
  } finally {
    await rig.stop();
  }
}

async function run(rig: RolloutRig, opts: PreviewsBenchOptions, log: (line: string) => void): Promise<PreviewsBenchResult> {
  const { clock } = rig;
  const pollMs = opts.pollMs ?? PREVIEWS_POLL_MS;
  const apps = opts.apps ?? 3;
  const hosts = previewHosts(opts.clusters, opts.hosts ?? Math.min(opts.clusters, 10));
  const probe = new PreviewProbe(clock, hosts, `${BENCH_PREVIEW.namespace}/${BENCH_PREVIEW.app}`, BENCH_PREVIEW.namespace);
  const recorder = new FleetRecorder(clock.now(), 1_000);
  const keys = benchSigningKeys(opts.seed);
  const vh = virtualHub({ store: probe.hubStore(rig.store), clock, recorder, clusters: opts.clusters, apps, scenario: FLEET_SCENARIO, signingKey: keys.privateKey });
  vh.repo.commit(previewsBaseFiles(opts.clusters, apps, hosts), 'bench: the fleet, with spec.previews');
  const counts: HubCounts = { compiled: false, runs: 0, failed: 0 };
  const server = hubServe(rig, vh, pollMs, counts, log);
  const fleet = startBundleFleet({
    names: Array.from({ length: opts.clusters }, (_, i) => clusterName(i)),
    clock,
    seed: opts.seed,
    store: observedStore(probe.clusterStore(rig.clusterStore), clock, recorder).store,
    intervalMs: opts.intervalMs,
    jitter: opts.jitter,
    verifyKeys: [keys.publicKey],
    ...(rig.kubeLatency ? { kubeLatency: rig.kubeLatency } : {}),
    wrapKube: (cluster, kube) => probe.wrapKube(cluster, kube),
    onError: (cluster, message) => recorder.error(cluster, message),
  });
  const goalMs = previewGoalMs(pollMs, opts.intervalMs, opts.jitter);
  // A host that misses the goal is still waited for a while, so that a miss has a figure.
  const deadline = (): number => clock.now() + 3 * goalMs;
  const never = (): boolean => false;
  const changed = (fn: () => void): (() => void) => probe.onChange(fn);
  try {
    recorder.beginCommit();
    const t0 = clock.now();
    server.start();
    await rig.runUntil(deadline() + 30_000, () => counts.compiled && recorder.pending === 0, (fn) => recorder.onConverged(fn));
    if (!counts.compiled || recorder.pending > 0) throw new Error(`bench: the fleet did not come up: ${recorder.pending} cluster(s) never applied the first commit (compiled: ${counts.compiled})`);
    log(`bench: fleet up: ${recorder.progress().applied} clusters applied the base; ${hosts.length} preview hosts`);

    // The push and the delete land anywhere within a poll interval: the hub's next listing is 0 to pollMs away.
    const rng = seededRng(opts.seed ^ 0x2f6b1d3c);
    const pushAt = clock.now() + Math.floor(rng.next() * pollMs);
    await rig.runUntil(pushAt, never, changed);
    vh.repo.createBranch(BENCH_PREVIEW.branch);
    vh.repo.commit(previewBranchChanges(opts.clusters, apps), 'bench: a feature', BENCH_PREVIEW.branch);
    probe.armPush();
    await rig.runUntil(deadline(), () => probe.done(), changed);
    log(`bench: pushed ${BENCH_PREVIEW.branch}: ${probe.appliedAt.size}/${hosts.length} hosts applied the preview`);

    const deleteAt = clock.now() + Math.floor(rng.next() * pollMs);
    await rig.runUntil(deleteAt, never, changed);
    vh.repo.deleteBranch(BENCH_PREVIEW.branch);
    probe.armDelete();
    await rig.runUntil(deadline(), () => probe.done(), changed);
    log(`bench: deleted ${BENCH_PREVIEW.branch}: the namespace is gone from ${probe.goneAt.size}/${hosts.length} hosts`);

    return {
      virtual: true,
      clusters: opts.clusters,
      hosts,
      intervalMs: opts.intervalMs,
      jitter: opts.jitter,
      seed: opts.seed,
      pollMs,
      ...BENCH_PREVIEW,
      pushAtMs: pushAt - t0,
      deleteAtMs: deleteAt - t0,
      ...figures(probe, pushAt, deleteAt, goalMs),
      previewCycles: { runs: counts.runs, failed: counts.failed, ...(counts.lastError !== undefined ? { lastError: counts.lastError } : {}) },
      clusterErrors: recorder.errorSummary(),
      rssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await rig.settle(server.stop());
    await rig.settle(fleet.stop());
  }
}

/** The real hub in `hub serve`'s loop, as the CLI wires it: compile when the base moved, then the preview cycle with the poll's listing. */
function hubServe(rig: RolloutRig, vh: VirtualHub, pollMs: number, counts: HubCounts, log: (line: string) => void): HubServer {
  const repo = vh.repo.url;
  const server = createHubServer({
    store: rig.store,
    clock: rig.clock,
    source: vh.repo,
    repo,
    identity: 'bench-hub',
    pollMs,
    compile: async (_target, signal) => {
      signal.throwIfAborted();
      await publishCommit(vh.hub, repo);
    },
    previews: (listing, signal) => (signal.throwIfAborted(), vh.hub.previews({ repo, listing })),
    // No spec.delivery: nothing to step.
    step: () => Promise.resolve(),
    log: (e) => void (e['level'] === 'error' && log(`bench: ${String(e['msg'])}`)),
  });
  server.events.on('poll', (p) => void (p.compiled && (counts.compiled = true)));
  server.events.on('previews', (r) => {
    counts.runs += 1;
    if (r.ok) return;
    counts.failed += 1;
    if (r.error !== undefined) counts.lastError = r.error;
  });
  return server;
}

/** Both figures and each host's times, from what the probe saw. */
function figures(probe: PreviewProbe, pushAt: number, deleteAt: number, goalMs: number): Pick<PreviewsBenchResult, 'pushToApplied' | 'deleteToGone' | 'pushToPointerMs' | 'deleteToPointerMs' | 'perHost'> {
  const since = (times: ReadonlyMap<string, number>, from: number, host: string): number | null => {
    const t = times.get(host);
    return t === undefined ? null : t - from;
  };
  const medianMax = (times: ReadonlyMap<string, number>, from: number): MedianMax => {
    const f = previewFigure(from, probe.hosts.map((h) => times.get(h)), 0);
    return { p50: f.p50Ms, max: f.maxMs };
  };
  return {
    pushToApplied: previewFigure(pushAt, probe.hosts.map((h) => probe.appliedAt.get(h)), goalMs),
    deleteToGone: previewFigure(deleteAt, probe.hosts.map((h) => probe.goneAt.get(h)), goalMs),
    pushToPointerMs: medianMax(probe.pointerAt, pushAt),
    deleteToPointerMs: medianMax(probe.pointerClearedAt, deleteAt),
    perHost: probe.hosts.map((cluster) => ({
      cluster,
      pointerMs: since(probe.pointerAt, pushAt, cluster),
      appliedMs: since(probe.appliedAt, pushAt, cluster),
      pointerClearedMs: since(probe.pointerClearedAt, deleteAt, cluster),
      goneMs: since(probe.goneAt, deleteAt, cluster),
    })),
  };
}
