import type { AuditEntry, Freeze, Phase, Pointer, Status } from '@driftless/core';
import type { FlagReport } from '../flags/flag-report.js';
import type { PreviewListing } from '../previews/preview-listing.js';
import type { CheckStatus, RingStatus, RolloutStatusDocument } from '../rollout/rollout-status-document.js';

/*
 * The dashboard's JSON API, served by `driftless hub serve` under /api/v1 next
 * to the web UI at /. This file is the contract between the server
 * (api-routes.ts) and the browser code (hub/web): change both together.
 *
 * Reads (GET; HEAD too):
 *   /api/v1/whoami                   WhoAmI
 *   /api/v1/fleet?FILTER             FleetSummary (ETag; If-None-Match answers 304)
 *   /api/v1/control                  ControlState (the freeze, from the same snapshot as /fleet)
 *   /api/v1/clusters?FILTER&limit=&continue=   ClusterPage (limit default 100, max 1000)
 *   /api/v1/clusters/NAME            ClusterDetail
 *   /api/v1/rollouts?limit=          RolloutList, the newest `limit` (default 50, max 500)
 *   /api/v1/rollouts/current         RolloutView (404 when there is none)
 *   /api/v1/rollouts/ID              RolloutView
 *   /api/v1/flags                    FlagReport (hub/src/flags/flag-report.ts)
 *   /api/v1/previews                 PreviewListing (hub/src/previews/preview-listing.ts)
 *   /api/v1/audit?AUDIT_FILTER&limit=&before=   AuditPage, newest first (limit default 200, max 5000;
 *                                    at most 1000 entries or 2 s examined per request; before=SEQ goes on
 *                                    below an earlier answer's `before`)
 *   /api/v1/audit/export?AUDIT_FILTER   the matching entries oldest first as JSON lines
 *                                    (application/x-ndjson, an attachment), what
 *                                    `driftless audit export` writes for them
 *   FILTER: selector=<label selector, as kubectl -l>&ring=<name>&phase=<Phase|Unknown>, each optional
 *   AUDIT_FILTER: actor=&action=&subject=<substring>&since=<ISO 8601>, each optional
 *
 * Changes (POST, body JSON with a non-empty `reason`; Content-Type application/json):
 *   /api/v1/freeze                   {reason}                     -> MutationResult
 *   /api/v1/unfreeze                 {reason}                     -> MutationResult
 *   /api/v1/rollouts/current/approve {rollout, ring, reason}      -> MutationResult
 *   /api/v1/rollouts/current/halt    {rollout, reason}            -> MutationResult
 *   /api/v1/rollouts/current/resume  {rollout, reason}            -> MutationResult
 *     `rollout`: the id of the rollout the person saw (RolloutView.id); when
 *     another rollout is current now the answer is 409 RolloutSuperseded
 *     naming both, and nothing is written
 *   /api/v1/flags/NAME               {variant, reason, selector?} -> MutationResult (an override, as `driftless flag set`)
 *   /api/v1/flags/NAME/clear         {reason}                     -> MutationResult (as `driftless flag clear`)
 *
 * Auth: a request is made by a user when it carries `Authorization: Bearer
 * TOKEN` whose sha256 is in the --tokens file, or (with --trust-header NAME)
 * that header, set by an auth proxy. Every POST needs a user (else 401) and is
 * recorded in the audit log with that user as the actor. GETs need a user too
 * unless --anonymous-read. No GET changes anything. /healthz, /hooks/push and
 * the UI's static files (/, /ui/...) need no user.
 *
 * Errors: ApiError with 400 (bad query or body: says which field), 401 (no or
 * unknown credentials), 403 (a cross-site request: Origin is not this host),
 * 404, 405, 409 (the rollout or store refuses the change now: the message says
 * why), 415 (a POST that is not application/json), 500.
 */

/** Every error answer of the API. */
export interface ApiError {
  readonly error: string;
  /** The typed error's code when there is one (`RolloutCommandRefused`, `NotFound`, …). */
  readonly code?: string;
}

/** GET /api/v1/whoami: who the request is made by, and what it may do. */
export interface WhoAmI {
  /** The user the token or trusted header names; null for an anonymous reader. */
  readonly user: string | null;
  /** Whether this request's credentials may POST. */
  readonly canWrite: boolean;
  readonly anonymousRead: boolean;
}

/** A cluster's phase as the dashboard shows it: the agent's, or Unknown when it never reported. */
export type ClusterPhase = Phase | 'Unknown';

/** The order phases are listed and coloured in: worst first. Index into it in FleetGrid.phase. */
export const CLUSTER_PHASES: readonly ClusterPhase[] = ['Failed', 'Degraded', 'Stale', 'Unknown', 'Progressing', 'Applied'];

/**
 * The fleet overview's grid, column-wise so 10,000 clusters cost a few
 * hundred KiB of JSON: row i is cluster `names[i]` (sorted by name).
 */
export interface FleetGrid {
  readonly names: readonly string[];
  /** Index into CLUSTER_PHASES. */
  readonly phase: readonly number[];
  /** Index into FleetSummary.rings; -1 when the cluster has no ring. */
  readonly ring: readonly number[];
  /** Index into FleetSummary.revisions (the desired revision); -1 without a pointer. */
  readonly revision: readonly number[];
  /** 1 when the applied generation is behind the desired one, else 0. */
  readonly lagging: readonly number[];
}

