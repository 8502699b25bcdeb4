import { performance } from 'node:perf_hooks';
import { API_VERSION } from '@driftless/core';
import { createAuditLog, freezeFleet, setFlagOverride } from '@driftless/hub';
import { FLEET_SCENARIO } from '@driftless/testkit';
import { benchSigningKeys } from './bench-keys.js';
import { killSwitchPropagation } from './kill-switch-figures.js';
import type { KillSwitchBenchReport, KillSwitchBenchResult } from './kill-switch-result.js';
import { countedStore, publishingStore } from './observed-store.js';
import { FleetRecorder } from './recorder.js';
import { FAILING } from './rollout-bench.js';
import { startRolloutFleet } from './rollout-fleet.js';
import { benchMachine } from './rollout-result.js';
import { realRig, virtualRig, type RolloutRig } from './rollout-rig.js';
import { virtualHub } from './virtual-hub.js';

/** Options of `driftless bench --kill-switch`. */
export interface KillSwitchBenchOptions {
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  /** Virtual clock and in-memory store; else real MinIO and the wall clock. */
  readonly virtual: boolean;
  /** Apps in the fleet. Default 3. */
  readonly apps?: number;
  /** Freeze the fleet before `flag set` (the override must go past it). Default true. */
  readonly freeze?: boolean;
  /** Real mode: worker threads for the simulated clusters. Default 1. */
  readonly workers?: number;
  readonly log?: (line: string) => void;
}

/** The kill switch: a permanent flag in app-01's namespace, which every cluster of the scenario runs (appTargets[1]: every cluster). */
export const KILL_SWITCH = { key: 'checkout-kill', namespaces: ['app-01'], variant: 'off' } as const;
const FLAG_FILE = `type: kill-switch
owner: team-checkout
variants: { "on": true, "off": false }
defaultVariant: "on"
rollout: []
namespaces: [${KILL_SWITCH.namespaces.join(', ')}]
`;
const ACTOR = 'oncall@bench';

/**
 * `driftless bench --kill-switch`: commit 0 brings the fleet up (no delivery,
 * every pointer written at once) with the flag file `flags/checkout-kill.yaml`
 * (on everywhere); once every cluster reported it applied, the fleet is
 * frozen and the hub's `setFlagOverride` (what `driftless flag set` calls)
 * turns it off on every cluster. Measures from that instant to each
 * cluster's status reporting the overridden bundle applied.
 */
export async function runKillSwitchBench(opts: KillSwitchBenchOptions): Promise<KillSwitchBenchReport> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const rig = opts.virtual ? virtualRig(opts.seed) : await realRig(opts.workers ?? 1, log);
  try {
    const result = await run(rig, opts, log);
    return { ...result, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: benchMachine() };
  } finally {
    await rig.stop();
  }
}

async function run(rig: RolloutRig, opts: KillSwitchBenchOptions, log: (line: string) => void): Promise<KillSwitchBenchResult> {
  const { clock } = rig;
  const frozen = opts.freeze ?? true;
  const recorder = new FleetRecorder(clock.now(), 1_000);
  const keys = benchSigningKeys(opts.seed);
  const extraFiles = { [`flags/${KILL_SWITCH.key}.yaml`]: FLAG_FILE };
  const hub = virtualHub({ store: rig.store, clock, recorder, clusters: opts.clusters, apps: opts.apps ?? 3, scenario: FLEET_SCENARIO, signingKey: keys.privateKey, extraFiles });
  // FAILING's fault is never armed: every cluster is healthy.
  const fleet = startRolloutFleet(rig, { ...opts, verifyKey: keys.publicKey, recorder, failing: FAILING });
  const deadline = (): number => clock.now() + 3 * opts.intervalMs * (1 + opts.jitter) + 30_000;
  const converged = (fn: () => void): (() => void) => recorder.onConverged(fn);
  try {
    recorder.beginCommit();
    await rig.settle(hub.publish(0));
    await rig.runUntil(deadline(), () => recorder.pending === 0, converged);
    log(`bench: fleet up: ${recorder.progress().applied}/${recorder.progress().total} clusters applied commit 0`);

    const counted = countedStore(rig.store);
    const store = publishingStore(counted.store, clock, recorder);
    const audit = createAuditLog({ store, clock, signingKey: keys.privateKey });
    if (frozen) await rig.settle(freezeFleet({ store, clock, audit }, { apiVersion: API_VERSION, kind: 'Freeze', actor: ACTOR, at: new Date(clock.now()).toISOString(), reason: 'bench: incident' }));
    const requestsBefore = counted.requests();

    recorder.beginCommit();
    const setAt = clock.now();
    const wallStart = performance.now();
    let ids = 0;
    const deps = { store, clock, audit, signingKey: keys.privateKey, newId: () => `kill-switch-${++ids}`, log: () => undefined };
    const set = await rig.settle(setFlagOverride(deps, { flag: KILL_SWITCH.key, variant: KILL_SWITCH.variant, actor: ACTOR, reason: 'bench: kill switch' }));
    const flagSetWallMs = performance.now() - wallStart;
    const flagSetClockMs = clock.now() - setAt;
    const flagSetRequests = counted.requests() - requestsBefore;
    log(`bench: flag set moved ${set.pointers.length} pointers in ${flagSetClockMs} ms of the run's clock (${Math.round(flagSetWallMs)} ms wall)`);
    await rig.runUntil(deadline(), () => recorder.pending === 0, converged);
    await rig.settle(fleet.stop());

    const flagSet = { clockMs: flagSetClockMs, wallMs: Math.round(flagSetWallMs), storeRequests: flagSetRequests, pointers: set.pointers.length };
    return { ...figures(recorder, setAt, flagSet, opts), frozen, clusterErrors: recorder.errorSummary(), rssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
  } finally {
    await rig.settle(fleet.stop());
  }
}

/** The run's settings and figures from what the recorder saw of the override's "commit": each cluster's pointer write and applied report. */
function figures(
  recorder: FleetRecorder,
  setAt: number,
  flagSet: Omit<KillSwitchBenchResult['flagSet'], 'firstPointerMs' | 'lastPointerMs'>,
  opts: KillSwitchBenchOptions,
): Omit<KillSwitchBenchResult, 'frozen' | 'clusterErrors' | 'rssMB'> {
  const times = [...recorder.commitTimes().values()];
  const pointerAt = times.map((e) => e.publishedAt - setAt);
  const sinceWrite = times.map((e) => (e.convergedAt === undefined ? undefined : e.convergedAt - e.publishedAt));
  const fromPointer = killSwitchPropagation(0, sinceWrite, opts.intervalMs);
  return {
    virtual: opts.virtual,
    clusters: opts.clusters,
    intervalMs: opts.intervalMs,
    jitter: opts.jitter,
    seed: opts.seed,
    flag: { key: KILL_SWITCH.key, variant: KILL_SWITCH.variant, namespaces: KILL_SWITCH.namespaces },
    flagSet: { ...flagSet, firstPointerMs: pointerAt.length === 0 ? null : Math.min(...pointerAt), lastPointerMs: pointerAt.length === 0 ? null : Math.max(...pointerAt) },
    propagation: killSwitchPropagation(setAt, times.map((e) => e.convergedAt), opts.intervalMs),
    fromPointerMs: { p50: fromPointer.p50Ms, p99: fromPointer.p99Ms, max: fromPointer.maxMs },
  };
}
