import { FakeMetricSource, type FakeAnswer } from '@driftless/fakes';
import { FLEET_SCENARIO, clusterName } from '@driftless/testkit';
import { benchSigningKeys } from './bench-keys.js';
import { breachToHalt, haltToReverted, type HaltingStep } from './breach-figures.js';
import type { BreachBenchReport, BreachBenchResult } from './breach-result.js';
import { publishingStore } from './observed-store.js';
import { FleetRecorder } from './recorder.js';
import { benchDelivery, FAILING, ringOf, type RolloutBenchOptions } from './rollout-bench.js';
import { startRolloutFleet } from './rollout-fleet.js';
import { benchMachine, medianMax, runSettings } from './rollout-result.js';
import { realRig, virtualRig, type RolloutRig } from './rollout-rig.js';
import { startRolloutStepper, type RolloutStepper, type StepSample } from './rollout-stepper.js';
import { virtualHub } from './virtual-hub.js';

/** The check that gates ring-0: each cluster's share of 5xx answers over a minute, as a user writes it. */
export const ERROR_RATE_CHECK = {
  name: 'error-rate',
  prometheus: 'sum(rate(http_requests_total{cluster="${cluster.name}",code=~"5.."}[1m])) / sum(rate(http_requests_total{cluster="${cluster.name}"}[1m]))',
  max: 0.02,
} as const;
/** The check's `for`, in steps: the breach must hold this many step intervals. */
const FOR_STEPS = 3;
/** Every BREACH_EVERY-th cluster of ring-0 breaches (10 %). */
const BREACH_EVERY = 10;
/** The simulated error rates: a healthy cluster's, and a breaching one's (above `max`). */
const HEALTHY = 0.001;
const BREACHING = 0.05;
/** Commit 0 brings the fleet up without delivery (pointers written at once); commit 1 (app-00, ring-0 only) is the release. */
const COMMITS = { up: 0, release: 1 } as const;
const CLUSTER_LABEL = /cluster="([^"]+)"/;

/** spec.delivery of the breach scenario: benchDelivery with the error-rate check on ring-0 and `onFailure: revert`. */
export function breachDelivery(soakMs: number, forMs: number): Record<string, unknown> {
  const base = benchDelivery(soakMs) as { rings: Record<string, unknown>[] };
  return {
    ...base,
    onFailure: 'revert',
    checks: [{ ...ERROR_RATE_CHECK, for: `${forMs}ms` }],
    rings: base.rings.map((r) => (r.name === 'ring-0' ? { ...r, checks: [ERROR_RATE_CHECK.name] } : r)),
  };
}

/**
 * The simulated Prometheus (FakeMetricSource in function mode): every
 * cluster's error rate is HEALTHY, the breaching clusters' BREACHING once
 * `breaching()` says the breach has started.
 */
function simulatedErrorRates(breachingClusters: ReadonlySet<string>, breaching: () => boolean): FakeMetricSource {
  const answer = (query: string): FakeAnswer => {
    const cluster = CLUSTER_LABEL.exec(query)?.[1];
    if (cluster === undefined) return { resultType: 'vector', series: [] };
    return { resultType: 'vector', series: [{ labels: { cluster }, value: breaching() && breachingClusters.has(cluster) ? BREACHING : HEALTHY }] };
  };
  return new FakeMetricSource({ description: 'simulated prometheus', answer });
}

/**
 * `driftless bench --rollout --breach`: the metric-gate scenario. The fleet
 * comes up at once (commit 0, no delivery); a release (commit 1: app-00,
 * ring-0 only) rolls ring-0 out under the error-rate check with `onFailure:
 * revert`; once every ring-0 cluster has applied it, a tenth of them start
 * breaching (the simulated source's answer changes at that instant). Measures
 * the breach's start to the halt, and the halt to 99 % of the reverted
 * clusters reporting their last good bundle applied again.
 */
export async function runBreachBench(opts: RolloutBenchOptions): Promise<BreachBenchReport> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const rig = opts.virtual ? virtualRig(opts.seed) : await realRig(opts.workers ?? 1, log);
  try {
    const result = await run(rig, opts, log);
    return { ...result.result, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: benchMachine(), stepSamples: result.samples };
  } finally {
    await rig.stop();
  }
}

