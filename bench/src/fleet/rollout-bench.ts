import { availableParallelism } from 'node:os';
import { FLEET_SCENARIO, clusterName, scenarioCluster } from '@driftless/testkit';
import { benchSigningKeys } from './bench-keys.js';
import { publishingStore } from './observed-store.js';
import { FleetRecorder } from './recorder.js';
import { benchMachine, medianMax, runSettings, type RingTiming, type RolloutBenchReport, type RolloutBenchResult } from './rollout-result.js';
import { startRolloutFleet } from './rollout-fleet.js';
import { realRig, type RolloutRig } from './rollout-rig.js';
import { shardedRig } from './rollout-shards.js';
import { startRolloutStepper, type StepSample } from './rollout-stepper.js';
import { virtualHub } from './virtual-hub.js';

export interface RolloutBenchOptions {
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  /** Virtual clock and in-memory store; else real MinIO and the wall clock. */
  readonly virtual: boolean;
  /** Between rollout steps, ms of the run's clock. Default 5 000 (hub serve's). */
  readonly stepMs?: number;
  /** Apps in the fleet. Default 5. */
  readonly apps?: number;
  /**
   * Worker threads for the simulated clusters. Real mode: 0 runs them on the
   * main thread, with the controller; default 1. Virtual mode: the shards (at
   * least 1); default os.availableParallelism(); the figures do not depend on it.
   */
  readonly workers?: number;
  /** The agents' heartbeat, ms (default the agent's; virtual mode and the main thread only). */
  readonly heartbeatMs?: number;
  readonly log?: (line: string) => void;
}

/** The rings of the bench's delivery (label `ring` 0 to 9, one tenth each): 10%, 10%, then the rest 25% at a time. */
export const ROLLOUT_RINGS = ['ring-0', 'ring-1', 'ring-2'] as const;

/** The scenario commits the bench publishes: 0 brings the fleet up, 2 changes every cluster (measured), 3 all but dev (the halt). */
const COMMITS = { up: 0, measured: 2, failing: 3 } as const;
/** Poll intervals the run idles after the measured release (the agents' last status writes settle in the first). */
const IDLE_INTERVALS = 2;
/** The cluster whose Kubernetes API refuses writes in the second release (ring 0; the breach bench never arms it). */
export const FAILING = clusterName(0);

/** spec.delivery of the bench's fleet: continuous deployment (no approval), soak one interval. */
export function benchDelivery(soakMs: number): Record<string, unknown> {
  const soak = `${soakMs}ms`;
  return {
    mode: 'continuous-deployment',
    onFailure: 'halt',
    rings: [
      { name: 'ring-0', selector: { matchLabels: { ring: '0' } }, soak },
      { name: 'ring-1', selector: { matchLabels: { ring: '1' } }, soak },
      { name: 'ring-2', selector: {}, maxConcurrent: '25%', soak },
    ],
  };
}

/** The ring of cluster `i` under benchDelivery. */
export const ringOf = (i: number): string => {
  const label = scenarioCluster(i, FLEET_SCENARIO).labels.ring;
  return label === '0' ? 'ring-0' : label === '1' ? 'ring-1' : 'ring-2';
};

/**
 * `driftless bench --rollout`: the real hub compiles commits with
 * `spec.delivery` and the real rollout controller steps every `stepMs` over
 * simulated clusters (the real agent over the in-memory Kubernetes API), in
 * virtual time or in real time against MinIO. Commit 0 brings the fleet up
 * through the rings; the measured release changes every cluster (time from
 * commit to each ring fully applied); after an idle interval, a second release
 * meets one ring-0 cluster whose API refuses writes (steps to the halt).
 */
export async function runRolloutBench(opts: RolloutBenchOptions): Promise<RolloutBenchReport> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const rig = opts.virtual ? shardedRig(opts.seed, Math.max(1, opts.workers ?? availableParallelism())) : await realRig(opts.workers ?? 1, log);
  try {
    return await run(rig, opts, started, log);
  } finally {
    await rig.stop();
  }
}

