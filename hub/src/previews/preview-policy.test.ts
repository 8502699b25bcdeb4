import { API_VERSION, freezeSchema, previewsSpecSchema } from '@driftless/core';
import { freeze, unfreeze } from '../control/freeze.js';
import { describe, expect, it } from 'vitest';
import { previewFixture } from '../testing/preview-cycle-fixture.js';

const SPEC = { branches: ['feature/**'], clusters: { matchLabels: { previews: 'true' } }, apps: ['web'], namespace: 'pr-${branch.slug}', ttl: '72h' };

describe('preview cycle policy', () => {
  it('removes every preview, clearing its hosts, once the base fleet.yaml has no spec.previews', async () => {
    const f = previewFixture();
    f.push('feature/login');
    f.push('feature/search');
    await f.cycle();
    expect(f.pointers.size).toBe(2);
    f.setSpec(undefined);
    const report = await f.cycle();
    expect(report.previews.map((p) => [p.branch, p.action, p.reason])).toEqual([
      ['feature/login', 'removed', 'spec.previews removed'],
      ['feature/search', 'removed', 'spec.previews removed'],
    ]);
    expect(f.pointers.size).toBe(0);
    expect(await f.doc('feature-login')).toBeUndefined();
    expect(f.drafts.filter((d) => d.action === 'preview.removed')).toHaveLength(2);
  });

  it('moves a live preview to a new namespace template and keeps its document (the same slug is removed and built in one cycle)', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    f.setSpec(previewsSpecSchema.parse({ ...SPEC, namespace: 'preview-${branch.slug}' }));
    const report = await f.cycle();
    expect(report.previews.map((p) => [p.action, p.namespace])).toEqual(expect.arrayContaining([['created', 'preview-feature-login']]));
    expect(await f.doc('feature-login')).toMatchObject({ namespace: 'preview-feature-login' });
    expect([...(await f.hostObjects('host-a')).keys()].some((k) => k.startsWith('preview-feature-login/'))).toBe(true);
    await f.cycle();
    expect(f.drafts.filter((d) => d.action === 'preview.created'), 'not built and created a second time').toHaveLength(2);
  });

  it('while the fleet is frozen, a host that would change is held without reading a blob or writing anything; it moves after unfreeze', async () => {
    const f = previewFixture({ memo: { merged: new Map() } });
    f.push('feature/login');
    await f.cycle();
    await freeze(f.store, freezeSchema.parse({ apiVersion: API_VERSION, kind: 'Freeze', actor: 'oncall', at: '2026-11-30T00:00:00.000Z', reason: 'incident' }));
    f.push('feature/login', 'v2');
    await f.cycle();
    const gets = f.store.counters.get200;
    const puts = f.store.counters.put + f.store.counters.putRefused;
    const calls = f.setCalls.length;
    const held = await f.cycle();
    expect(held.hostsHeld).toEqual([
      { cluster: 'host-a', reason: 'the fleet is frozen' },
      { cluster: 'host-b', reason: 'the fleet is frozen' },
    ]);
    // What a frozen cycle reads: the documents, the ttl and hosts records and the freeze; no blob, no pointer.
    expect(f.store.counters.get200 - gets).toBeLessThanOrEqual(3);
    expect(f.store.counters.put + f.store.counters.putRefused).toBe(puts);
    expect(f.setCalls.length).toBe(calls);
    await unfreeze(f.store);
    expect((await f.cycle()).hostsMoved).toEqual(['host-a', 'host-b']);
  });

  it('clears a host dropped from spec.previews.clusters while frozen once it thaws', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    f.frozen.add('host-b');
    f.setHosts(['host-a']);
    const held = await f.cycle();
    expect(held.hostsHeld).toEqual([{ cluster: 'host-b', reason: 'the fleet is frozen' }]);
    expect(f.pointers.has('host-b')).toBe(true);
    await f.cycle();
    f.frozen.delete('host-b');
    const thawed = await f.cycle();
    expect(thawed.hostsMoved).toEqual(['host-b']);
    expect(f.pointers.has('host-b')).toBe(false);
    expect(f.pointers.has('host-a')).toBe(true);
  });

  it('keeps a live preview in its namespace when a colliding branch arrives: only the newcomer gets the hash suffix', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    const before = await f.doc('feature-login');
    f.push('feature/Login');
    const report = await f.cycle();
    const old = report.previews.find((p) => p.branch === 'feature/login');
    const newcomer = report.previews.find((p) => p.branch === 'feature/Login');
    expect(old).toMatchObject({ slug: 'feature-login', namespace: 'pr-feature-login', action: 'unchanged' });
    expect(newcomer?.action).toBe('created');
    expect(newcomer?.slug).toMatch(/^feature-login-[0-9a-f]{6}$/);
    expect(await f.doc('feature-login')).toEqual(before);
    expect(f.drafts.map((d) => d.action)).toEqual(['preview.created', 'preview.created']);
  });

  it('fails a preview whose namespace a host release uses, or a reserved one, and that preview only', async () => {
    const f = previewFixture();
    f.setSpec(previewsSpecSchema.parse({ ...SPEC, namespace: 'kube-${branch.slug}' }));
    f.push('feature/login');
    const reserved = await f.cycle();
    expect(reserved.previews).toMatchObject([{ branch: 'feature/login', action: 'failed' }]);
    expect(reserved.previews[0]?.reason).toContain('namespace kube-feature-login is reserved');
    expect(f.pointers.size).toBe(0);

    const g = previewFixture();
    g.setReleaseNamespaces(['pr-feature-login']);
    g.push('feature/login');
    g.push('feature/search');
    const report = await g.cycle();
    expect(report.previews.map((p) => [p.branch, p.action])).toEqual([
      ['feature/login', 'failed'],
      ['feature/search', 'created'],
    ]);
    expect(report.previews[0]?.reason).toContain('namespace pr-feature-login is used by the release');
    expect([...(await g.hostObjects('host-a')).keys()].sort()).toEqual(['/Namespace/pr-feature-search', 'pr-feature-search/ConfigMap/web']);
  });

  it('retries a never-built preview whose first build failed once the base inputs change', async () => {
    const f = previewFixture();
    f.failing.add('feature/login');
    f.push('feature/login');
    expect((await f.cycle()).previews).toMatchObject([{ action: 'failed' }]);
    f.failing.delete('feature/login');
    expect((await f.cycle()).previews).toMatchObject([{ action: 'unchanged' }]);
    f.setHosts(['host-a']);
    expect((await f.cycle()).previews).toMatchObject([{ action: 'created' }]);
    expect(f.pointers.has('host-a')).toBe(true);
  });
});
