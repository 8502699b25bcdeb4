import { gunzipSync, gzipSync } from 'node:zlib';
import { DriftlessError, type KubeObject } from '@driftless/core';

/** The parent's `binaryData` key holding the member record: gzip of its JSON. */
export const INVENTORY_KEY = 'members.json.gz';

/**
 * Room for the record in the parent ConfigMap, bytes of base64: the API
 * server refuses an object over 1 MiB, and the parent's annotations need a
 * little. Compressed, a refKey costs about 10 bytes: some 90,000 members.
 */
export const RECORD_LIMIT_BYTES = 900 * 1024;

/**
 * What the agent last applied, kept on the inventory's parent in the
 * cluster: the refKeys of the members (what may be pruned once they leave the
 * bundle) and, of those, the Namespaces and CRDs this agent created (the only
 * ones of those kinds it may delete). Both sorted.
 */
export interface MemberRecord {
  readonly members: readonly string[];
  readonly created: readonly string[];
  /**
   * Set while the members before the record began are unknown (a parent
   * written by an earlier version, or none): the next complete prune deletes
   * nothing and adopts the live objects that carry the ApplySet label and our
   * field manager instead (see prune).
   */
  readonly adopting?: boolean;
}

/** The record of a parent that has none: nothing known, adoption pending. */
export const UNRECORDED: MemberRecord = { members: [], created: [], adopting: true };

/**
 * The record a parent holds; `undefined` when it has none (no parent yet, or
 * one written by a version before the record), or an unreadable one (which
 * is treated the same way: nothing is pruned on its word).
 */
export function recordOf(parent: KubeObject | undefined): MemberRecord | undefined {
  const data = (parent as { binaryData?: Record<string, string> } | undefined)?.binaryData?.[INVENTORY_KEY];
  if (data === undefined) return undefined;
  try {
    const parsed = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as { members?: unknown; created?: unknown; adopting?: unknown };
    const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
    if (!strings(parsed.members) || !strings(parsed.created)) return undefined;
    return { members: parsed.members, created: parsed.created, ...(parsed.adopting === true ? { adopting: true } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * The record as the parent's `binaryData`: gzip (deterministic for the same
 * record, so an unchanged record is no write) of sorted JSON, base64.
 * Throws `TooLarge` (stalled) over {@link RECORD_LIMIT_BYTES}.
 */
export function encodeRecord(record: MemberRecord, subject: string): Record<string, string> {
  const sorted = (keys: readonly string[]): string[] => [...new Set(keys)].sort();
  const json = JSON.stringify({ members: sorted(record.members), created: sorted(record.created), ...(record.adopting ? { adopting: true } : {}) });
  const data = gzipSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64');
  if (data.length > RECORD_LIMIT_BYTES) {
    throw new DriftlessError('TooLarge', `${subject} write failed: the member record of ${record.members.length} objects takes ${data.length} bytes, over ${RECORD_LIMIT_BYTES}`, {
      subject,
      limitBytes: RECORD_LIMIT_BYTES,
      what: 'object',
    });
  }
  return { [INVENTORY_KEY]: data };
}
