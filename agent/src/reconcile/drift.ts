import type { KubeObject } from '@driftless/core';
import { APPLYSET } from './applyset.js';

/**
 * Where `live` differs from what we apply (`desired`), as JSON paths; empty
 * when every field we set has the value we set. Fields only `live` has
 * (defaults, status, other managers' fields) are not drift. Lists of objects
 * are matched by `name` when every element has one (containers, ports, env),
 * else by position; lists of scalars must be equal. A Secret's `stringData` is
 * compared with its base64 `data`, which is how the server stores it.
 * Server-side apply would revert exactly these fields; checking first lets a
 * pass without drift send no write.
 */
export function driftedFields(desired: KubeObject, live: KubeObject): string[] {
  return drifts(desired, live).map((d) => d.path);
}

/** One difference: where, and what the live object has there (undefined when nothing). */
export interface Drift {
  readonly path: string;
  readonly live: unknown;
}

/** {@link driftedFields} with the live value at each path, to recognise how the server normalizes a value. */
export function drifts(desired: KubeObject, live: KubeObject): Drift[] {
  const out: Drift[] = [];
  compare(normalizeSecret(desired), live, '', out);
  return out;
}

/** How the server stored one object we applied, where it differs from what we sent: path -> stored value (JSON). */
export interface Normalized {
  /** The desired-digest annotation of the object this was learnt for: a new desired state starts afresh. */
  readonly desired: string;
  readonly values: ReadonlyMap<string, string>;
}

/** Whether a member needs an apply: missing, in sync, or drifted (with where). */
export type DriftVerdict =
  | { readonly kind: 'missing' }
  | { readonly kind: 'in-sync' }
  | { readonly kind: 'drifted'; readonly paths: readonly string[] };

/**
 * Compares a member (with its desired-digest annotation, see asMember) with
 * its live form. A difference is not drift when the live value is exactly
 * what the server made of ours last time (`known`, learnt by
 * {@link learnNormalization} for the same desired digest): `cpu: 1000m`
 * stored as `1` must not make every pass write. A live object whose
 * desired-digest annotation differs from the member's is drifted at
 * {@link DESIRED_PATH} alone (a new desired state: the rest is not compared).
 */
export function driftOf(member: KubeObject, live: KubeObject | undefined, known: Normalized | undefined): DriftVerdict {
  if (!live) return { kind: 'missing' };
  // A new desired state is applied whatever else differs: no need to look further.
  if (desiredDigestOf(live) !== desiredDigestOf(member)) return { kind: 'drifted', paths: [DESIRED_PATH] };
  const stored = known?.desired === desiredDigestOf(member) ? known.values : undefined;
  const found = drifts(member, live).filter((d) => stored?.get(d.path) !== JSON.stringify(d.live ?? null));
  return found.length === 0 ? { kind: 'in-sync' } : { kind: 'drifted', paths: found.map((d) => d.path) };
}

/**
 * Kept by the caller between passes: the resourceVersion at which each member
 * (by identity: one per bundle object, see MemberCache) was last found in
 * sync. Any write to an object, by anyone, moves its resourceVersion, so a
 * live object still at that version is still in sync without comparing it.
 * This relies on Kubernetes changing resourceVersion on every write: an
 * aggregated API server not backed by etcd that does not would have its
 * objects' drift go unseen until the member changes.
 */
export type InSyncMemo = WeakMap<KubeObject, string>;

/**
 * {@link driftOf}, remembered in `memo`: a member found in sync is not
 * compared again while its live object keeps the same resourceVersion (a
 * pass over 1,000 members spent most of its drift check comparing objects
 * nobody had touched).
 */
export function driftOfMemo(member: KubeObject, live: KubeObject | undefined, known: Normalized | undefined, memo: InSyncMemo | undefined): DriftVerdict {
  const version = live?.metadata['resourceVersion'];
  if (typeof version !== 'string' || version === '' || !memo) return driftOf(member, live, known);
  if (memo.get(member) === version) return { kind: 'in-sync' };
  const verdict = driftOf(member, live, known);
  if (verdict.kind === 'in-sync') memo.set(member, version);
  else memo.delete(member);
  return verdict;
}

/**
 * Whatever still differs right after our own apply is how the server
 * normalizes it: remembered in `normalized` under `key` for this desired
 * state (forgotten when nothing differs).
 */
export function learnNormalization(normalized: Map<string, Normalized> | undefined, key: string, member: KubeObject, applied: KubeObject): void {
  if (!normalized) return;
  const after = drifts(member, applied);
  if (after.length === 0) normalized.delete(key);
  else normalized.set(key, { desired: desiredDigestOf(member), values: new Map(after.map((d) => [d.path, JSON.stringify(d.live ?? null)])) });
}

/** The path drift reports for a member's desired-digest annotation: it differs exactly when the bundle changed the object. */
export const DESIRED_PATH = `metadata.annotations.${APPLYSET.desired}`;

function desiredDigestOf(member: KubeObject): string {
  return (member.metadata['annotations'] as Record<string, string> | undefined)?.[APPLYSET.desired] ?? '';
}

function normalizeSecret(obj: KubeObject): KubeObject {
  const s = obj as KubeObject & { stringData?: Record<string, string>; data?: Record<string, string> };
  if (obj.kind !== 'Secret' || obj.apiVersion !== 'v1' || !s.stringData) return obj;
  const { stringData, ...rest } = s;
  const data = { ...(s.data ?? {}) };
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
  return { ...rest, data };
}

function compare(want: unknown, have: unknown, path: string, out: Drift[]): void {
  // The API server drops empty maps and lists: `labels: {}` stored is no label at all.
  if (have === undefined && ((Array.isArray(want) && want.length === 0) || (isRecord(want) && Object.keys(want).length === 0))) return;
  if (Array.isArray(want)) {
    if (!Array.isArray(have)) {
      out.push({ path, live: have });
      return;
    }
    const haveList: readonly unknown[] = have;
    const keyed = want.length > 0 && want.every((w) => isRecord(w) && typeof w['name'] === 'string');
    if (keyed) {
      for (const w of want as Record<string, unknown>[]) {
        const match = haveList.find((h) => isRecord(h) && h['name'] === w['name']);
        if (match === undefined) out.push({ path: `${path}[name=${String(w['name'])}]`, live: undefined });
        else compare(w, match, `${path}[name=${String(w['name'])}]`, out);
      }
      return;
    }
    // A list without names is replaced whole by an apply: any other length is drift
    // (a rule added to a ClusterRole by hand, an extra argument).
    if (want.length !== haveList.length) {
      out.push({ path, live: have });
      return;
    }
    want.forEach((w, i) => compare(w, haveList[i], `${path}[${i}]`, out));
    return;
  }
  if (isRecord(want)) {
    if (!isRecord(have)) {
      out.push({ path, live: have });
      return;
    }
    for (const [k, v] of Object.entries(want)) compare(v, have[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (!sameScalar(want, have)) out.push({ path, live: have });
}

/** Scalars equal as the API server stores them: `"1"` and `1` are not equal, but a quantity written as `1Gi` is. */
function sameScalar(want: unknown, have: unknown): boolean {
  if (want === have) return true;
  if (want === null && have === undefined) return true;
  return false;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