async function run(rig: RolloutRig, opts: RolloutBenchOptions, started: number, log: (line: string) => void): Promise<RolloutBenchReport> {
  const { clock } = rig;
  const stepMs = opts.stepMs ?? 5_000;
  const soakMs = opts.intervalMs;
  const t0 = clock.now();
  const recorder = new FleetRecorder(t0, 1_000);
  const keys = benchSigningKeys(opts.seed);
  const hub = virtualHub({ store: rig.store, clock, recorder, clusters: opts.clusters, apps: opts.apps ?? 5, scenario: FLEET_SCENARIO, signingKey: keys.privateKey, delivery: benchDelivery(soakMs) });
  const fleet = startRolloutFleet(rig, { ...opts, verifyKey: keys.publicKey, recorder, failing: FAILING });
  const stepper = startRolloutStepper({ store: publishingStore(rig.store, clock, recorder), clock, signingKey: keys.privateKey, stepMs, startedAt: t0 });
  const deadline = (): number => clock.now() + 40 * opts.intervalMs * (1 + opts.jitter) + 120_000;
  let previous: string | undefined;
  /** Publishes commit `k` and lets the run go on until its rollout completes or halts: the commit's time and the last step. */
  const release = async (k: number): Promise<{ commitAt: number; last?: StepSample }> => {
    recorder.beginCommit();
    const commitAt = clock.now();
    await rig.settle(hub.publish(k));
    const ended = (): StepSample | undefined => {
      const s = stepper.samples[stepper.samples.length - 1];
      return s && s.rollout !== previous && (s.phase === 'Completed' || s.phase === 'Halted') ? s : undefined;
    };
    await rig.runUntil(deadline(), () => ended() !== undefined, (fn) => stepper.onStep(fn));
    const last = ended();
    previous = last?.rollout ?? previous;
    log(`bench: commit ${k}: rollout ${last?.phase ?? 'not finished by the deadline'} after ${Math.round((clock.now() - commitAt) / 1000)} s; ${recorder.progress().applied}/${recorder.progress().total} clusters applied`);
    return { commitAt, ...(last ? { last } : {}) };
  };

  try {
    await release(COMMITS.up);
    const measured = await release(COMMITS.measured);
    const rings = ringTimings(recorder.commitTimes(), measured.commitAt, opts.clusters);
    const completedMs = measured.last?.phase === 'Completed' ? measured.last.at + measured.last.clockMs - (measured.commitAt - t0) : null;

    const idleFrom = stepper.samples.length;
    const writesBefore = fleet.statusWrites();
    await rig.runUntil(clock.now() + IDLE_INTERVALS * opts.intervalMs, () => false, (fn) => stepper.onStep(fn));
    const idleSteps = stepper.samples.slice(idleFrom);
    const idle = {
      steps: idleSteps.length,
      statusGets: idleSteps.reduce((n, s) => n + s.statusGets, 0),
      statusWrites: fleet.statusWrites() - writesBefore,
      lastStepStatusGets: idleSteps[idleSteps.length - 1]?.statusGets ?? 0,
    };
    log(`bench: idle interval: ${idle.steps} steps, ${idle.statusGets} status GETs, ${idle.statusWrites} status writes`);

    fleet.fail();
    const halting = await release(COMMITS.failing);
    const halt = haltFigures(stepper.samples, fleet.failingAt, halting, t0);
    await stepper.stop();
    await rig.settle(fleet.stop());
    const samples = stepper.samples;
    const noMoves = samples.filter((s) => s.moved === 0);
    const result: RolloutBenchResult = {
      ...runSettings(opts, stepMs, soakMs),
      workers: rig.shards?.threads ?? (rig.workers?.count ?? 0),
      release: { rings, completedMs },
      halt: { cluster: FAILING, ...halt },
      steps: {
        count: samples.length,
        wallMs: medianMax(samples.map((s) => s.wallMs)),
        wallMsNoMoves: medianMax(noMoves.map((s) => s.wallMs)),
        listPages: medianMax(samples.map((s) => s.listPages)),
        statusGets: medianMax(samples.map((s) => s.statusGets)),
        storeRequests: medianMax(samples.map((s) => s.storeRequests)),
        errors: samples.filter((s) => s.error !== undefined).length,
      },
      idle,
      clusterErrors: recorder.errorSummary(),
      rssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    return {
      ...result,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      machine: benchMachine(),
      stepSamples: samples,
    };
  } finally {
    await stepper.stop();
    await rig.settle(fleet.stop());
  }
}

/** Per ring: when its first and last cluster applied the commit's bundle, ms after `commitAt`. */
function ringTimings(times: ReadonlyMap<string, { publishedAt: number; convergedAt?: number }>, commitAt: number, clusters: number): RingTiming[] {
  return ROLLOUT_RINGS.map((name) => {
    const applied: number[] = [];
    let members = 0;
    let missing = false;
    for (let i = 0; i < clusters; i++) {
      if (ringOf(i) !== name) continue;
      members += 1;
      const at = times.get(clusterName(i))?.convergedAt;
      if (at === undefined) missing = true;
      else applied.push(at - commitAt);
    }
    return {
      name,
      clusters: members,
      firstAppliedMs: applied.length ? Math.min(...applied) : null,
      fullyAppliedMs: missing || !applied.length ? null : Math.max(...applied),
    };
  });
}

/** The halt of the failing release: when the failing status was written, and the steps from it to the halt. */
function haltFigures(samples: readonly StepSample[], failingAt: number | undefined, halting: { commitAt: number; last?: StepSample }, t0: number): Omit<RolloutBenchResult['halt'], 'cluster'> {
  const halted = halting.last?.phase === 'Halted' ? halting.last : undefined;
  if (failingAt === undefined || !halted) return { failingStatusMs: failingAt === undefined ? null : failingAt - halting.commitAt, haltAfterMs: null, stepsToHalt: null, reason: null };
  const since = failingAt - t0;
  const steps = samples.filter((s) => s.at >= since && s.at <= halted.at).length;
  return {
    failingStatusMs: failingAt - halting.commitAt,
    haltAfterMs: halted.at + halted.clockMs - since,
    stepsToHalt: steps,
    reason: halted.haltReason ?? null,
  };
}
