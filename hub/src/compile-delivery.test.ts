import { MemoryRepository } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { compileFleet, type CompiledFleet, type CompileMemo } from './compile.js';
import { noKustomize } from './testing/unit-hub.js';

const FLEET = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: db
      path: apps/db
      stateful: true
      targets: [{ selector: { matchLabels: { tier: data } } }]
    - name: web
      path: apps/web
      targets: [{ selector: {} }]
  delivery:
    rings:
      - name: ring-0
        selector: { matchLabels: { ring: "0" } }
      - name: ring-1
        selector: { matchLabels: { ring: "1" } }
      - name: mars
        selector: { matchLabels: { planet: mars } }
      - name: rest
        selector: {}
`;

function clusterFile(name: string, labels: string, size: string): string {
  return `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { ${labels} } }\nspec: { vars: { size: "${size}" } }\n`;
}

/** a and b get the same stateful objects (the db manifest uses only `size`), d a different size, c no db at all. */
const FILES = {
  'fleet.yaml': FLEET,
  'apps/db/db.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: db }\ndata: { size: "${vars.size}" }\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: db-ref }\n',
  'apps/web/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { cluster: "${cluster.name}" }\n',
  'clusters/a.yaml': clusterFile('a', 'ring: "0", tier: data', '10'),
  'clusters/b.yaml': clusterFile('b', 'ring: "1", tier: data', '10'),
  'clusters/c.yaml': clusterFile('c', 'tier: web', '10'),
  'clusters/d.yaml': clusterFile('d', 'tier: data', '20'),
};

async function compile(repo: MemoryRepository, memo?: CompileMemo): Promise<CompiledFleet> {
  const { reader } = await repo.sync({ repo: repo.url });
  return compileFleet(reader, { kustomize: noKustomize, ...(memo ? { memo } : {}) });
}

describe('compile with spec.delivery', () => {
  it('resolves the plan, puts each cluster in its first matching ring, and warns of a ring that gets none', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES, 'first');
    const compiled = await compile(repo);
    expect(compiled.delivery?.plan.rings.map((r) => [r.name, r.approval])).toEqual([['ring-0', false], ['ring-1', false], ['mars', false], ['rest', true]]);
    expect(Object.fromEntries(compiled.delivery?.ringOf ?? [])).toEqual({ a: 0, b: 1, c: 3, d: 3 });
    expect(compiled.warnings).toEqual(['fleet.yaml:18: ring mars gets no cluster: its selector matches no cluster']);
  });

  it('keys clusters by their stateful objects: equal for equal objects, different when a var differs, none without a stateful app', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES, 'first');
    const keys = (await compile(repo)).delivery?.statefulKeys;
    expect([...(keys?.keys() ?? [])].sort()).toEqual(['a', 'b', 'd']);
    expect(keys?.get('a')).toMatch(/^[0-9a-f]{64}$/);
    expect(keys?.get('b')).toBe(keys?.get('a'));
    expect(keys?.get('d')).not.toBe(keys?.get('a'));
  });

  it('keeps the stateful keys of clusters the memo skips, and follows a change of a stateful manifest', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES, 'first');
    const first = await compile(repo);
    repo.commit({ 'clusters/c.yaml': clusterFile('c', 'tier: web', '11') }, 'only c changes');
    const second = await compile(repo, first.memo);
    expect([...second.unchanged.keys()].sort()).toEqual(['a', 'b', 'd']);
    expect(second.delivery?.statefulKeys).toEqual(first.delivery?.statefulKeys);
    expect(second.memo.clusters['a']?.statefulKey).toBe(first.delivery?.statefulKeys.get('a'));

    repo.commit({ 'apps/db/db.yaml': FILES['apps/db/db.yaml'].replace('size: ', 'capacity: ') }, 'the db changes');
    const third = await compile(repo, second.memo);
    expect(third.unchanged.size).toBe(1);
    expect(third.delivery?.statefulKeys.get('a')).not.toBe(first.delivery?.statefulKeys.get('a'));
    expect(third.delivery?.statefulKeys.get('b')).toBe(third.delivery?.statefulKeys.get('a'));
  });

  it('without delivery: no plan, no warnings, no stateful keys in the memo', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'fleet.yaml': FLEET.slice(0, FLEET.indexOf('  delivery:')) }, 'first');
    const compiled = await compile(repo);
    expect(compiled.delivery).toBeUndefined();
    expect(compiled.warnings).toBeUndefined();
    expect(Object.values(compiled.memo.clusters).some((c) => c.statefulKey !== undefined)).toBe(false);
  });

  describe('with checks', () => {
    // ring-0 (cluster a) is gated by `errors`, whose query names the label tier (line 24); `idle` gates nothing (line 27).
    const checked = FLEET.replace('        selector: { matchLabels: { ring: "0" } }\n', '        selector: { matchLabels: { ring: "0" } }\n        checks: [errors]\n') +
      `    checks:
      - name: errors
        prometheus: 'max(errors{cluster="\${cluster.name}",tier="\${cluster.labels.tier}"})'
        max: 0.1
      - name: idle
        prometheus: 'min(up)'
        min: 1
`;

    it('resolves the checks the rings list, warns of one none lists, and keeps each cluster\'s labels the checks name', async () => {
      const repo = new MemoryRepository();
      repo.commit({ ...FILES, 'fleet.yaml': checked, 'clusters/c.yaml': clusterFile('c', 'tier: web, team: x', '10') }, 'first');
      const compiled = await compile(repo);
      expect(compiled.delivery?.plan.checks.map((c) => c.name)).toEqual(['errors']);
      expect(compiled.delivery?.plan.rings[0]?.checks).toEqual(['errors']);
      expect(compiled.warnings).toEqual([
        'fleet.yaml:19: ring mars gets no cluster: its selector matches no cluster',
        "fleet.yaml:27: check idle is listed by no ring: it gates nothing (add it to a ring's checks, or remove it)",
      ]);
      expect(Object.fromEntries(compiled.delivery?.labels ?? [])).toEqual({ a: { tier: 'data' }, b: { tier: 'data' }, c: { tier: 'web' }, d: { tier: 'data' } });
    });

    it('refuses a cluster of a gated ring that lacks a label the check names, naming cluster, file, label and check', async () => {
      const repo = new MemoryRepository();
      repo.commit({ ...FILES, 'fleet.yaml': checked, 'clusters/a.yaml': clusterFile('a', 'ring: "0"', '10') }, 'first');
      await expect(compile(repo)).rejects.toMatchObject({
        code: 'InvalidDocument',
        message: expect.stringContaining('fleet.yaml:24: cluster a (clusters/a.yaml) has no label tier, which check errors of its ring ring-0 names (${cluster.labels.tier})'),
      });
    });

    it('records no labels when no check names one', async () => {
      const repo = new MemoryRepository();
      repo.commit(FILES, 'first');
      expect((await compile(repo)).delivery?.labels).toEqual(new Map());
    });
  });
});
