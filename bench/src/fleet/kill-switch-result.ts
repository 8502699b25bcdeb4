/**
 * What `driftless bench --kill-switch` measures: the `--json` document
 * ({@link KillSwitchBenchResult}) and what `--out` writes ({@link KillSwitchBenchReport}).
 */
import type { PropagationFigure } from './kill-switch-figures.js';
import type { BenchMachine } from './rollout-result.js';

/** The `--json` document of the kill-switch scenario. */
export interface KillSwitchBenchResult {
  readonly virtual: boolean;
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  /** The flag overridden, and to which variant (Git's default is the other). */
  readonly flag: { readonly key: string; readonly variant: string; readonly namespaces: readonly string[] };
  /** Whether the fleet was frozen when `flag set` ran (the override goes past the freeze). */
  readonly frozen: boolean;
  /** `setFlagOverride` itself: its duration on the run's clock and in wall time (virtual mode: the agents' work interleaved on the one thread), its store requests, and the pointers it moved. */
  readonly flagSet: { readonly clockMs: number; readonly wallMs: number; readonly storeRequests: number; readonly pointers: number; readonly firstPointerMs: number | null; readonly lastPointerMs: number | null };
  /** From `flag set` to each affected cluster's status reporting the overridden bundle applied (goal on the p99: one interval plus 2 s). */
  readonly propagation: PropagationFigure;
  /** The same, from each cluster's own pointer write: what the agents' polling adds to the republish. */
  readonly fromPointerMs: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  readonly clusterErrors: { readonly total: number; readonly top: readonly { readonly message: string; readonly count: number }[] };
  readonly rssMB: number;
}

/** What `--out DIR` writes to `DIR/kill-switch.json`: the result and the run's circumstances. */
export interface KillSwitchBenchReport extends KillSwitchBenchResult {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: BenchMachine;
}

/** The markdown summary `--out` writes beside the JSON (`DIR/kill-switch.md`). */
export function killSwitchMarkdown(r: KillSwitchBenchReport): string {
  const s = (v: number | null): string => (v === null ? 'never' : `${(v / 1000).toFixed(1)} s`);
  const p = r.propagation;
  const f = r.flagSet;
  return [
    `# Kill-switch bench: ${r.clusters} clusters, ${r.virtual ? 'virtual time' : 'real time (MinIO)'}`,
    '',
    `Started ${r.startedAt}; interval ${r.intervalMs} ms (jitter ${r.jitter}), seed ${r.seed}; fleet ${r.frozen ? 'frozen' : 'not frozen'}.`,
    `Machine: ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGB} GB, Node ${r.machine.node}, load ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}.`,
    `flag set ${r.flag.key} ${r.flag.variant} (namespaces ${r.flag.namespaces.join(', ')}).`,
    '',
    `flag set itself: ${s(f.clockMs)} on the run's clock, ${s(f.wallMs)} wall; ${f.storeRequests} store requests; ${f.pointers} pointers moved, the first ${s(f.firstPointerMs)} and the last ${s(f.lastPointerMs)} after it started.`,
    `flag set to applied, ${p.reached} of ${p.affected} clusters: p50 ${s(p.p50Ms)}, p99 ${s(p.p99Ms)} (goal <= ${s(p.goalMs)}: **${p.met ? 'met' : 'missed'}**), max ${s(p.maxMs)}.`,
    `Pointer write to applied: p50 ${s(r.fromPointerMs.p50)}, p99 ${s(r.fromPointerMs.p99)}, max ${s(r.fromPointerMs.max)}.`,
    `Cluster errors: ${r.clusterErrors.total}.`,
    '',
  ].join('\n');
}
