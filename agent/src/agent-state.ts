import type { Digest, KubeObject, Pointer } from '@driftless/core';
import type { InSyncMemo, Normalized } from './reconcile/drift.js';
import type { MemberCache } from './reconcile/inventory.js';
import { RecordCodec } from './reconcile/member-record.js';
import type { StalePointer } from './stale-pointer.js';

/** One blob that passed every check (its bytes hash to its digest and decode within the limits): its digest and objects. */
export interface VerifiedBlob {
  readonly digest: Digest;
  readonly objects: readonly KubeObject[];
}

/**
 * The desired state of the pointer in force, built by desiredOf: `digest` is
 * its release bundle's; `objects` every object to reconcile, the release
 * bundle's and then, when the pointer names one, the previews bundle's
 * (`previews`, kept apart so an unchanged blob is not read again).
 */
export interface AcceptedBundle extends VerifiedBlob {
  readonly previews?: VerifiedBlob;
}

/**
 * What an agent remembers between passes. Steps read it from the pass
 * context; the pass runner alone assigns its fields, from the steps' results
 * and the summary. `normalized`, `members`, `inSync` and `records` are memos the reconcile step
 * fills in place as it applies (their references never change).
 */
export interface AgentState {
  /** The ETag of the pointer last read, for the next conditional GET. */
  etag: string | undefined;
  /** The pointer last accepted, and its bundle: what every pass keeps the cluster in. */
  pointer: Pointer | undefined;
  bundle: AcceptedBundle | undefined;
  /** Why the pointer last read was refused; kept until one is accepted, so the phase stays Failed meanwhile. */
  rejection: string | undefined;
  /** A verified pointer whose blob was missing: its blob is read again on each pass (the pointer's ETag still honoured) until it appears. */
  pending: Pointer | undefined;
  /** The pointer last read had expired (phase Stale until another is read). */
  expired: StalePointer | undefined;
  /** When the current bundle (with its previews bundle, if any) was first reconciled: the start of its progress deadline. */
  appliedAt: { readonly digest: Digest; readonly previews?: Digest; readonly at: number } | undefined;
  /** The status last written (without its heartbeat time) and when: an equal one is written again only once a heartbeat is due. */
  lastStatus: { readonly body: string; readonly at: number } | undefined;
  /** Failed passes in a row: the backoff exponent. */
  failures: number;
  /** Learnt server normalizations (see driftOf); kept across bundles, each entry for its own desired state. */
  readonly normalized: Map<string, Normalized>;
  /** Members by bundle object (see MemberCache). */
  readonly members: MemberCache;
  /** Members found in sync, by the live resourceVersion (see InSyncMemo). */
  readonly inSync: InSyncMemo;
  /** The member record last written to the parent (see RecordCodec). */
  readonly records: RecordCodec;
}

/** The state of an agent that has not run yet. */
export function initialState(): AgentState {
  return {
    etag: undefined,
    pointer: undefined,
    bundle: undefined,
    rejection: undefined,
    pending: undefined,
    expired: undefined,
    appliedAt: undefined,
    lastStatus: undefined,
    failures: 0,
    normalized: new Map(),
    members: new WeakMap(),
    inSync: new WeakMap(),
    records: new RecordCodec(),
  };
}

/**
 * Forgets, in place, everything the agent learnt of the pointer and bundle in
 * force (ETag, pointer, bundle, pending blob, refusal, last status, failures):
 * another agent of the cluster may have moved on meanwhile, so the next pass
 * reads it all again. Keeps the memos, which hold for any bundle.
 */
export function forgetSource(state: AgentState): void {
  Object.assign(state, { ...initialState(), normalized: state.normalized, members: state.members, inSync: state.inSync, records: state.records });
}
