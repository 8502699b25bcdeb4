/**
 * What `driftless bench --rollout` measures: the `--json` document
 * ({@link RolloutBenchResult}) and what `--out` writes ({@link RolloutBenchReport}).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import type { StepSample } from './rollout-stepper.js';

/** The machine a report was measured on. */
export interface BenchMachine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGB: number;
  readonly node: string;
  readonly loadAverage: readonly number[];
}

/** This machine, now (load average at the call). */
export function benchMachine(): BenchMachine {
  const cpu = cpus();
  return { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage: loadavg() };
}

/** One ring of the measured release: ms from the commit (the compile's start) on the run's clock. */
export interface RingTiming {
  readonly name: string;
  readonly clusters: number;
  /** When its first cluster reported the new bundle applied. */
  readonly firstAppliedMs: number | null;
  /** When its last cluster did: the ring fully applied. null when some cluster never did. */
  readonly fullyAppliedMs: number | null;
}

/** Median and max, ms. */
export interface MedianMax {
  readonly median: number;
  readonly max: number;
}

/** How a rollout bench ran: the first fields of every rollout bench's `--json` document. */
export interface RolloutRunSettings {
  readonly virtual: boolean;
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly stepMs: number;
  readonly soakMs: number;
  readonly seed: number;
}

/** The settings a run reports, from its options and the step and soak it used. */
export function runSettings(opts: Omit<RolloutRunSettings, 'stepMs' | 'soakMs'>, stepMs: number, soakMs: number): RolloutRunSettings {
  return { virtual: opts.virtual, clusters: opts.clusters, intervalMs: opts.intervalMs, jitter: opts.jitter, stepMs, soakMs, seed: opts.seed };
}

/** The `--json` document. */
export interface RolloutBenchResult extends RolloutRunSettings {
  /** Worker threads that ran the simulated clusters: virtual mode's shards (at least 1); real mode's pool (0: the main thread). */
  readonly workers: number;
  /** The measured release (every cluster's bundle changes): per ring, from commit to fully applied. */
  readonly release: { readonly rings: readonly RingTiming[]; readonly completedMs: number | null };
  /** The second release, with one cluster of ring 0 whose Kubernetes API refuses every write. */
  readonly halt: {
    readonly cluster: string;
    /** ms from that release's commit to the failing status write; null when none was written. */
    readonly failingStatusMs: number | null;
    /** ms from the failing status write to the end of the step that halted; null when it did not halt. */
    readonly haltAfterMs: number | null;
    /** Steps that started after the failing status was written, the halting one included (goal: 1). */
    readonly stepsToHalt: number | null;
    readonly reason: string | null;
  };
  /** Every step of the run. */
  readonly steps: {
    readonly count: number;
    readonly wallMs: MedianMax;
    /** Steps that moved no pointer (reading statuses and deciding only). */
    readonly wallMsNoMoves: MedianMax;
    readonly listPages: MedianMax;
    readonly statusGets: MedianMax;
    readonly storeRequests: MedianMax;
    readonly errors: number;
  };
  /** The steps of two poll intervals after the measured release completed, and the status writes meanwhile (the last applies' and heartbeats). */
  readonly idle: { readonly steps: number; readonly statusGets: number; readonly statusWrites: number; readonly lastStepStatusGets: number };
  /** Errors the simulated clusters logged (the failing cluster's refused writes among them). */
  readonly clusterErrors: { readonly total: number; readonly top: readonly { readonly message: string; readonly count: number }[] };
  readonly rssMB: number;
}

/** What `--out DIR` writes to `DIR/rollout.json`: the result, the run's circumstances and every step. */
export interface RolloutBenchReport extends RolloutBenchResult {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: BenchMachine;
  readonly stepSamples: readonly StepSample[];
}

/** Median (lower) and max of `values`; zeros when empty. */
export function medianMax(values: readonly number[]): MedianMax {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

/** The markdown summary `--out` writes beside the JSON (`DIR/rollout.md`). */
export function rolloutMarkdown(r: RolloutBenchReport): string {
  const ms = (v: number | null): string => (v === null ? 'never' : `${(v / 1000).toFixed(1)} s`);
  const rings = r.release.rings.map((g) => `| ${g.name} | ${g.clusters} | ${ms(g.firstAppliedMs)} | ${ms(g.fullyAppliedMs)} |`);
  const s = r.steps;
  return [
    `# Rollout bench: ${r.clusters} clusters, ${r.virtual ? 'virtual time' : 'real time (MinIO)'}`,
    '',
    `Started ${r.startedAt}; interval ${r.intervalMs} ms, step every ${r.stepMs} ms, soak ${r.soakMs} ms, seed ${r.seed}.`,
    `Machine: ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGB} GB, Node ${r.machine.node}, load ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}.`,
    '',
    '| ring | clusters | commit to first applied | commit to fully applied |',
    '| --- | ---: | ---: | ---: |',
    ...rings,
    '',
    `Release completed ${ms(r.release.completedMs)} after its commit.`,
    `Halt: ${r.halt.cluster} failing at ${ms(r.halt.failingStatusMs)}; halted ${r.halt.stepsToHalt ?? 'never'} step(s) and ${ms(r.halt.haltAfterMs)} later.`,
    '',
    `Steps: ${s.count}; wall median ${s.wallMs.median} ms, max ${s.wallMs.max} ms (without pointer moves: ${s.wallMsNoMoves.median} / ${s.wallMsNoMoves.max} ms);`,
    `per step: list pages ${s.listPages.median} (max ${s.listPages.max}), status GETs ${s.statusGets.median} (max ${s.statusGets.max}), store requests ${s.storeRequests.median} (max ${s.storeRequests.max}); errors ${s.errors}.`,
    `Idle interval: ${r.idle.steps} steps, ${r.idle.statusGets} status GETs for ${r.idle.statusWrites} status writes; its last step ${r.idle.lastStepStatusGets} GETs.`,
    '',
  ].join('\n');
}
