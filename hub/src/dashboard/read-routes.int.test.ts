import { describe, expect, inject, it } from 'vitest';
import { useDashboardFixtures } from './testing/fixture-stores.js';
import type { AuditPage, ClusterDetail, ClusterPage, FleetSummary, RolloutList, RolloutView, WhoAmI } from './api-types.js';
import { ERROR_RATE_MAX } from './testing/seed-fleet.js';
import { storeKeys } from '../testing/store-reads.js';

const env = inject('driftlessEnv');
const { fileStore, minio, start } = useDashboardFixtures(env);

const json = async <T>(res: Response): Promise<T> => {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
};

describe('dashboard read routes', () => {
  it.each([
    ['a file store', fileStore],
    ['MinIO', () => Promise.resolve(minio())],
  ])('answers every read route on %s, and no GET writes anything', async (_name, make) => {
    const f = await start({ store: await make(), clusters: 12, scenario: 'awaiting-approval' });
    // A key nested below rollouts/ is no rollout: /rollouts must neither list nor read it.
    await f.store.put('rollouts/archive/old.json', new TextEncoder().encode('not a rollout'));
    const before = await storeKeys(f.store);
    expect(await json<WhoAmI>(await f.fetchAs('/api/v1/whoami'))).toEqual({ user: 'alice', canWrite: true, anonymousRead: false });

    const fleet = await json<FleetSummary>(await f.fetchAs('/api/v1/fleet'));
    expect(fleet).toMatchObject({ total: 12, fleetTotal: 12, rings: ['canary', 'rest'], byRing: [{ ring: 'canary', clusters: 3 }, { ring: 'rest', clusters: 9 }], rollout: { id: f.rollout.id, phase: 'AwaitingApproval' } });
    const counted: Record<string, number> = {};
    for (const c of f.clusters) {
      const phase = f.phases[c] ?? 'Unknown';
      counted[phase] = (counted[phase] ?? 0) + 1;
    }
    expect(fleet.byPhase).toEqual(counted);
    expect(fleet.grid.names).toEqual(f.clusters);
    expect(fleet.labels).toMatchObject({ region: ['eu', 'us'], ring: ['canary'] });
    expect(fleet.byRevision).toEqual([{ revision: f.revision, clusters: 3 }]);

    const eu = await json<FleetSummary>(await f.fetchAs('/api/v1/fleet?selector=region%3Deu&phase=Applied'));
    expect(eu.grid.names).toEqual(f.clusters.filter((c) => c.startsWith('eu') && f.phases[c] === 'Applied'));
    expect(eu.fleetTotal).toBe(12);

    const page1 = await json<ClusterPage>(await f.fetchAs('/api/v1/clusters?limit=5'));
    expect([page1.items.map((r) => r.cluster), page1.total]).toEqual([f.clusters.slice(0, 5), 12]);
    const page2 = await json<ClusterPage>(await f.fetchAs(`/api/v1/clusters?limit=5&continue=${page1.continue ?? ''}`));
    expect(page2.items.map((r) => r.cluster)).toEqual(f.clusters.slice(5, 10));
    const canary = await json<ClusterPage>(await f.fetchAs('/api/v1/clusters?ring=canary'));
    expect(canary.items.map((r) => r.cluster)).toEqual(f.canary);
    expect(canary.continue).toBeUndefined();

    const first = f.canary[0] ?? '';
    const detail = await json<ClusterDetail>(await f.fetchAs(`/api/v1/clusters/${first}`));
    expect(detail).toMatchObject({ row: { cluster: first, phase: 'Applied', ring: 'canary', labels: { ring: 'canary' } }, pointer: { cluster: first, revision: f.revision, signed: true }, status: { phase: 'Applied' } });
    expect(detail.objects).toContainEqual(expect.objectContaining({ kind: 'ConfigMap', name: 'web', namespace: 'shop' }));
    expect((await f.fetchAs('/api/v1/clusters/no-such-cluster')).status).toBe(404);
    expect((await f.fetchAs('/api/v1/clusters/..%2Frollouts%2Fcurrent')).status).toBe(400);

    const list = await json<RolloutList>(await f.fetchAs('/api/v1/rollouts'));
    expect(list).toMatchObject({ current: f.rollout.id, items: [{ id: f.rollout.id, revision: f.revision }], truncated: false });
    expect((await f.fetchAs('/api/v1/rollouts?limit=0')).status).toBe(400);
    expect(await json(await f.fetchAs('/api/v1/control'))).toEqual({});
    const current = await json<RolloutView>(await f.fetchAs('/api/v1/rollouts/current'));
    expect(current).toMatchObject({ id: f.rollout.id, current: true, rings: [{ name: 'canary', phase: 'Succeeded', size: 3, approvalRequired: false }, { name: 'rest', phase: 'AwaitingApproval', size: 9, approvalRequired: true }] });
    const history = current.rings[0]?.checks[0]?.history ?? [];
    expect(history.length).toBeGreaterThan(0);
    expect(current.rings[0]?.checks[0]).toMatchObject({ check: 'error-rate', max: ERROR_RATE_MAX });
    expect(await json<RolloutView>(await f.fetchAs(`/api/v1/rollouts/${f.rollout.id}`))).toMatchObject({ id: f.rollout.id, current: true });
    expect((await f.fetchAs('/api/v1/rollouts/no-such-rollout')).status).toBe(404);

    expect(await json(await f.fetchAs('/api/v1/flags'))).toMatchObject({ flags: [expect.objectContaining({ key: 'checkout-kill' })] });
    expect(await json(await f.fetchAs('/api/v1/previews'))).toBeDefined();

    const audit = await json<AuditPage>(await f.fetchAs('/api/v1/audit?limit=2'));
    expect(audit.entries).toHaveLength(2);
    expect(audit.truncated).toBe(true);
    expect((audit.entries[0]?.seq ?? 0) > (audit.entries[1]?.seq ?? 0)).toBe(true);
    const published = await json<AuditPage>(await f.fetchAs('/api/v1/audit?action=release.published'));
    expect(published.entries.map((e) => e.action)).toEqual(['release.published']);
    const exported = await f.fetchAs('/api/v1/audit/export?action=wave.opened');
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const rows = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as { what: string; seq: number });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.what === 'wave.opened')).toBe(true);

    expect(await storeKeys(f.store)).toEqual(before);
  });

  it('answers a halted rollout with the breached check, its values and threshold', async () => {
    const f = await start({ store: await fileStore(), clusters: 8, scenario: 'halted-by-check' });
    const view = await json<RolloutView>(await f.fetchAs('/api/v1/rollouts/current'));
    expect(view).toMatchObject({ phase: 'Halted', halt: { automatic: true } });
    const check = view.rings[0]?.checks[0];
    expect(check).toMatchObject({ check: 'error-rate', max: ERROR_RATE_MAX, state: 'failed' });
    const values = check?.history.map(([, v]) => v) ?? [];
    expect(values.some((v) => typeof v === 'number' && v > ERROR_RATE_MAX)).toBe(true);
    expect(values.some((v) => typeof v === 'number' && v <= ERROR_RATE_MAX)).toBe(true);
  });

  it('answers /fleet with an ETag and 304 when nothing changed', async () => {
    const f = await start({ store: await fileStore(), clusters: 6, scenario: 'progressing' });
    const first = await f.fetchAs('/api/v1/fleet');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    expect((await f.fetchAs('/api/v1/fleet', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await f.fetchAs('/api/v1/fleet?phase=Failed', { headers: { 'if-none-match': etag } })).status).toBe(200);
  });
});
