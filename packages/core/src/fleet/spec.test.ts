import { describe, expect, it } from 'vitest';
import { parseCluster, parseFleet } from './spec.js';

const FLEET = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: ./apps/web/
      namespace: web
      targets:
        - selector: { matchLabels: { env: prod } }
          overlay: apps/web/overlays/prod
          vars: { replicas: 3 }
        - selector: {}
`;

describe('parseFleet', () => {
  it('reads a fleet, normalizing paths and taking numeric vars as text', () => {
    const fleet = parseFleet(FLEET);
    expect(fleet.spec.apps[0]).toMatchObject({ name: 'web', path: 'apps/web', namespace: 'web' });
    expect(fleet.spec.apps[0]?.targets[0]).toMatchObject({ overlay: 'apps/web/overlays/prod', vars: { replicas: '3' } });
  });

  it.each([
    ['a misspelt field', FLEET.replace('overlay:', 'overlays:'), "fleet.yaml:10: spec.apps[0].targets[0]: Unrecognized key: \"overlays\""],
    ['a path that leaves the repository', FLEET.replace('./apps/web/', '../secrets'), 'fleet.yaml:6: spec.apps[0].path: path "../secrets" must stay inside the repository'],
    ['an absolute overlay', FLEET.replace('apps/web/overlays/prod', '/etc'), 'fleet.yaml:10: spec.apps[0].targets[0].overlay: path "/etc" must stay inside'],
    ['an app without targets', FLEET.slice(0, FLEET.indexOf('      targets:')) + '      targets: []\n', 'fleet.yaml:8: spec.apps[0].targets: an app needs at least one target'],
    ['another kind', FLEET.replace('kind: Fleet', 'kind: Cluster'), 'fleet.yaml:2: kind: expected kind Fleet, got "Cluster"'],
    ['the same app twice', FLEET + FLEET.slice(FLEET.indexOf('    - name: web')), 'app web is defined twice'],
    ['two documents', FLEET + '---\na: 1\n', 'fleet.yaml:14: expected exactly one YAML document, found 2'],
  ])('refuses %s, naming file, line and field', (_what, text, message) => {
    expect(() => parseFleet(text)).toThrow(message);
  });
});

const CLUSTER = `apiVersion: driftless.dev/v1alpha1
kind: Cluster
metadata: { name: eu-prod-001, labels: { env: prod, region: eu, ring: "1" } }
spec: { vars: { region: eu-west-1 } }
`;

describe('parseCluster', () => {
  it('reads a cluster', () => {
    expect(parseCluster(CLUSTER, 'clusters/eu-prod-001.yaml')).toEqual({
      apiVersion: 'driftless.dev/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'eu-prod-001', labels: { env: 'prod', region: 'eu', ring: '1' } },
      spec: { vars: { region: 'eu-west-1' } },
    });
  });

  it('takes label keys with a prefix, empty label values, and vars read as YAML 1.1 (as Kubernetes reads manifests)', () => {
    const c = parseCluster(
      'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: {name: a, labels: {example.com/tier: gold_1.x, empty: ""}}\nspec:\n  vars: {mode: 0400, debug: on}\n',
      'clusters/a.yaml',
    );
    expect(c.metadata.labels).toEqual({ 'example.com/tier': 'gold_1.x', empty: '' });
    expect(c.spec.vars).toEqual({ mode: '256', debug: 'true' });
  });

  it('defaults labels and vars to empty', () => {
    const c = parseCluster('apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: {name: a}\n', 'clusters/a.yml');
    expect(c.metadata.labels).toEqual({});
    expect(c.spec.vars).toEqual({});
  });

  it.each([
    ['a name that differs from the file name', CLUSTER, 'clusters/eu-prod-002.yaml', 'clusters/eu-prod-002.yaml:3: metadata.name eu-prod-001 does not match the file name (expected eu-prod-002)'],
    ['a label that is not a string', CLUSTER.replace('ring: "1"', 'ring: 1'), 'clusters/eu-prod-001.yaml', 'clusters/eu-prod-001.yaml:3: metadata.labels.ring:'],
    ['a name that is not a DNS subdomain', CLUSTER.replace('eu-prod-001', 'EU_prod'), 'clusters/EU_prod.yaml', 'metadata.name: must be a DNS subdomain'],
    ['a label value that would inject YAML', CLUSTER.replace('region: eu', 'region: "eu\\n  injected: true"'), 'clusters/eu-prod-001.yaml', 'clusters/eu-prod-001.yaml:3: metadata.labels.region: must be a Kubernetes label value'],
    ['a label value with a colon and a space', CLUSTER.replace('region: eu', 'region: "a: b"'), 'clusters/eu-prod-001.yaml', 'metadata.labels.region: must be a Kubernetes label value'],
    ['a label value of 64 characters', CLUSTER.replace('region: eu', `region: ${'a'.repeat(64)}`), 'clusters/eu-prod-001.yaml', 'metadata.labels.region: must be a Kubernetes label value'],
    ['a label key that is not a Kubernetes label key', CLUSTER.replace('region: eu', '"bad key": eu'), 'clusters/eu-prod-001.yaml', 'clusters/eu-prod-001.yaml:3: metadata.labels.bad key: must be a Kubernetes label key'],
    ['an unquoted yes as a label (a boolean in YAML 1.1, as in Kubernetes)', CLUSTER.replace('region: eu', 'region: yes'), 'clusters/eu-prod-001.yaml', 'metadata.labels.region:'],
  ])('refuses %s', (_what, text, file, message) => {
    expect(() => parseCluster(text, file)).toThrow(message);
  });
});
