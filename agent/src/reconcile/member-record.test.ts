import { createHash } from 'node:crypto';
import type { KubeObject } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { encodeRecord, INVENTORY_KEY, recordOf } from './member-record.js';

const parentWith = (binaryData?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p', namespace: 'n' }, ...(binaryData ? { binaryData } : {}) });

describe('the member record on the parent', () => {
  it('round-trips sorted and without duplicates, and encodes the same record to the same bytes', () => {
    const record = { members: ['|ConfigMap|a|x', '|Namespace||a', '|ConfigMap|a|x'], created: ['|Namespace||a'] };
    const data = encodeRecord(record, 'ConfigMap/n/p');
    expect(recordOf(parentWith(data))).toEqual({ members: ['|ConfigMap|a|x', '|Namespace||a'], created: ['|Namespace||a'] });
    expect(encodeRecord({ ...record, members: [...record.members].reverse() }, 'ConfigMap/n/p')).toEqual(data);
  });

  it('is absent for a parent without one, or with one it cannot read (so nothing is pruned on its word)', () => {
    expect(recordOf(undefined)).toBeUndefined();
    expect(recordOf(parentWith())).toBeUndefined();
    expect(recordOf(parentWith({ [INVENTORY_KEY]: 'bm90IGd6aXA=' }))).toBeUndefined();
  });

  it('refuses a record too large for a ConfigMap as TooLarge, naming the parent', () => {
    // Hashes do not compress: the worst case for a record.
    const members = Array.from({ length: 40_000 }, (_, i) => `|ConfigMap|app|${createHash('sha256').update(String(i)).digest('hex')}`);
    expect(() => encodeRecord({ members, created: [] }, 'ConfigMap/n/p')).toThrow(
      expect.objectContaining({ code: 'TooLarge', message: expect.stringMatching(/^ConfigMap\/n\/p write failed: the member record of 40000 objects takes \d+ bytes, over 921600$/) as unknown }),
    );
  });
});
