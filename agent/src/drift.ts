import type { KubeObject } from '@driftless/core';

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
