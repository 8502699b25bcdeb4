import { API_VERSION, canonicalBytes, storeLayout, type ObjectStore, type Preview } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { s3StoreFor } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { runCli, useCliS3 } from './testing/cli-run.js';

const env = inject('driftlessEnv');
const cleanups = useCliS3(env.s3);

const C = '1'.repeat(40);
const D = (hex: string): `sha256:${string}` => `sha256:${hex.repeat(64)}`;
const T = '2026-12-01T00:00:00.000Z';
const JSON_TYPE = { contentType: 'application/json' };

function bucket(): { store: ObjectStore; url: string } {
  const prefix = uniqueName('cli-previews');
  const store = s3StoreFor(env, prefix);
  cleanups.push(() => store.destroy());
  return { store, url: `s3://${env.s3.bucket}/${prefix}` };
}

const preview: Preview = {
  apiVersion: API_VERSION,
  kind: 'Preview',
  branch: 'feature/login',
  slug: 'feature-login',
  namespace: 'pr-feature-login',
  commit: C,
  apps: ['web'],
  hosts: ['h1'],
  built: { commit: C, baseRevision: 'b'.repeat(40), inputs: 'x', at: T, bundles: { h1: D('1') } },
  createdAt: T,
  updatedAt: T,
  expiresAt: '2099-01-01T00:00:00.000Z',
};

describe('driftless previews against MinIO', () => {
  it('says "no previews" on an empty store', async () => {
    const { url } = bucket();
    const run = await runCli(['previews', '--store', url]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toBe('no previews\n');
  });

  it('shows a preview Pending until its host applied it, then Applied; a bad document is reported, not fatal', async () => {
    const { store, url } = bucket();
    await store.put(storeLayout.preview('feature-login'), canonicalBytes(preview), JSON_TYPE);
    await store.put(storeLayout.preview('broken'), canonicalBytes({ kind: 'Preview' }), JSON_TYPE);
    const pointer = { apiVersion: API_VERSION, kind: 'Pointer', cluster: 'h1', bundle: D('a'), revision: 'b'.repeat(40), generation: 2, publishedAt: T, previews: D('e') };
    await store.put(storeLayout.pointer('h1'), canonicalBytes(pointer), JSON_TYPE);
    const pending = await runCli(['previews', '--store', url]);
    expect(pending.code, pending.err).toBe(0);
    expect(pending.out).toMatch(/feature\/login\s+111111111111\s+h1\s+pr-feature-login\s+Pending\s/);
    expect(pending.out).toContain('previews/broken.json');

    const status = {
      apiVersion: API_VERSION, kind: 'Status', cluster: 'h1', observedGeneration: 2, appliedBundle: D('a'), appliedPreviews: D('e'), phase: 'Applied',
      objects: { total: 3, ready: 3, drifted: 0, pruned: 0 }, apps: { 'pr-feature-login/web': { phase: 'Applied', ready: 3, total: 3 } }, agentVersion: '0.3.0', heartbeatAt: T,
    };
    await store.put(storeLayout.status('h1'), canonicalBytes(status), JSON_TYPE);
    const json = await runCli(['previews', '--json', '--store', url]);
    expect(json.code, json.err).toBe(0);
    expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ branch: 'feature/login', commit: C, phase: 'Applied', hosts: [{ cluster: 'h1', phase: 'Applied' }] })]);
    expect(json.err).toContain('previews/broken.json');
  });

  it('refuses to run without --store (exit 2, naming the flag)', async () => {
    const run = await runCli(['previews']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--store');
  });
});
