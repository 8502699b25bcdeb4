import { describe, expect, it } from 'vitest';
import { assignRings } from './assign-rings.js';
import { parseFleet, type Cluster } from './spec.js';

/** A fleet whose `delivery:` is on line 6 and whose rings start on lines 8, 10, 12, ... */
function fleetWith(rings: readonly string[]): ReturnType<typeof parseFleet> {
  const body = rings.map((r) => `      - name: ${r.split(' ')[0]}\n        selector: ${r.slice(r.indexOf(' ') + 1)}\n`).join('');
  return parseFleet(`apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps: []\n  # rings, first match wins\n  delivery:\n    rings:\n${body}`);
}

function cluster(name: string, labels: Record<string, string>): Cluster {
  return { apiVersion: 'driftless.dev/v1alpha1', kind: 'Cluster', metadata: { name, labels }, spec: { vars: {} } };
}

const CLUSTERS = [cluster('ops-1', { ring: '0' }), cluster('partner-1', { ring: '1' }), cluster('eu-1', { region: 'eu' }), cluster('us-1', { region: 'us' })];

describe('assignRings', () => {
  it.each([
    {
      what: 'each cluster goes to the first ring that selects it',
      rings: ['ring-0 { matchLabels: { ring: "0" } }', 'ring-1 { matchLabels: { ring: "1" } }', 'rest {}'],
      ringOf: { 'ops-1': 0, 'partner-1': 1, 'eu-1': 2, 'us-1': 2 },
      warnings: [],
    },
    {
      what: 'a catch-all first takes every cluster; later rings get none and are warned about, saying why',
      rings: ['all {}', 'ring-1 { matchLabels: { ring: "1" } }', 'mars { matchLabels: { planet: mars } }'],
      ringOf: { 'ops-1': 0, 'partner-1': 0, 'eu-1': 0, 'us-1': 0 },
      warnings: [
        'fleet.yaml:10: ring ring-1 gets no cluster: every cluster it selects is in an earlier ring',
        'fleet.yaml:12: ring mars gets no cluster: its selector matches no cluster',
      ],
    },
    {
      what: 'matchExpressions select as in Kubernetes',
      rings: ['eu { matchExpressions: [{ key: region, operator: In, values: [eu] }] }', 'unlabelled { matchExpressions: [{ key: region, operator: DoesNotExist }] }', 'rest {}'],
      ringOf: { 'ops-1': 1, 'partner-1': 1, 'eu-1': 0, 'us-1': 2 },
      warnings: [],
    },
  ])('$what', ({ rings, ringOf, warnings }) => {
    const got = assignRings(fleetWith(rings), CLUSTERS);
    expect(Object.fromEntries(got?.ringOf ?? [])).toEqual(ringOf);
    expect(got?.warnings).toEqual(warnings);
  });

  it.each([
    {
      what: 'one cluster no ring takes',
      clusters: CLUSTERS.slice(0, 3),
      message: 'fleet.yaml:6: cluster eu-1 (clusters/eu-1.yaml) matches no ring of spec.delivery: add a catch-all ring (selector: {}) last, or labels a ring selects',
    },
    {
      what: 'several clusters no ring takes: the first by name, and how many more',
      clusters: CLUSTERS,
      message: 'fleet.yaml:6: cluster eu-1 (clusters/eu-1.yaml) matches no ring of spec.delivery (and 1 more: us-1): add a catch-all ring (selector: {})',
    },
  ])('refuses $what, naming the cluster, its file and the delivery line', ({ clusters, message }) => {
    const fleet = fleetWith(['ring-0 { matchLabels: { ring: "0" } }', 'ring-1 { matchLabels: { ring: "1" } }']);
    expect(() => assignRings(fleet, clusters)).toThrow(message);
  });

  it('names the file it is given, and gives undefined for a fleet without delivery', () => {
    const fleet = fleetWith(['ring-0 { matchLabels: { ring: "0" } }']);
    expect(() => assignRings(fleet, CLUSTERS, 'repo/fleet.yaml')).toThrow(/^repo\/fleet\.yaml:6: cluster eu-1 /);
    expect(assignRings(parseFleet('apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec: { apps: [] }\n'), CLUSTERS)).toBeUndefined();
  });
});

/** ring-0 is gated by `latency`, whose query names the labels region and zone; `unused` gates no ring (line 16). */
const CHECKED = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps: []
  delivery:
    rings:
      - name: ring-0
        selector: { matchLabels: { ring: "0" } }
        checks: [latency]
      - name: rest
        selector: {}
    checks:
      - name: latency
        prometheus: 'max(latency{cluster="\${cluster.name}",region="\${cluster.labels.region}",zone="\${cluster.labels.zone}"})'
        max: 1
      - name: unused
        prometheus: 'min(up)'
        min: 1
`;

describe('assignRings with checks', () => {
  it('warns of a check no ring lists, with its line, and takes clusters that have every label their ring\'s checks name', () => {
    const got = assignRings(parseFleet(CHECKED), [cluster('ops-1', { ring: '0', region: 'eu', zone: 'a' }), cluster('eu-1', {})]);
    expect(Object.fromEntries(got?.ringOf ?? [])).toEqual({ 'ops-1': 0, 'eu-1': 1 });
    expect(got?.warnings).toEqual(['fleet.yaml:16: check unused is listed by no ring: it gates nothing (add it to a ring\'s checks, or remove it)']);
  });

  it.each([
    {
      what: 'a cluster that lacks a label a check of its ring names',
      clusters: [cluster('ops-1', { ring: '0', zone: 'a' }), cluster('eu-1', {})],
      message: 'fleet.yaml:13: cluster ops-1 (clusters/ops-1.yaml) has no label region, which check latency of its ring ring-0 names (${cluster.labels.region}): add the label to the cluster, or take the check off the ring',
    },
    {
      what: 'several: the first by name, and how many more',
      clusters: [cluster('ops-2', { ring: '0', region: 'eu' }), cluster('ops-1', { ring: '0' }), cluster('ops-3', { ring: '0', region: 'us', zone: 'b' })],
      message: 'fleet.yaml:13: cluster ops-1 (clusters/ops-1.yaml) has no label region, which check latency of its ring ring-0 names (${cluster.labels.region}) (and 1 more: ops-2 has no label zone):',
    },
  ])('refuses $what, naming the cluster, its file, the label and the check', ({ clusters, message }) => {
    expect(() => assignRings(parseFleet(CHECKED), clusters)).toThrow(message);
  });
});
