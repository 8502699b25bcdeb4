import type { IncomingMessage, ServerResponse } from 'node:http';
import { auditExportRow, listAll, parseLabelSelector, storeLayout, type AuditEntry, type Clock } from '@driftless/core';
import type { AuditLog } from '../audit/audit-log.js';
import { readFreeze } from '../control/freeze.js';
import { flagReport } from '../flags/flag-report.js';
import { listPreviews } from '../previews/preview-listing.js';
import { movedClusters } from '../rollout/rollout-status-document.js';
import { readCurrentRollout, readRollout } from '../rollout/rollout-store.js';
import type { StatusObserver } from '../rollout/status-observer.js';
import { ApiFailure, intParam, pathParam, sendJson } from './api-http.js';
import { CLUSTER_PHASES, type AuditPage, type ClusterPhase, type ControlState, type RolloutList, type WhoAmI } from './api-types.js';
import { clusterDetailOf } from './cluster-detail.js';
import type { DashboardDeps } from './dashboard-listener.js';
import { createFleetAnswers, type FleetAnswers } from './fleet-answers.js';
import type { FleetSummarySource } from './fleet-summary.js';
import { clusterPageOf, type FleetFilter } from './fleet-view.js';
import { rolloutViewOf } from './rollout-view.js';

/** What a read route is given. */
export interface ReadContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly user: string | undefined;
  readonly query: URLSearchParams;
}

/** What the read routes share: the dashboard's deps and its long-lived readers. */
export interface ReadDeps {
  readonly deps: DashboardDeps;
  readonly fleet: FleetSummarySource;
  readonly observer: StatusObserver;
  readonly audit: AuditLog;
}

type Route = (ctx: ReadContext) => Promise<void>;

/** The GET route for `path` (below /api/v1), or undefined when there is none (404). */
export function readRoute(r: ReadDeps, path: string): Route | undefined {
  const json = (fn: (ctx: ReadContext) => Promise<unknown>): Route => async (ctx) => sendJson(ctx.req, ctx.res, 200, await fn(ctx));
  const fixed: Record<string, Route> = {
    '/whoami': json(({ user }): Promise<WhoAmI> => Promise.resolve({ user: user ?? null, canWrite: user !== undefined, anonymousRead: r.deps.auth.anonymousRead ?? false })),
    '/fleet': (ctx) => fleet(r, ctx),
    '/control': json(async (): Promise<ControlState> => {
      const { frozen } = await r.fleet.snapshot();
      return frozen ? { frozen } : {};
    }),
    '/clusters': json(async ({ query }) => clusterPageOf(await r.fleet.snapshot(), filterOf(query), intParam(query, 'limit', 100, 1000), query.get('continue') ?? undefined)),
    '/rollouts': json(({ query }) => rolloutList(r, query)),
    '/rollouts/current': json(() => rolloutView(r, undefined)),
    '/flags': json(() => flagReport(r.deps.store, r.deps.clock)),
    '/previews': json(() => listPreviews(r.deps.store)),
    '/audit': json(({ query }) => auditPageOf(r.audit, query, { clock: r.deps.clock })),
    '/audit/export': (ctx) => auditExport(r, ctx),
  };
  const found = fixed[path];
  if (found) return found;
  const cluster = /^\/clusters\/([^/]+)$/.exec(path)?.[1];
  if (cluster !== undefined) {
    return json(async () => {
      const name = pathParam(cluster, 'cluster');
      return clusterDetailOf(r.deps.store, name, (await r.fleet.snapshot()).rows.find((row) => row.cluster === name));
    });
  }
  const id = /^\/rollouts\/([^/]+)$/.exec(path)?.[1];
  if (id !== undefined) return json(() => rolloutView(r, pathParam(id, 'rollout')));
  return undefined;
}

