/**
 * What `driftless bench --previews` measures: the `--json` document
 * ({@link PreviewsBenchResult}) and what `--out` writes ({@link PreviewsBenchReport}).
 */
import type { PreviewFigure } from './previews-figures.js';
import type { BenchMachine } from './rollout-result.js';

/** One host's times, ms after the push (pointer, applied) or the delete (pointer cleared, gone); null when never seen. */
export interface PreviewHostTimes {
  readonly cluster: string;
  readonly pointerMs: number | null;
  readonly appliedMs: number | null;
  readonly pointerClearedMs: number | null;
  readonly goneMs: number | null;
}

/** Median and max, ms; null when no host got there. */
export interface MedianMax {
  readonly p50: number | null;
  readonly max: number | null;
}

/** The `--json` document of the previews scenario. */
export interface PreviewsBenchResult {
  readonly virtual: true;
  readonly clusters: number;
  /** The preview hosts (clusters labelled `previews: "true"`). */
  readonly hosts: readonly string[];
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  /** The hub's poll (`hub serve --poll`), ms. */
  readonly pollMs: number;
  readonly branch: string;
  readonly app: string;
  readonly namespace: string;
  /** When the push and the delete happened, ms after the hub's first compile started (each one drawn uniformly within a poll interval). */
  readonly pushAtMs: number;
  readonly deleteAtMs: number;
  /** From the push to each host's status reporting the preview's app Applied with its pointer's previews bundle. */
  readonly pushToApplied: PreviewFigure;
  /** From the branch deletion to the preview namespace gone from each host's API. */
  readonly deleteToGone: PreviewFigure;
  /** The hub's share: from the push to each host pointer naming the previews bundle. */
  readonly pushToPointerMs: MedianMax;
  /** The hub's share: from the delete to each host pointer without it. */
  readonly deleteToPointerMs: MedianMax;
  readonly perHost: readonly PreviewHostTimes[];
  /** Preview cycles the hub's poll ran, and how many failed. */
  readonly previewCycles: { readonly runs: number; readonly failed: number; readonly lastError?: string };
  readonly clusterErrors: { readonly total: number; readonly top: readonly { readonly message: string; readonly count: number }[] };
  readonly rssMB: number;
}

/** What `--out DIR` writes to `DIR/previews.json`: the result and the run's circumstances. */
export interface PreviewsBenchReport extends PreviewsBenchResult {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: BenchMachine;
}

/** The markdown summary `--out` writes beside the JSON (`DIR/previews.md`). */
export function previewsMarkdown(r: PreviewsBenchReport): string {
  const s = (v: number | null): string => (v === null ? 'never' : `${(v / 1000).toFixed(1)} s`);
  const line = (name: string, f: PreviewFigure): string =>
    `${name}, ${f.reached} of ${f.hosts} hosts: p50 ${s(f.p50Ms)}, p99 ${s(f.p99Ms)}, max ${s(f.maxMs)} (goal <= ${s(f.goalMs)} on every host: **${f.met ? 'MET' : 'MISSED'}**).`;
  return [
    `# Previews bench: ${r.clusters} clusters, ${r.hosts.length} preview hosts, virtual time`,
    '',
    `Started ${r.startedAt}; hub poll ${r.pollMs} ms; agent interval ${r.intervalMs} ms (jitter ${r.jitter}), seed ${r.seed}.`,
    `Machine: ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGB} GB, Node ${r.machine.node}, load ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}.`,
    `Branch ${r.branch} (app ${r.app} in ${r.namespace}) pushed ${s(r.pushAtMs)} and deleted ${s(r.deleteAtMs)} after the hub's first compile.`,
    '',
    line('Push to preview Applied', r.pushToApplied),
    line('Branch deleted to namespace gone', r.deleteToGone),
    `The hub's share: push to host pointer p50 ${s(r.pushToPointerMs.p50)}, max ${s(r.pushToPointerMs.max)}; delete to pointer cleared p50 ${s(r.deleteToPointerMs.p50)}, max ${s(r.deleteToPointerMs.max)}.`,
    `Preview cycles: ${r.previewCycles.runs} (${r.previewCycles.failed} failed). Cluster errors: ${r.clusterErrors.total}.`,
    '',
  ].join('\n');
}
