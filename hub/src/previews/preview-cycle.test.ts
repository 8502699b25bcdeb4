import { canonicalBytes, storeLayout, type Digest } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { previewFixture, T0, TTL_MS } from '../testing/preview-cycle-fixture.js';

describe('runPreviewCycle', () => {
  it('a pushed branch gets its preview: document, blobs, host pointers and a preview.created entry', async () => {
    const f = previewFixture();
    const commit = f.push('feature/login');
    const report = await f.cycle();
    expect(report.previews).toEqual([{ branch: 'feature/login', slug: 'feature-login', namespace: 'pr-feature-login', commit, action: 'created' }]);
    expect(report.hostsMoved).toEqual(['host-a', 'host-b']);
    const doc = await f.doc('feature-login');
    expect(doc).toMatchObject({ branch: 'feature/login', commit, hosts: ['host-a', 'host-b'], apps: ['web'], built: { commit } });
    expect(doc?.expiresAt).toBe(new Date(T0 + TTL_MS).toISOString());
    expect(Object.keys(doc?.built?.bundles ?? {})).toEqual(['host-a', 'host-b']);
    for (const digest of Object.values(doc?.built?.bundles ?? {})) expect(await f.store.head(storeLayout.blob(digest as Digest))).toBeDefined();
    expect(await f.hostObjects('host-a')).toEqual(
      new Map<string, unknown>([
        ['/Namespace/pr-feature-login', null],
        ['pr-feature-login/ConfigMap/web', { commit, host: 'host-a' }],
      ]),
    );
    expect(f.drafts).toEqual([
      { actor: 'hub', action: 'preview.created', subject: 'preview/feature-login', data: { branch: 'feature/login', commit, namespace: 'pr-feature-login', hosts: ['host-a', 'host-b'] } },
    ]);
  });

  it('a second cycle without a change, with a memo, fetches nothing, writes nothing, and reads no blob and no pointer', async () => {
    const f = previewFixture({ memo: { merged: new Map() } });
    f.push('feature/login');
    await f.cycle();
    const syncs = f.repo.syncs;
    const before = { ...f.store.counters };
    const ops = f.ops.length;
    const setCalls = f.setCalls.length;
    const report = await f.cycle();
    expect(report.previews.map((p) => p.action)).toEqual(['unchanged']);
    expect(report.hostsMoved).toEqual([]);
    expect(f.repo.syncs).toBe(syncs);
    const idle = f.ops.slice(ops);
    expect(idle.filter(([op, key]) => op === 'get' && key.startsWith(storeLayout.blobsPrefix))).toEqual([]);
    expect(idle.filter(([op]) => op === 'put' || op === 'putIfAbsent' || op === 'delete')).toEqual([]);
    expect(f.store.counters.putRefused).toBe(before.putRefused);
    expect(f.store.counters.put).toBe(before.put);
    expect(f.setCalls).toHaveLength(setCalls);
    expect(f.drafts).toHaveLength(1);
  });

  it('without a memo, a second cycle without a change writes nothing and moves no pointer', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    const { put, delete: deletes } = f.store.counters;
    const report = await f.cycle();
    expect(report.hostsMoved).toEqual([]);
    expect(f.store.counters.put).toBe(put);
    expect(f.store.counters.delete).toBe(deletes);
    expect(f.drafts).toHaveLength(1);
  });

  it('with a memo, only hosts whose previews changed are recomposed, and a held host is tried again', async () => {
    const f = previewFixture({ memo: { merged: new Map() } });
    f.push('feature/login');
    f.frozen.add('host-b');
    const first = await f.cycle();
    expect(first.hostsHeld).toEqual([{ cluster: 'host-b', reason: 'the fleet is frozen' }]);
    f.frozen.clear();
    let calls = f.setCalls.length;
    expect((await f.cycle()).hostsMoved).toEqual(['host-b']);
    expect(f.setCalls.slice(calls).map(([h]) => h)).toEqual(['host-b']);
    calls = f.setCalls.length;
    f.setHosts(['host-a']);
    await f.cycle();
    expect(f.setCalls.slice(calls)).toEqual([['host-b', undefined]]);
    expect(f.pointers.has('host-a')).toBe(true);
  });

  it('a host whose pointer move throws is held with the error; the other hosts, documents and audit proceed', async () => {
    const f = previewFixture();
    f.brokenHosts.add('host-a');
    f.push('feature/login');
    const report = await f.cycle();
    expect(report.hostsHeld).toEqual([{ cluster: 'host-a', reason: 'previews move failed: pointer of host-a is corrupt' }]);
    expect(report.hostsMoved).toEqual(['host-b']);
    expect(await f.doc('feature-login')).toBeDefined();
    expect(f.drafts.map((d) => d.action)).toEqual(['preview.created']);
    f.brokenHosts.clear();
    expect((await f.cycle()).hostsMoved).toEqual(['host-a']);
  });

  it('a failed audit append writes no document, so the next cycle appends the entry', async () => {
    const f = previewFixture();
    f.push('feature/login');
    f.audit.failing = true;
    await expect(f.cycle()).rejects.toThrow('audit log append failed');
    expect(await f.doc('feature-login')).toBeUndefined();
    f.audit.failing = false;
    await f.cycle();
    expect(f.drafts.map((d) => [d.action, d.subject])).toEqual([['preview.created', 'preview/feature-login']]);
    expect(await f.doc('feature-login')).toBeDefined();
  });

  it('a host moving back to a bundle blob that already exists renews it first, so gc keeps it', async () => {
    const f = previewFixture();
    f.push('feature/a');
    await f.cycle();
    const alone = f.pointers.get('host-a') as Digest;
    await f.clock.advance(T0 + 1000);
    f.push('feature/b');
    await f.cycle();
    await f.clock.advance(T0 + 7_200_000);
    f.repo.deleteBranch('feature/b');
    await f.cycle();
    expect(f.pointers.get('host-a')).toBe(alone);
    expect((await f.store.head(storeLayout.blob(alone)))?.modifiedMs).toBe(T0 + 7_200_000);
  });

  it('with a memo, a cycle where neither the base nor the branch moved asks no ancestry; without one, every cycle asks', async () => {
    const kept = previewFixture({ memo: { merged: new Map() } });
    const fresh = previewFixture();
    for (const f of [kept, fresh]) {
      f.push('feature/login');
      await f.cycle();
      expect(f.ancestry.asked).toBe(1);
      await f.cycle();
    }
    expect(kept.ancestry.asked).toBe(1);
    expect(fresh.ancestry.asked).toBe(2);
  });

  it('a new commit updates the preview on its hosts and restarts its ttl', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    await f.clock.advance(T0 + 3_600_000);
    const second = f.push('feature/login', 'v2');
    const report = await f.cycle();
    expect(report.previews).toMatchObject([{ action: 'updated', commit: second }]);
    expect((await f.hostObjects('host-b')).get('pr-feature-login/ConfigMap/web')).toEqual({ commit: second, host: 'host-b' });
    const doc = await f.doc('feature-login');
    expect(doc?.expiresAt).toBe(new Date(T0 + 3_600_000 + TTL_MS).toISOString());
    expect(doc?.createdAt).toBe(new Date(T0).toISOString());
    expect(f.drafts.map((d) => [d.action, d.data['commit']])).toEqual([
      ['preview.created', expect.any(String)],
      ['preview.updated', second],
    ]);
  });

  it('a deleted branch is removed: document gone, host previews cleared, preview.removed with the reason', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    f.repo.deleteBranch('feature/login');
    const report = await f.cycle();
    expect(report.previews).toMatchObject([{ action: 'removed', reason: 'branch deleted' }]);
    expect(await f.doc('feature-login')).toBeUndefined();
    expect(f.pointers.size).toBe(0);
    expect(f.setCalls.slice(-2)).toEqual([
      ['host-a', undefined],
      ['host-b', undefined],
    ]);
    expect(f.drafts.at(-1)).toMatchObject({ action: 'preview.removed', subject: 'preview/feature-login', reason: 'branch deleted' });
  });

  it('a branch merged into the base is removed, and not built again while it stays', async () => {
    const f = previewFixture();
    const commit = f.push('feature/login');
    await f.cycle();
    f.repo.createBranch('main', commit);
    f.repo.commit({ 'after-merge.txt': 'x' }, 'after the merge');
    const report = await f.cycle();
    expect(report.previews).toMatchObject([{ action: 'removed', reason: 'merged into main' }]);
    expect(await f.doc('feature-login')).toBeUndefined();
    const syncs = f.repo.syncs;
    expect((await f.cycle()).previews).toEqual([]);
    expect(f.repo.syncs).toBe(syncs);
  });

  it('a preview whose ttl passes without a new commit is removed; a new commit brings it back', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    await f.clock.advance(T0 + TTL_MS - 1);
    expect((await f.cycle()).previews.map((p) => p.action)).toEqual(['unchanged']);
    await f.clock.advance(T0 + TTL_MS);
    const report = await f.cycle();
    expect(report.previews).toMatchObject([{ action: 'removed', reason: 'ttl 3d passed without a new commit' }]);
    expect(f.pointers.size).toBe(0);
    expect((await f.cycle()).previews).toEqual([]);
    const again = f.push('feature/login', 'v2');
    expect((await f.cycle()).previews).toMatchObject([{ action: 'created', commit: again }]);
    expect(await f.hostObjects('host-a')).toHaveProperty('size', 2);
  });

  it('two branches share one bundle per host; removing one leaves the other', async () => {
    const f = previewFixture();
    f.push('feature/a');
    f.push('feature/b');
    const report = await f.cycle();
    expect(report.previews.map((p) => [p.branch, p.action])).toEqual([
      ['feature/a', 'created'],
      ['feature/b', 'created'],
    ]);
    expect([...(await f.hostObjects('host-a')).keys()].sort()).toEqual(['/Namespace/pr-feature-a', '/Namespace/pr-feature-b', 'pr-feature-a/ConfigMap/web', 'pr-feature-b/ConfigMap/web']);
    f.repo.deleteBranch('feature/a');
    await f.cycle();
    expect([...(await f.hostObjects('host-a')).keys()].sort()).toEqual(['/Namespace/pr-feature-b', 'pr-feature-b/ConfigMap/web']);
  });

  it('a failing build keeps the previous build on the hosts, stops no other preview, and is not fetched again for the same commit', async () => {
    const f = previewFixture();
    const good = f.push('feature/a');
    await f.cycle();
    f.failing.add('feature/a');
    const broken = f.push('feature/a', 'v2');
    f.push('feature/b');
    f.failing.add('feature/new');
    f.push('feature/new');
    const report = await f.cycle();
    expect(report.previews.map((p) => [p.branch, p.action])).toEqual([
      ['feature/a', 'failed'],
      ['feature/b', 'created'],
      ['feature/new', 'failed'],
    ]);
    expect(report.previews[0]?.reason).toContain('apps/web/deploy.yaml:3');
    const doc = await f.doc('feature-a');
    expect(doc?.built?.commit).toBe(good);
    expect(doc?.error).toMatchObject({ commit: broken });
    expect(doc?.commit).toBe(broken);
    const objects = await f.hostObjects('host-a');
    expect(objects.get('pr-feature-a/ConfigMap/web')).toEqual({ commit: good, host: 'host-a' });
    expect(objects.has('pr-feature-b/ConfigMap/web')).toBe(true);
    expect([...objects.keys()].some((k) => k.includes('feature-new'))).toBe(false);
    expect((await f.doc('feature-new'))?.error?.message).toContain('feature/new');
    expect(f.logs.filter((l) => l['level'] === 'error')).toHaveLength(2);
    const syncs = f.repo.syncs;
    await f.cycle();
    expect(f.repo.syncs).toBe(syncs);
  });

  it('a branch name with slashes, capitals and 80 characters gets a DNS-safe namespace of at most 63', async () => {
    const f = previewFixture();
    const branch = `feature/JIRA-1234/${'Very_Long-Name/'.repeat(4)}${'x'.repeat(80 - 18 - 60)}`;
    expect(branch).toHaveLength(80);
    f.push(branch);
    const report = await f.cycle();
    const change = report.previews[0];
    expect(change?.action).toBe('created');
    expect(change?.namespace.length).toBeLessThanOrEqual(63);
    expect(change?.namespace).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect((await f.doc(change?.slug ?? ''))?.branch).toBe(branch);
  });

  it('an unreadable preview document is logged and treated as absent', async () => {
    const f = previewFixture();
    await f.store.put(storeLayout.preview('feature-login'), canonicalBytes({ kind: 'Preview', branch: 'feature/login' }));
    f.push('feature/login');
    const report = await f.cycle();
    expect(report.previews).toMatchObject([{ action: 'created' }]);
    expect(f.logs.some((l) => String(l['msg']).startsWith('preview previews/feature-login.json read failed'))).toBe(true);
    expect(await f.doc('feature-login')).toBeDefined();
  });

  it('a rebuild whose blob already exists renews it before its document names it', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    await f.clock.advance(T0 + 7_200_000);
    f.setHosts(['host-a']);
    await f.cycle();
    const digest = (await f.doc('feature-login'))?.built?.bundles['host-a'] as Digest;
    expect((await f.store.head(storeLayout.blob(digest)))?.modifiedMs).toBe(T0 + 7_200_000);
  });

  it('a host no longer selected for previews loses them', async () => {
    const f = previewFixture();
    f.push('feature/login');
    await f.cycle();
    f.setHosts(['host-a']);
    const report = await f.cycle();
    expect(report.previews).toMatchObject([{ action: 'updated' }]);
    expect(f.pointers.has('host-b')).toBe(false);
    expect(f.pointers.has('host-a')).toBe(true);
    expect((await f.doc('feature-login'))?.hosts).toEqual(['host-a']);
  });

  it('a host bundle over the limits leaves out its newest preview, which fails', async () => {
    const f = previewFixture({ limits: { maxCompressedBytes: 1 << 20, maxDecompressedBytes: 1 << 20, maxObjects: 3 } });
    f.push('feature/a');
    await f.cycle();
    await f.clock.advance(T0 + 1000);
    f.push('feature/b');
    const report = await f.cycle();
    expect(report.previews.map((p) => [p.branch, p.action])).toEqual([
      ['feature/a', 'unchanged'],
      ['feature/b', 'failed'],
    ]);
    expect(report.previews[1]?.reason).toContain('preview feature-b, the newest, is left out');
    expect([...(await f.hostObjects('host-a')).keys()].every((k) => k.includes('feature-a'))).toBe(true);
  });
});