/** FILTER of api-types.ts from the query; 400 naming the parameter when it is not valid. */
export function filterOf(query: URLSearchParams): FleetFilter {
  const selector = query.get('selector');
  const ring = query.get('ring');
  const phase = query.get('phase');
  if (phase !== null && !CLUSTER_PHASES.includes(phase as ClusterPhase)) throw new ApiFailure(400, `query phase failed: ${JSON.stringify(phase)} is not one of ${CLUSTER_PHASES.join(', ')}`, 'InvalidRequest');
  let requirements;
  try {
    requirements = selector === null || selector.trim() === '' ? undefined : parseLabelSelector(selector);
  } catch (err) {
    throw new ApiFailure(400, `query selector failed: ${(err as Error).message}`, 'InvalidRequest');
  }
  return { ...(requirements ? { selector: requirements } : {}), ...(ring ? { ring } : {}), ...(phase ? { phase: phase as ClusterPhase } : {}) };
}

/** GET /fleet's memoised answers, one memo per dashboard (its fleet summary). */
const answersByFleet = new WeakMap<FleetSummarySource, FleetAnswers>();

/** GET /fleet: the summary with an ETag of its content (the refresh time left out), 304 when the client has it; memoised per snapshot and filter. */
async function fleet(r: ReadDeps, { req, res, query }: ReadContext): Promise<void> {
  const filter = filterOf(query);
  let answers = answersByFleet.get(r.fleet);
  if (!answers) answersByFleet.set(r.fleet, (answers = createFleetAnswers()));
  const { etag, bytes } = answers.answer(await r.fleet.snapshot(), filter);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag, 'cache-control': 'no-cache' });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(bytes.length), etag, 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/**
 * GET /rollouts: the newest `limit` rollouts. Ids sort by start time
 * (rolloutId), so one listing picks them and only their documents are read.
 * The tie: rolloutId keeps whole seconds, then the revision, so two rollouts
 * started in the same second sort by revision; when `limit` falls between
 * them the later-started one may be the one left out. The items answered are
 * ordered by `createdAt` (milliseconds), then id. Only `rollouts/<id>.json`
 * counts: a key nested deeper is no rollout document.
 */
async function rolloutList(r: ReadDeps, query: URLSearchParams): Promise<RolloutList> {
  const limit = intParam(query, 'limit', 50, 500);
  const current = await readCurrentRollout(r.deps.store);
  const ids: string[] = [];
  for await (const key of listAll(r.deps.store, storeLayout.rolloutsPrefix)) {
    const id = /^rollouts\/([^/]+)\.json$/.exec(key)?.[1];
    if (id !== undefined && key !== storeLayout.currentRollout) ids.push(id);
  }
  ids.sort().reverse();
  const docs = await Promise.all(ids.slice(0, limit).map((id) => readRollout(r.deps.store, id)));
  const items = docs.flatMap((d) => (d ? [{ id: d.doc.id, revision: d.doc.revision, phase: d.doc.phase, createdAt: d.doc.createdAt, updatedAt: d.doc.updatedAt }] : []));
  items.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
  return { ...(current ? { current: current.doc.id } : {}), items, truncated: ids.length > limit };
}

/** The rollout `id` (the current one when undefined) as a RolloutView; 404 when there is none. */
async function rolloutView(r: ReadDeps, id: string | undefined) {
  const currentId = (await readCurrentRollout(r.deps.store))?.doc.id;
  const wanted = id ?? currentId;
  const read = wanted === undefined ? undefined : await readRollout(r.deps.store, wanted);
  if (!read) throw new ApiFailure(404, id === undefined ? 'rollout current read failed: no rollout was ever started' : `rollout ${id} read failed: there is no such rollout`, 'NotFound');
  const [freeze, statuses] = await Promise.all([readFreeze(r.deps.store), r.observer.observe(movedClusters(read.doc))]);
  return rolloutViewOf(read.doc, freeze, statuses, read.doc.id === currentId);
}

