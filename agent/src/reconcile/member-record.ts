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
  return { [INVENTORY_KEY]: gzipRecord(recordJson(record), record.members.length, subject) };
}

/** The record as the JSON it is stored as: members and created sorted, without duplicates. */
function recordJson(record: MemberRecord): string {
  const sorted = (keys: readonly string[]): string[] => [...new Set(keys)].sort();
  return JSON.stringify({ members: sorted(record.members), created: sorted(record.created), ...(record.adopting ? { adopting: true } : {}) });
}

function gzipRecord(json: string, members: number, subject: string): string {
  const data = gzipSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64');
  if (data.length > RECORD_LIMIT_BYTES) {
    throw new DriftlessError('TooLarge', `${subject} write failed: the member record of ${members} objects takes ${data.length} bytes, over ${RECORD_LIMIT_BYTES}`, {
      subject,
      limitBytes: RECORD_LIMIT_BYTES,
      what: 'object',
    });
  }
  return data;
}

/**
 * {@link encodeRecord} and {@link recordOf} remembering the last record
 * encoded: while the members do not change, a pass neither gzips (level 9)
 * nor gunzips the record again, which was most of an idle applying pass's
 * CPU at 1,000 members. The caller keeps one per parent between passes (the
 * agent in its state); the same answers as the functions.
 */
export class RecordCodec {
  private last: { readonly data: string; readonly record: MemberRecord; readonly members: ReadonlySet<string>; readonly created: ReadonlySet<string> } | undefined;

  /** As {@link encodeRecord}; gzips only a record other than the last one encoded (compared as sets: no sort). */
  encode(record: MemberRecord, subject: string): Record<string, string> {
    const last = this.last;
    if (last && (record.adopting ?? false) === (last.record.adopting ?? false) && sameKeys(record.created, last.created) && sameKeys(record.members, last.members)) {
      return { [INVENTORY_KEY]: last.data };
    }
    const json = recordJson(record);
    const stored = JSON.parse(json) as MemberRecord;
    this.last = { data: gzipRecord(json, record.members.length, subject), record: stored, members: new Set(stored.members), created: new Set(stored.created) };
    return { [INVENTORY_KEY]: this.last.data };
  }

  /** As {@link recordOf}; gunzips only a record other than the last one encoded. */
  decode(parent: KubeObject | undefined): MemberRecord | undefined {
    const data = (parent as { binaryData?: Record<string, string> } | undefined)?.binaryData?.[INVENTORY_KEY];
    return data !== undefined && data === this.last?.data ? this.last.record : recordOf(parent);
  }
}

/** Whether `keys`, duplicates aside, are exactly `set`. */
function sameKeys(keys: readonly string[], set: ReadonlySet<string>): boolean {
  const distinct = new Set(keys);
  if (distinct.size !== set.size) return false;
  for (const k of distinct) if (!set.has(k)) return false;
  return true;
}