async function run(rig: RolloutRig, opts: RolloutBenchOptions, log: (line: string) => void): Promise<{ result: BreachBenchResult; samples: readonly StepSample[] }> {
  const { clock } = rig;
  const stepMs = opts.stepMs ?? 5_000;
  const forMs = FOR_STEPS * stepMs;
  const soakMs = opts.intervalMs;
  const t0 = clock.now();
  const recorder = new FleetRecorder(t0, 1_000);
  const keys = benchSigningKeys(opts.seed);
  const ring0 = Array.from({ length: opts.clusters }, (_, i) => i).filter((i) => ringOf(i) === 'ring-0');
  const breachingClusters = new Set(ring0.filter((_, j) => j % BREACH_EVERY === 0).map(clusterName));
  let breachAt: number | undefined;
  const metrics = simulatedErrorRates(breachingClusters, () => breachAt !== undefined);
  const delivery = (k: number): Record<string, unknown> | undefined => (k === COMMITS.up ? undefined : breachDelivery(soakMs, forMs));
  const hub = virtualHub({ store: rig.store, clock, recorder, clusters: opts.clusters, apps: opts.apps ?? 5, scenario: FLEET_SCENARIO, signingKey: keys.privateKey, delivery, metrics });
  // FAILING's fault is never armed here: the breach is in the metrics, not in a cluster's API.
  const fleet = startRolloutFleet(rig, { ...opts, verifyKey: keys.publicKey, recorder, failing: FAILING });
  const stepper = startRolloutStepper({ store: publishingStore(rig.store, clock, recorder), clock, signingKey: keys.privateKey, stepMs, startedAt: t0, metrics });
  const deadline = (): number => clock.now() + 40 * opts.intervalMs * (1 + opts.jitter) + 120_000;
  const converged = (fn: () => void): (() => void) => recorder.onConverged(fn);
  try {
    recorder.beginCommit();
    await rig.settle(hub.publish(COMMITS.up));
    await rig.runUntil(deadline(), () => recorder.pending === 0, converged);
    log(`bench: fleet up: ${recorder.progress().applied}/${recorder.progress().total} clusters applied commit ${COMMITS.up}`);

    recorder.beginCommit();
    const commitAt = clock.now();
    // Counted from the publish on: the controller steps (and the wave may open) while the hub still writes.
    let applied = 0;
    const off = recorder.onConverged(() => (applied += 1));
    await rig.settle(hub.publish(COMMITS.release));
    // The wave moves every ring-0 pointer in one step; the breach starts once all of them reported it applied.
    await rig.runUntil(deadline(), () => applied > 0 && recorder.pending === 0, converged);
    off();
    if (recorder.pending === 0 && applied > 0) breachAt = clock.now();
    log(`bench: release: ${applied} ring-0 clusters applied; breach ${breachAt === undefined ? 'never started' : `started on ${breachingClusters.size} of them`}`);

    const { haltSample, halt, backAt } = breachAt === undefined ? { haltSample: undefined, halt: undefined, backAt: [] } : await haltAndRevert({ rig, recorder, stepper, t0, breachAt, deadline });
    log(`bench: ${haltSample ? `halted: ${haltSample.haltReason ?? ''}` : 'no halt by the deadline'}`);
    await stepper.stop();
    await rig.settle(fleet.stop());
    const samples = stepper.samples;
    const result: BreachBenchResult = {
      ...runSettings(opts, stepMs, soakMs),
      check: { name: ERROR_RATE_CHECK.name, query: ERROR_RATE_CHECK.prometheus, max: ERROR_RATE_CHECK.max, forMs },
      ring: { name: 'ring-0', clusters: ring0.length, breaching: breachingClusters.size },
      breachStartMs: breachAt === undefined ? null : breachAt - commitAt,
      haltReason: haltSample?.haltReason ?? null,
      breachToHalt: breachToHalt(breachAt ?? 0, halt, forMs, stepMs),
      haltToReverted: haltToReverted(halt, backAt, opts.intervalMs),
      metricQueries: metrics.requests,
      steps: { count: samples.length, wallMs: medianMax(samples.map((s) => s.wallMs)), errors: samples.filter((s) => s.error !== undefined).length },
      clusterErrors: recorder.errorSummary(),
      rssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    return { result, samples };
  } finally {
    await stepper.stop();
    await rig.settle(fleet.stop());
  }
}

/**
 * Lets the run go on until the first step after the breach that halted the
 * rollout, then until the clusters it reverted (their pointers moved back by
 * that step through publishingStore: published again in this commit) report
 * their last good bundle applied: the halting step, and when each came back.
 */
async function haltAndRevert(ctx: {
  readonly rig: RolloutRig;
  readonly recorder: FleetRecorder;
  readonly stepper: RolloutStepper;
  readonly t0: number;
  readonly breachAt: number;
  readonly deadline: () => number;
}): Promise<{ haltSample?: StepSample; halt?: HaltingStep; backAt: (number | undefined)[] }> {
  const { rig, recorder, stepper, t0, breachAt, deadline } = ctx;
  const halted = (): StepSample | undefined => stepper.samples.find((s) => t0 + s.at >= breachAt && s.phase === 'Halted');
  await rig.runUntil(deadline(), () => halted() !== undefined, (fn) => stepper.onStep(fn));
  const haltSample = halted();
  if (!haltSample) return { backAt: [] };
  const halt: HaltingStep = { startedAt: t0 + haltSample.at, clockMs: haltSample.clockMs };
  await rig.runUntil(deadline(), () => recorder.pending === 0, (fn) => recorder.onConverged(fn));
  const backAt = [...recorder.commitTimes().values()].filter((e) => e.publishedAt >= halt.startedAt).map((e) => e.convergedAt);
  return { haltSample, halt, backAt };
}
