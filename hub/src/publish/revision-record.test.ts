import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { parseJsonDocument, revisionRecordSchema, storeLayout, type Digest, type FlagDefinition, type ObjectStore } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { MAX_REVISION_RECORD_BYTES, writeRevisionRecord, type PublishedFlags } from './revision-record.js';

const D: Digest = `sha256:${'a'.repeat(64)}`;
const REV1 = '1'.repeat(40);
const REV2 = '2'.repeat(40);
const flag: FlagDefinition = {
  key: 'checkout',
  file: 'flags/checkout.yaml',
  type: 'release',
  owner: 'team-a',
  expires: '2031-01-31',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  rollout: [{ selector: { ring: 'ring-0' }, variant: 'on' }],
  namespaces: ['web'],
};
const published = new Map([
  ['eu-1', D],
  ['us-1', D],
]);
const rings = new Map([
  ['eu-1', 'ring-0'],
  ['us-1', 'ring-1'],
]);
const labels = new Map([
  ['eu-1', { region: 'eu' }],
  ['us-1', { region: 'us' }],
]);
const flagsWith = (eu: string, us: string): PublishedFlags => ({
  definitions: [flag],
  variants: new Map([
    ['eu-1', { checkout: eu }],
    ['us-1', { checkout: us }],
  ]),
  commits: new Map([['checkout', 'c0ffee']]),
});

async function record(store: ObjectStore, revision: string) {
  const got = await store.get(storeLayout.revision(revision));
  if (got.kind !== 'found') throw new Error(`no record of ${revision}`);
  return parseJsonDocument(revisionRecordSchema, got.body, 'record');
}

describe('writeRevisionRecord with flags and labels', () => {
  it('records every cluster labels and each flag, carrying firstSeen and uniformSince over from the last published record', async () => {
    const store = new MemoryObjectStore();
    const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
    await writeRevisionRecord(store, { revision: REV1, published, rings, labels, flags: flagsWith('on', 'on') }, clock);
    const first = await record(store, REV1);
    expect(first.labels).toEqual({ 'eu-1': { region: 'eu' }, 'us-1': { region: 'us' } });
    expect(first.flags).toEqual({
      checkout: {
        type: 'release',
        owner: 'team-a',
        expires: '2031-01-31',
        file: 'flags/checkout.yaml',
        commit: 'c0ffee',
        firstSeen: '2030-01-01T00:00:00.000Z',
        variantsByRing: { 'ring-0': ['on'], 'ring-1': ['on'] },
        uniform: 'on',
        uniformSince: '2030-01-01T00:00:00.000Z',
        defaultVariant: 'off',
        variants: ['off', 'on'],
        rollout: [{ selector: { ring: 'ring-0' }, variant: 'on' }],
      },
    });
    await clock.advance(clock.now() + 3 * 86_400_000);
    await writeRevisionRecord(store, { revision: REV2, published, rings, labels, flags: flagsWith('on', 'on'), lastPublished: REV1 }, clock);
    expect((await record(store, REV2)).flags?.['checkout']).toMatchObject({ firstSeen: '2030-01-01T00:00:00.000Z', uniformSince: '2030-01-01T00:00:00.000Z' });
  });

  it('writes nothing when the same revision is recorded again with the same flags', async () => {
    const store = new MemoryObjectStore();
    const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
    await writeRevisionRecord(store, { revision: REV1, published, rings, labels, flags: flagsWith('on', 'off') }, clock);
    const puts = store.counters.put;
    await clock.advance(clock.now() + 60_000);
    await writeRevisionRecord(store, { revision: REV1, published, rings, labels, flags: flagsWith('on', 'off'), lastPublished: REV1 }, clock);
    expect(store.counters.put).toBe(puts);
    expect((await record(store, REV1)).flags?.['checkout']?.variantsByRing).toEqual({ 'ring-0': ['on'], 'ring-1': ['off'] });
  });

  it('refuses a revision record larger than MAX_REVISION_RECORD_BYTES before reading it into memory (TooLarge)', async () => {
    const store = new MemoryObjectStore();
    const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
    await store.put(storeLayout.revision(REV1), new Uint8Array(MAX_REVISION_RECORD_BYTES + 1));
    await expect(writeRevisionRecord(store, { revision: REV1, published, rings, labels, flags: flagsWith('on', 'off') }, clock)).rejects.toMatchObject({ code: 'TooLarge' });
  });
});