/** AUDIT_FILTER of api-types.ts: a predicate and the `since` it bounds the read with (ms). */
function auditFilterOf(query: URLSearchParams): { matches: (e: AuditEntry) => boolean; since?: number } {
  const actor = query.get('actor') || undefined;
  const action = query.get('action') || undefined;
  const subject = query.get('subject') || undefined;
  const sinceText = query.get('since') || undefined;
  const since = sinceText === undefined ? undefined : Date.parse(sinceText);
  if (since !== undefined && Number.isNaN(since)) throw new ApiFailure(400, `query since failed: ${JSON.stringify(sinceText)} is not an ISO 8601 time`, 'InvalidRequest');
  const matches = (e: AuditEntry): boolean =>
    (actor === undefined || e.actor === actor) && (action === undefined || e.action === action) && (subject === undefined || e.subject.includes(subject)) && (since === undefined || Date.parse(e.at) >= since);
  return { matches, ...(since !== undefined ? { since } : {}) };
}

/** Audit entries one GET /audit examines at most: a rare actor must not cost one GET per entry of the whole log. */
export const AUDIT_MAX_SCANNED = 1_000;

/** Time one GET /audit spends examining entries at most (ms), whichever of this and {@link AUDIT_MAX_SCANNED} comes first: a slow store must not hold a tab's request for minutes. */
export const AUDIT_SCAN_BUDGET_MS = 2_000;

/** How far one GET /audit reads: its clock (the dashboard's), and the two bounds (the defaults above unless given). */
export interface AuditScanBounds {
  readonly clock: Pick<Clock, 'now'>;
  readonly maxScanned?: number;
  readonly budgetMs?: number;
}

/**
 * GET /audit: the newest `limit` matching entries below `before` (when
 * given); reads back only as far as it must (entries' times never decrease)
 * and stops after `maxScanned` entries or `budgetMs` of `clock` time,
 * answering `truncated` with the cursor to go on from. It examines at least
 * one entry, so the cursor moves however slow the store.
 */
export async function auditPageOf(audit: Pick<AuditLog, 'newestFirst'>, query: URLSearchParams, bounds: AuditScanBounds): Promise<AuditPage> {
  const limit = intParam(query, 'limit', 200, 5000);
  const before = query.has('before') ? intParam(query, 'before', 1, Number.MAX_SAFE_INTEGER) : undefined;
  const { matches, since } = auditFilterOf(query);
  const { clock, maxScanned = AUDIT_MAX_SCANNED, budgetMs = AUDIT_SCAN_BUDGET_MS } = bounds;
  const started = clock.now();
  const entries: AuditEntry[] = [];
  let scanned = 0;
  for await (const e of audit.newestFirst(before === undefined ? {} : { before })) {
    if (since !== undefined && Date.parse(e.at) < since) break;
    if (scanned === maxScanned || (scanned > 0 && clock.now() - started >= budgetMs)) return { entries, truncated: true, before: e.seq + 1 };
    scanned += 1;
    if (!matches(e)) continue;
    if (entries.length === limit) return { entries, truncated: true, before: e.seq + 1 };
    entries.push(e);
  }
  return { entries, truncated: false };
}

/** GET /audit/export: the matching entries oldest first, one `driftless audit export` JSON row per line, page by page. */
async function auditExport(r: ReadDeps, { req, res, query }: ReadContext): Promise<void> {
  const { matches, since } = auditFilterOf(query);
  const pages = r.audit.pages(since === undefined ? {} : { since });
  // Read the first page before answering, so a failing store still gets a JSON error.
  const iterator = pages[Symbol.asyncIterator]();
  let next = await iterator.next();
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': 'attachment; filename="driftless-audit.jsonl"', 'cache-control': 'no-store' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  while (!next.done) {
    const lines = next.value.filter(matches).map((e) => `${JSON.stringify(auditExportRow(e))}\n`);
    if (lines.length > 0) res.write(lines.join(''));
    next = await iterator.next();
  }
  res.end();
}
