/**
 * What `driftless bench --rollout --breach` measures: the `--json` document
 * ({@link BreachBenchResult}) and what `--out` writes ({@link BreachBenchReport}).
 */
import type { GoalFigure, RevertFigure } from './breach-figures.js';
import type { BenchMachine, MedianMax, RolloutRunSettings } from './rollout-result.js';
import type { StepSample } from './rollout-stepper.js';

/** The `--json` document of the metric-gate scenario. */
export interface BreachBenchResult extends RolloutRunSettings {
  /** The check gating the ring, as fleet.yaml says it. */
  readonly check: { readonly name: string; readonly query: string; readonly max: number; readonly forMs: number };
  /** The released ring, its clusters, and those whose simulated error rate breaches. */
  readonly ring: { readonly name: string; readonly clusters: number; readonly breaching: number };
  /** ms from the release's commit to the breach's start (every ring cluster had applied it); null when it never started. */
  readonly breachStartMs: number | null;
  readonly haltReason: string | null;
  /** From the breach's start to the end of the halting step (goal: `for` plus one step). */
  readonly breachToHalt: GoalFigure;
  /** From the halt to 99 % of the reverted clusters reporting their last good bundle applied (goal: one interval plus 2 s). */
  readonly haltToReverted: RevertFigure;
  /** Queries the simulated metric source answered over the run. */
  readonly metricQueries: number;
  readonly steps: { readonly count: number; readonly wallMs: MedianMax; readonly errors: number };
  readonly clusterErrors: { readonly total: number; readonly top: readonly { readonly message: string; readonly count: number }[] };
  readonly rssMB: number;
}

/** What `--out DIR` writes to `DIR/breach.json`: the result, the run's circumstances and every step. */
export interface BreachBenchReport extends BreachBenchResult {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: BenchMachine;
  readonly stepSamples: readonly StepSample[];
}

/** The markdown summary `--out` writes beside the JSON (`DIR/breach.md`). */
export function breachMarkdown(r: BreachBenchReport): string {
  const s = (v: number | null): string => (v === null ? 'never' : `${(v / 1000).toFixed(1)} s`);
  const verdict = (f: GoalFigure): string => `${s(f.ms)} (goal <= ${s(f.goalMs)}: **${f.met ? 'met' : 'missed'}**)`;
  const h = r.haltToReverted;
  return [
    `# Metric-gate bench: ${r.clusters} clusters, ${r.virtual ? 'virtual time' : 'real time (MinIO)'}`,
    '',
    `Started ${r.startedAt}; interval ${r.intervalMs} ms (jitter ${r.jitter}), step every ${r.stepMs} ms, soak ${r.soakMs} ms, seed ${r.seed}.`,
    `Machine: ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGB} GB, Node ${r.machine.node}, load ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}.`,
    `Check ${r.check.name} on ${r.ring.name} (${r.ring.clusters} clusters, ${r.ring.breaching} breaching): \`${r.check.query}\` max ${r.check.max} for ${r.check.forMs} ms; onFailure: revert.`,
    '',
    `Breach started ${s(r.breachStartMs)} after the release's commit.`,
    `Breach to halt: ${verdict(r.breachToHalt)}. Reason: ${r.haltReason ?? 'no halt'}.`,
    `Halt to 99 % of ${h.reverted} reverted clusters back on their last good bundle (${h.back} back): ${verdict(h)}; median ${s(h.medianMs)}, last ${s(h.maxMs)}.`,
    '',
    `Steps: ${r.steps.count}; wall median ${r.steps.wallMs.median} ms, max ${r.steps.wallMs.max} ms; errors ${r.steps.errors}. Metric queries: ${r.metricQueries}.`,
    '',
  ].join('\n');
}
