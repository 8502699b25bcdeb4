import type { Percentiles } from './result.js';

/** One event of a run, for the determinism check: same seed, same trace. */
export interface TraceEvent {
  /** ms since the run started. */
  readonly at: number;
  readonly what: 'publish' | 'applied';
  readonly cluster: string;
  readonly digest: string;
}

interface Expectation {
  readonly digest: string;
  readonly publishedAt: number;
  convergedAt?: number;
}

/**
 * Collects what a fleet run measures, from events the simulated clusters and
 * the hub report as they happen: for each commit, which clusters must apply
 * which digest and when it was published, and when each one applied it;
 * request counts per time bucket; fetch-and-apply durations. Pure
 * bookkeeping: times come from the caller's clock.
 */
export class FleetRecorder {
  private readonly commits: Map<string, Expectation>[] = [];
  private readonly fetchApply: number[] = [];
  private readonly storeBuckets: number[] = [];
  private readonly gitBuckets: number[] = [];
  private waiting = 0;
  /** What each cluster last reported applied, and when: a report can arrive before the publish it answers is registered. */
  private readonly lastApplied = new Map<string, { readonly digest: string; readonly at: number }>();
  private readonly errors = new Map<string, number>();
  private errorTotal = 0;
  private readonly listeners = new Set<() => void>();
  readonly trace: TraceEvent[] | undefined;

  constructor(
    private readonly startedAt: number,
    readonly bucketMs: number,
    opts: { readonly trace?: boolean } = {},
  ) {
    this.trace = opts.trace ? [] : undefined;
  }

  /** Starts a commit: from now on {@link published} adds clusters that must apply it. Returns its index. */
  beginCommit(): number {
    this.commits.push(new Map());
    return this.commits.length - 1;
  }

  /** The hub published `digest` for `cluster` (bundle mode: its pointer write completed; git mode: the push) at `at`. */
  published(cluster: string, digest: string, at: number): void {
    const current = this.commits[this.commits.length - 1];
    if (!current) throw new Error('published before beginCommit');
    const before = current.get(cluster);
    // A cluster published twice in one commit is still one cluster to wait for.
    if (!before || before.convergedAt !== undefined) this.waiting += 1;
    const expectation: Expectation = { digest, publishedAt: at };
    current.set(cluster, expectation);
    this.trace?.push({ at: at - this.startedAt, what: 'publish', cluster, digest });
    // Already applied: its report raced the registration (git mode compiles after the push;
    // a worker's batch can overtake the hub's write completing).
    const last = this.lastApplied.get(cluster);
    if (last?.digest === digest) this.converge(expectation, Math.max(last.at, at));
  }

  /** `cluster` reported `digest` applied at `at` (bundle mode: its status write completed). */
  applied(cluster: string, digest: string, at: number): void {
    this.trace?.push({ at: at - this.startedAt, what: 'applied', cluster, digest });
    this.lastApplied.set(cluster, { digest, at });
    const want = this.commits[this.commits.length - 1]?.get(cluster);
    if (want?.digest === digest) this.converge(want, at);
  }

  private converge(want: Expectation, at: number): void {
    if (want.convergedAt !== undefined) return;
    want.convergedAt = at;
    this.waiting -= 1;
    for (const listener of this.listeners) listener();
  }

  /** A cluster saw a new pointer and applied it: `ms` from the start of the read that found it to the status write. */
  fetchedAndApplied(ms: number): void {
    this.fetchApply.push(ms);
  }

  /** A simulated cluster logged an error; counted by message, with the cluster's name taken out. */
  error(cluster: string, message: string): void {
    this.errorTotal += 1;
    const key = message.split(cluster).join('<cluster>').slice(0, 300);
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** Errors the clusters logged: the total and the most frequent messages. */
  errorSummary(): { total: number; top: { message: string; count: number }[] } {
    const top = [...this.errors].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([message, count]) => ({ message, count }));
    return { total: this.errorTotal, top };
  }

  /** Clusters of the current commit that have not applied it yet. */
  get pending(): number {
    return this.waiting;
  }

  /** The current commit so far: clusters that must apply it, how many did, and their convergence percentiles. */
  progress(): { total: number; applied: number; percentiles: Percentiles } {
    const current = this.commits[this.commits.length - 1] ?? new Map<string, Expectation>();
    const done: number[] = [];
    for (const e of current.values()) if (e.convergedAt !== undefined) done.push(Math.max(0, e.convergedAt - e.publishedAt));
    return { total: current.size, applied: done.length, percentiles: percentiles(done.sort((a, b) => a - b)) };
  }

  /**
   * The current commit's clusters: when each one's pointer was written and,
   * once it reported the bundle applied, when (the rollout bench groups them by ring).
   */
  commitTimes(): Map<string, { readonly publishedAt: number; readonly convergedAt?: number }> {
    const current = this.commits[this.commits.length - 1] ?? new Map<string, Expectation>();
    return new Map([...current].map(([cluster, e]) => [cluster, { publishedAt: e.publishedAt, ...(e.convergedAt !== undefined ? { convergedAt: e.convergedAt } : {}) }]));
  }

  /** Calls `fn` after every convergence; returns the unsubscribe function. */
  onConverged(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Counts `n` requests at `at` to the object store or the git server. */
  request(to: 'store' | 'git', at: number, n = 1): void {
    const buckets = to === 'store' ? this.storeBuckets : this.gitBuckets;
    const i = Math.max(0, Math.floor((at - this.startedAt) / this.bucketMs));
    while (buckets.length <= i) buckets.push(0);
    buckets[i] = (buckets[i] ?? 0) + n;
  }

  /**
   * Convergence of the measured commits (every commit but the first, which
   * only brings the fleet up): samples ascending, their percentiles, and how
   * many clusters missed at least one of them.
   */
  convergence(): { samples: number[]; percentiles: Percentiles; failedClusters: number } {
    const failed = new Set<string>();
    const samples: number[] = [];
    for (const commit of this.commits.slice(1)) {
      for (const [cluster, e] of commit) {
        if (e.convergedAt === undefined) failed.add(cluster);
        else samples.push(Math.max(0, e.convergedAt - e.publishedAt));
      }
    }
    samples.sort((a, b) => a - b);
    return { samples, percentiles: percentiles(samples), failedClusters: failed.size };
  }

  /** Fetch-and-apply durations, ascending. */
  fetchApplyMs(): Percentiles {
    return percentiles([...this.fetchApply].sort((a, b) => a - b));
  }

  timeline(): { bucketMs: number; git: number[]; store: number[] } {
    const n = Math.max(this.storeBuckets.length, this.gitBuckets.length);
    const pad = (a: number[]): number[] => [...a, ...new Array<number>(n - a.length).fill(0)];
    return { bucketMs: this.bucketMs, git: pad(this.gitBuckets), store: pad(this.storeBuckets) };
  }
}

/** Nearest-rank percentiles of ascending samples; zeros when there are none. */
export function percentiles(sorted: readonly number[]): Percentiles {
  const at = (q: number): number => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0));
  return { p50: Math.round(at(0.5)), p90: Math.round(at(0.9)), p99: Math.round(at(0.99)), max: Math.round(at(1)) };
}
