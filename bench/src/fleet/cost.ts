/**
 * The bench report's cost line: what an idle fleet's requests come to per
 * month at the default poll interval, and what the store's cost at S3 list
 * prices. Pure: the bench measures, these functions scale and price.
 */

/**
 * S3 Standard request prices, USD per 1,000 requests: the AWS S3 pricing
 * page's list prices for us-east-1 (no free tier, no discount), as given in
 * issue 18 and recorded here on `asOf`. LIST is billed at the PUT rate. Other
 * regions and negotiated prices differ: change this one constant.
 */
export const S3_LIST_PRICES = {
  source: 'AWS S3 pricing page, S3 Standard, us-east-1, list prices',
  asOf: '2026-12-01',
  getPer1000Usd: 0.0004,
  putPer1000Usd: 0.005,
} as const;

export type RequestPrices = Pick<typeof S3_LIST_PRICES, 'getPer1000Usd' | 'putPer1000Usd'>;

/** The agent's default poll interval (`intervalMs` in agent-config), the interval the cost line is stated at. */
export const DEFAULT_INTERVAL_MS = 30_000;

/** A month as cloud bills count it: 730 hours. */
export const MONTH_MS = 730 * 3_600_000;

/** The agent's default heartbeat (`heartbeatMs` in agent-config): an idle agent writes its status at least this often. */
export const DEFAULT_HEARTBEAT_MS = 300_000;

/** What the steady-state window measured, per cluster. */
export interface IdleRequests {
  /** Store GETs (200, 304 and 404) per cluster per poll interval: one pointer read per pass. */
  readonly storeGetPerInterval: number;
  /** Store PUTs (status writes, heartbeats included) per cluster per hour of the window: they follow the heartbeat, not the interval. */
  readonly storePutPerHour: number;
  /** Store LISTs per cluster per poll interval (billed as PUTs). */
  readonly storeListPerInterval: number;
  /** Requests the git server answered per cluster per poll interval (git mode: each fetch's). */
  readonly gitPerInterval: number;
}

/** Requests per cluster per month and their price, per cluster and for the fleet measured. */
export interface MonthlyRequests {
  readonly getPerClusterPerMonth: number;
  readonly putPerClusterPerMonth: number;
  readonly usdPerClusterPerMonth: number;
  readonly usdFleetPerMonth: number;
}

/** The cost line of one bench run (the `cost` field of the `--json` document). */
export interface CostLine {
  readonly intervalMs: number;
  readonly clusters: number;
  readonly prices: typeof S3_LIST_PRICES;
  /** The clusters' store requests (bundle mode; zeros in git mode), LISTs counted with the PUTs as they are billed. */
  readonly store: MonthlyRequests & {
    /** `measured`: the window's PUT rate; `heartbeat`: the window was too short to see every heartbeat, so one status write per default heartbeat. */
    readonly putsFrom: 'measured' | 'heartbeat';
  };
  /**
   * The clusters' git requests (git mode; zeros in bundle mode), priced as if
   * each were an S3 GET: a git host does not bill per request, so the dollars
   * only put the two modes' request counts on one scale (its real cost is the
   * server's CPU, which `git.serverCpuMs` no longer includes since the git
   * server runs in a process of its own: its `git http-backend` children are
   * not this process's).
   */
  readonly git: MonthlyRequests;
}

/**
 * The cost line of an idle fleet of `clusters` polling every
 * {@link DEFAULT_INTERVAL_MS}: GETs scale with passes (per interval), PUTs with
 * time (per hour). An idle agent writes its status at least once per default
 * heartbeat, so a window that saw fewer PUTs (shorter than a heartbeat, right
 * after every cluster wrote) is raised to that floor.
 */
export function costLine(clusters: number, idle: IdleRequests, prices: typeof S3_LIST_PRICES = S3_LIST_PRICES): CostLine {
  const intervalsPerMonth = MONTH_MS / DEFAULT_INTERVAL_MS;
  const heartbeatPutsPerHour = 3_600_000 / DEFAULT_HEARTBEAT_MS;
  // No store GETs: no agent polls the store (git mode), so there is no heartbeat to add either.
  const putsFrom = idle.storePutPerHour >= heartbeatPutsPerHour || idle.storeGetPerInterval === 0 ? 'measured' : 'heartbeat';
  const putPerHour = putsFrom === 'measured' ? idle.storePutPerHour : heartbeatPutsPerHour;
  const store = monthly(clusters, idle.storeGetPerInterval * intervalsPerMonth, putPerHour * 730 + idle.storeListPerInterval * intervalsPerMonth, prices);
  const git = monthly(clusters, idle.gitPerInterval * intervalsPerMonth, 0, prices);
  return { intervalMs: DEFAULT_INTERVAL_MS, clusters, prices, store: { ...store, putsFrom }, git };
}

/** `get` and `put` requests per cluster per month, priced. */
export function monthly(clusters: number, get: number, put: number, prices: RequestPrices): MonthlyRequests {
  const perCluster = (get * prices.getPer1000Usd + put * prices.putPer1000Usd) / 1000;
  return {
    getPerClusterPerMonth: Math.round(get),
    putPerClusterPerMonth: Math.round(put),
    usdPerClusterPerMonth: roundUsd(perCluster),
    usdFleetPerMonth: roundUsd(perCluster * clusters),
  };
}

/** One line for a reader: both modes' monthly requests and dollars, with the prices' source. */
export function formatCostLine(c: CostLine): string {
  const usd = (x: number): string => `$${x.toFixed(x < 1 ? 4 : 2)}`;
  const n = (x: number): string => x.toLocaleString('en-US');
  const at = `${c.intervalMs / 1000}s interval`;
  const s = c.store;
  const g = c.git;
  return (
    `cost per month at the ${at}: store ${n(s.getPerClusterPerMonth)} GET + ${n(s.putPerClusterPerMonth)} PUT per cluster` +
    `${s.putsFrom === 'heartbeat' ? ' (PUTs: one per 5 min heartbeat)' : ''} = ${usd(s.usdPerClusterPerMonth)} per cluster, ${usd(s.usdFleetPerMonth)} for ${n(c.clusters)} clusters; ` +
    `git ${n(g.getPerClusterPerMonth)} requests per cluster = ${usd(g.usdPerClusterPerMonth)} per cluster, ${usd(g.usdFleetPerMonth)} for ${n(c.clusters)} clusters if priced as S3 GETs ` +
    `(${c.prices.source}, as of ${c.prices.asOf}: GET $${c.prices.getPer1000Usd}, PUT $${c.prices.putPer1000Usd} per 1,000)`
  );
}

/** Dollars to 1/10,000 of a cent: a cluster's month can be a fraction of a cent. */
const roundUsd = (x: number): number => Math.round(x * 1e6) / 1e6;
