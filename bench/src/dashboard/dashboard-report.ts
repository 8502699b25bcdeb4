/** The goal of issue 17: the overview's first meaningful paint at 10,000 clusters, ms. */
export const PAINT_GOAL_MS = 2_000;
/** The fleet size the goal is stated at. */
export const PAINT_GOAL_CLUSTERS = 10_000;

/** One page load: ms from navigation start to the FLEET_PAINTED_MARK, or undefined when it never came. */
export type PaintFigure = number | undefined;

/** What runDashboardBench measured. */
export interface DashboardBenchMeasures {
  readonly clusters: number;
  /** `file:` or `s3:` (MinIO). */
  readonly store: 'file' | 's3';
  /** Writing the fleet's documents, ms. */
  readonly seedMs: number;
  /** How long the bench waited for the paint mark of each load, ms. */
  readonly paintTimeoutMs: number;
  /** The first load, in a fresh browser, and the server's first summary build before it (hub serve builds it at start). */
  readonly first: { readonly paintMs: PaintFigure; readonly summaryBuildMs: number };
  /** The loads after it, each in a fresh page (the server's summary and the browser's cache warm). */
  readonly warm: readonly PaintFigure[];
  /** One refresh of the summary after one cluster's status changed: store requests by operation, and whether the answer showed the change. */
  readonly refresh: { readonly requests: Readonly<Record<string, number>>; readonly reflected: boolean };
}

/** The report: the measures and the verdict against the goal. */
export interface DashboardBenchReport extends DashboardBenchMeasures {
  readonly goal: {
    readonly maxPaintMs: number;
    readonly atClusters: number;
    /** The slowest load's paint (the first included); undefined when a load never painted. */
    readonly worstPaintMs: PaintFigure;
    readonly verdict: 'MET' | 'MISS';
    /** Why it missed, or a caveat (a fleet smaller than the goal's). */
    readonly note?: string;
  };
}

/** The report for `m` (pure): MET when every load painted within PAINT_GOAL_MS. */
export function dashboardBenchReport(m: DashboardBenchMeasures): DashboardBenchReport {
  const loads = [m.first.paintMs, ...m.warm];
  const painted = loads.filter((p): p is number => p !== undefined);
  const missing = loads.length - painted.length;
  const worstPaintMs = missing > 0 ? undefined : Math.max(...painted);
  const verdict = worstPaintMs !== undefined && worstPaintMs <= PAINT_GOAL_MS ? 'MET' : 'MISS';
  const notes: string[] = [];
  if (missing > 0) notes.push(`${missing} of ${loads.length} loads: no paint mark within ${Math.round(m.paintTimeoutMs / 1000)} s`);
  else if (verdict === 'MISS') notes.push(`the slowest load painted in ${worstPaintMs} ms`);
  if (m.clusters < PAINT_GOAL_CLUSTERS) notes.push(`measured at ${m.clusters} clusters, the goal is stated at ${PAINT_GOAL_CLUSTERS.toLocaleString('en-US')}`);
  return { ...m, goal: { maxPaintMs: PAINT_GOAL_MS, atClusters: PAINT_GOAL_CLUSTERS, worstPaintMs, verdict, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) } };
}

/** The report as `driftless bench --dashboard` prints it. */
export function formatDashboardReport(r: DashboardBenchReport): string {
  const ms = (v: PaintFigure): string => (v === undefined ? `no paint mark within ${Math.round(r.paintTimeoutMs / 1000)} s` : `${Math.round(v)} ms`);
  const warm = r.warm.filter((p): p is number => p !== undefined).sort((a, b) => a - b);
  const warmLine =
    warm.length === r.warm.length && warm.length > 0
      ? `first paint median ${ms(warm[Math.floor((warm.length - 1) / 2)])}, max ${ms(warm[warm.length - 1])} (${warm.length} loads)`
      : r.warm.length === 0
        ? 'skipped: the first load did not paint'
        : r.warm.map(ms).join(', ');
  const requests = Object.entries(r.refresh.requests).filter(([, n]) => n > 0);
  const total = requests.reduce((sum, [, n]) => sum + n, 0);
  return [
    `dashboard bench: ${r.clusters} clusters in a ${r.store}: store (seeded in ${(r.seedMs / 1000).toFixed(1)} s)`,
    `  start       first fleet summary built in ${Math.round(r.first.summaryBuildMs)} ms (hub serve builds it before the first page asks)`,
    `  first load  first paint ${ms(r.first.paintMs)} (a fresh browser)`,
    `  warm loads  ${warmLine}`,
    `  refresh     one status changed: ${total} store requests (${requests.map(([op, n]) => `${op} ${n}`).join(', ') || 'none'}), the change ${r.refresh.reflected ? 'shown' : 'NOT shown'}`,
    `goal: first meaningful paint <= ${r.goal.maxPaintMs / 1000} s at ${r.goal.atClusters.toLocaleString('en-US')} clusters: ${r.goal.verdict}${r.goal.note ? ` (${r.goal.note})` : ''}`,
  ].join('\n');
}
