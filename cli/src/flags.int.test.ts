import { API_VERSION, canonicalBytes, storeLayout, type FlagOverrides, type ObjectStore, type RevisionRecord } from '@driftless/core';
import { LAST_PUBLISH_KEY } from '@driftless/hub';
import { uniqueName } from '@driftless/contracts';
import { s3StoreFor } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { runCli, useCliS3 } from './testing/cli-run.js';

const env = inject('driftlessEnv');
const cleanups = useCliS3(env.s3);

const REV = 'a'.repeat(40);
const D = `sha256:${'0'.repeat(64)}`;
const JSON_TYPE = { contentType: 'application/json' };

function bucket(): { store: ObjectStore; url: string } {
  const prefix = uniqueName('cli-flags');
  const store = s3StoreFor(env, prefix);
  cleanups.push(() => store.destroy());
  return { store, url: `s3://${env.s3.bucket}/${prefix}` };
}

/** A published revision whose `checkout` flag is on in ring-0 (eu-1) and off in ring-1 (us-1, us-2). */
async function publishRecord(store: ObjectStore): Promise<void> {
  const record: RevisionRecord = {
    apiVersion: API_VERSION,
    kind: 'Revision',
    revision: REV,
    publishedAt: '2026-12-01T00:00:00.000Z',
    clusters: { 'eu-1': D, 'us-1': D, 'us-2': D },
    rings: { 'eu-1': 'ring-0', 'us-1': 'ring-1', 'us-2': 'ring-1' },
    labels: { 'eu-1': { region: 'eu' }, 'us-1': { region: 'us' }, 'us-2': { region: 'us' } },
    flags: {
      checkout: {
        type: 'release',
        owner: 'team-shop',
        expires: '2099-12-31',
        file: 'flags/checkout.yaml',
        commit: 'c0ffee',
        firstSeen: '2026-11-01T00:00:00.000Z',
        variantsByRing: { 'ring-0': ['on'], 'ring-1': ['off'] },
      },
    },
  };
  await store.put(storeLayout.revision(REV), canonicalBytes(record), JSON_TYPE);
  await store.put(LAST_PUBLISH_KEY, canonicalBytes({ apiVersion: API_VERSION, kind: 'HubPublish', id: 'x', revision: REV, publishedAt: record.publishedAt }), JSON_TYPE);
}

async function putOverrides(store: ObjectStore, overrides: FlagOverrides['overrides']): Promise<void> {
  const doc: FlagOverrides = { apiVersion: API_VERSION, kind: 'FlagOverrides', overrides };
  await store.put(storeLayout.flagOverrides, canonicalBytes(doc), JSON_TYPE);
}

describe('driftless flags against MinIO', () => {
  it('lists each flag per ring and reports an override as diverging from Git until it is cleared', async () => {
    const { store, url } = bucket();
    await publishRecord(store);
    const before = await runCli(['flags', '--store', url]);
    expect(before.code, before.err).toBe(0);
    expect(before.out).toMatch(/checkout\s+release\s+team-shop\s+.*2099-12-31\s+ring-0=on ring-1=off\s+-\s+ok/);

    await putOverrides(store, { checkout: { variant: 'off', actor: 'alice', at: '2026-12-02T00:00:00.000Z', reason: 'incident 42' } });
    const overridden = await runCli(['flags', '--store', url]);
    expect(overridden.out).toContain('off by alice (every cluster), diverges from Git');
    const json = JSON.parse((await runCli(['flags', '--json', '--store', url])).out) as { revision: string; flags: { key: string; override?: { variant: string; divergesFromGit: boolean } }[] };
    expect(json.revision).toBe(REV);
    expect(json.flags[0]).toMatchObject({ key: 'checkout', override: { variant: 'off', actor: 'alice', divergesFromGit: true }, health: 'ok' });

    // The override selects only the clusters that get its variant from Git anyway: it agrees.
    await putOverrides(store, { checkout: { variant: 'off', selector: 'region=us', actor: 'alice', at: '2026-12-02T00:00:00.000Z', reason: 'incident 42' } });
    const agreeing = await runCli(['flags', '--store', url]);
    expect(agreeing.out).toContain('off by alice (region=us)');
    expect(agreeing.out).not.toContain('diverges from Git');

    await putOverrides(store, {});
    const cleared = await runCli(['flags', '--json', '--store', url]);
    expect((JSON.parse(cleared.out) as { flags: { override?: unknown }[] }).flags[0]?.override).toBeUndefined();
  });

  it('says so when nothing is published yet', async () => {
    const { url } = bucket();
    const got = await runCli(['flags', '--store', url]);
    expect(got.code).toBe(0);
    expect(got.out).toContain('no revision published to this store yet');
  });
});