/** GET /api/v1/fleet: counts and the grid, over the clusters the filter selects. */
export interface FleetSummary {
  /** When the server last brought its summary up to date (ISO 8601). */
  readonly refreshedAt: string;
  /** Present while the server cannot refresh the summary (the store fails): since when (ISO 8601) and why. The counts are those of refreshedAt. */
  readonly stale?: { readonly since: string; readonly error: string };
  /** Clusters selected (the whole fleet without a filter). */
  readonly total: number;
  /** Clusters in the fleet, filter or not. */
  readonly fleetTotal: number;
  readonly byPhase: Readonly<Partial<Record<ClusterPhase, number>>>;
  /** Desired revisions, most clusters first: the full git commit and how many clusters want it. */
  readonly byRevision: readonly { readonly revision: string; readonly clusters: number }[];
  /** Ring names in delivery order (the last published revision's rings); empty without spec.delivery. */
  readonly rings: readonly string[];
  readonly byRing: readonly { readonly ring: string; readonly clusters: number }[];
  /** Distinct desired revisions, FleetGrid.revision indexes into it. */
  readonly revisions: readonly string[];
  /** Every label key with its values seen in the fleet (for the filter's suggestions), sorted. */
  readonly labels: Readonly<Record<string, readonly string[]>>;
  readonly frozen?: Freeze;
  /** The current rollout in brief, when there is one. */
  readonly rollout?: { readonly id: string; readonly phase: RolloutStatusDocument['phase']; readonly revision: string };
  readonly grid: FleetGrid;
}

/** GET /api/v1/control: the fleet-wide controls (the freeze banner polls it). */
export interface ControlState {
  /** Present while the fleet is frozen. */
  readonly frozen?: Freeze;
}

/** One cluster in GET /api/v1/clusters: `driftless status`'s row, its ring and labels. */
export interface ClusterRow {
  readonly cluster: string;
  readonly phase: ClusterPhase;
  readonly ring?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly desiredRevision?: string;
  readonly desiredGeneration?: number;
  readonly appliedGeneration?: number;
  readonly lagging: boolean;
  /** ISO 8601 of the agent's last heartbeat; absent when it never reported. */
  readonly heartbeatAt?: string;
  readonly lastError?: string;
}

/** GET /api/v1/clusters: one page, sorted by name. */
export interface ClusterPage {
  readonly items: readonly ClusterRow[];
  /** Clusters the filter selects, over all pages. */
  readonly total: number;
  /** Pass as `continue=` for the next page; absent on the last. */
  readonly continue?: string;
}

/** One object of a bundle, as the cluster detail lists it. */
export interface BundleObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Its `driftless.io/app` annotation, when it has one. */
  readonly app?: string;
}

/** GET /api/v1/clusters/NAME: everything the store says about one cluster. */
export interface ClusterDetail {
  readonly row: ClusterRow;
  /** The decoded pointer (`clusters/NAME/desired.json`), without its signature; absent when none. */
  readonly pointer?: Omit<Pointer, 'signature'> & { readonly signed: boolean };
  /** The agent's status document; absent when it never reported. */
  readonly status?: Status;
  /** The bundle its agent last applied (status.appliedBundle), when it said. */
  readonly appliedBundle?: string;
  /** The objects of the bundle its pointer names (the desired state); absent when the bundle cannot be read (see objectsError). */
  readonly objects?: readonly BundleObjectRef[];
  readonly objectsError?: string;
  /** Per-app phases as its agent reported them (status.apps). */
  readonly apps?: Status['apps'];
}

/** GET /api/v1/rollouts: the newest rollout documents in the store (by id: ids sort by start time), newest first. */
export interface RolloutList {
  readonly current?: string;
  readonly items: readonly { readonly id: string; readonly revision: string; readonly phase: RolloutStatusDocument['phase']; readonly createdAt: string; readonly updatedAt: string }[];
  /** Whether older rollouts were left out (raise `limit`). */
  readonly truncated: boolean;
}

/** One check of a ring with what its chart draws. */
export interface CheckView extends CheckStatus {
  /** The check's last evaluations, oldest first: [ISO 8601, worst value (null: none; '+Inf'/'-Inf'), its subject]. */
  readonly history: readonly (readonly [string, number | '+Inf' | '-Inf' | null, string])[];
}

/** One ring of GET /api/v1/rollouts/current. */
export interface RingView extends Omit<RingStatus, 'checks'> {
  /** Clusters in the ring. */
  readonly size: number;
  /** Waves the ring opens in (its maxConcurrent); wavesOpened of them are open. */
  readonly waves: number;
  readonly approvalRequired: boolean;
  readonly checks: readonly CheckView[];
}

/** GET /api/v1/rollouts/current and /api/v1/rollouts/ID: `driftless rollout status --json` with what the charts and the progress picture need. */
export interface RolloutView extends Omit<RolloutStatusDocument, 'rings'> {
  readonly rings: readonly RingView[];
  /** Whether this is the current rollout (the only one the buttons act on). */
  readonly current: boolean;
}

/** GET /api/v1/audit: entries newest first. */
export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  /** Whether older matching entries may be left out: `limit` was reached or the scan stopped at its bound (raise `limit`, pass `before`, or export). */
  readonly truncated: boolean;
  /** When truncated: pass as `before=` to go on with the older entries. */
  readonly before?: number;
}

/** What every POST answers with 200. */
export interface MutationResult {
  readonly ok: true;
  /** The actor recorded in the audit log. */
  readonly actor: string;
  /** One sentence of what happened, for the UI's toast. */
  readonly message: string;
}

export type { FlagReport, PreviewListing };

/**
 * The performance mark the overview sets once its counts and its grid are
 * drawn from the first FleetSummary: the dashboard's first meaningful paint,
 * which the bench and the browser tests wait for.
 */
export const FLEET_PAINTED_MARK = 'driftless:fleet-painted';
