import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '@driftless/clock';
import { uniqueName } from '@driftless/contracts';
import type { KubeObject } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { describe, expect, inject, it } from 'vitest';
import { APPLYSET, applySetId } from './applyset.js';
import { outcomeOf } from './change-set.js';
import { INVENTORY_KEY } from './member-record.js';
import { reconcile, reconcileChanges, type ReconcileDeps } from './reconcile.js';

const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);

const namespace = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
const configMap = (ns: string, name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  data: { k: name },
});

function setup() {
  const kube = createKubeTarget(kc);
  const parent = { name: 'driftless-applyset', namespace: uniqueName('driftless') };
  const deps: ReconcileDeps = { kube, clock: systemClock, parent };
  return { kube, deps, ns: uniqueName('app'), partOf: { [APPLYSET.partOf]: applySetId(parent) } };
}

const exists = async (kube: ReturnType<typeof createKubeTarget>, o: KubeObject): Promise<boolean> =>
  (await kube.get({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) })) !== undefined;

describe('prune deletes only what this agent applied, against the real kube-apiserver', () => {
  it('never deletes a Namespace or ConfigMap made by hand that only carries our ApplySet label', async () => {
    const { kube, deps, ns, partOf } = setup();
    const bundle = [namespace(ns), configMap(ns, 'settings')];
    await reconcile(bundle, deps);
    const victim = namespace(uniqueName('victim'), partOf);
    const forged = configMap(ns, 'forged', partOf);
    await kube.apply(victim, 'kubectl-client-side-apply');
    await kube.apply(forged, 'kubectl-client-side-apply');
    expect(await reconcile(bundle, deps)).toMatchObject({ pruned: 0, failed: [] });
    expect(await exists(kube, victim)).toBe(true);
    expect(await exists(kube, forged)).toBe(true);
  });

  it('never deletes a Namespace it did not create, though the bundle had it; deletes one it created', async () => {
    const { kube, deps, ns } = setup();
    const preexisting = namespace(uniqueName('theirs'));
    await kube.apply(preexisting, 'platform-team');
    await reconcile([namespace(ns), preexisting, configMap(ns, 'settings')], deps);
    const set = await reconcileChanges([configMap(ns, 'settings')], { ...deps });
    expect(set.changes.filter((c) => c.action === 'pruned').map((c) => c.object)).toEqual([`Namespace/${ns}`]);
    expect(await exists(kube, preexisting)).toBe(true);
  });

  it('after an upgrade from an inventory without a member list: prunes nothing that pass, and what left the bundle the next', async () => {
    const { kube, deps, ns } = setup();
    await reconcile([namespace(ns), configMap(ns, 'settings'), configMap(ns, 'gone')], deps);
    // What the previous version left: the parent without the member list.
    const parentRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: deps.parent.namespace, name: deps.parent.name };
    const parent = await kube.get(parentRef);
    expect((parent as { binaryData?: Record<string, string> } | undefined)?.binaryData?.[INVENTORY_KEY]).toBeDefined();
    const labels = parent?.metadata['labels'];
    const annotations = parent?.metadata['annotations'];
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: deps.parent.name, namespace: deps.parent.namespace, labels, annotations } }, 'driftless');
    const smaller = [namespace(ns), configMap(ns, 'settings')];
    expect(await reconcile(smaller, deps)).toMatchObject({ pruned: 0, failed: [] });
    expect(await exists(kube, configMap(ns, 'gone'))).toBe(true);
    expect(await reconcile(smaller, deps)).toMatchObject({ pruned: 1, failed: [] });
    expect(await exists(kube, configMap(ns, 'gone'))).toBe(false);
  });
});

describe('an object that cannot be pruned, against the real kube-apiserver', () => {
  it('fails that object by name with the refusal, prunes the others, and tries again next pass', async () => {
    const { kube, deps, ns } = setup();
    await reconcile([namespace(ns), configMap(ns, 'settings'), configMap(ns, 'stuck'), configMap(ns, 'gone')], deps);
    const policy = uniqueName('no-delete');
    // The API forbids deleting `stuck` in this namespace (an admission policy, as a cluster's guard rails would).
    await kube.apply(
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: policy },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE'], resources: ['configmaps'] }] },
          validations: [{ expression: "oldObject.metadata.name != 'stuck'", message: 'stuck may not be deleted', reason: 'Forbidden' }],
        },
      },
      'platform-team',
    );
    await kube.apply(
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: policy },
        spec: { policyName: policy, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } },
      },
      'platform-team',
    );
    await untilDeleteRefused(ns, 'stuck');
    const smaller = [namespace(ns), configMap(ns, 'settings')];
    for (let pass = 0; pass < 2; pass++) {
      const set = await reconcileChanges(smaller, deps);
      const pruning = set.changes.filter((c) => c.action === 'pruned' || c.action === 'failed').map((c) => [c.object, c.action, c.reason]);
      // In reverse apply order: the last applied goes first.
      expect(pruning).toEqual([
        [`ConfigMap/${ns}/stuck`, 'failed', expect.stringMatching(new RegExp(`^ConfigMap/${ns}/stuck delete failed: .*stuck may not be deleted`))],
        ...(pass === 0 ? [[`ConfigMap/${ns}/gone`, 'pruned', 'left the bundle']] : []),
      ]);
      expect(outcomeOf(set.changes)).toMatchObject({ failed: [], degraded: [{ object: `ConfigMap/${ns}/stuck`, reason: expect.stringContaining('delete failed') as unknown }] });
    }
    expect(await exists(kube, configMap(ns, 'gone'))).toBe(false);
    expect(await exists(kube, configMap(ns, 'stuck'))).toBe(true);
  });
});

/** Waits (a server-side dry-run delete each try) until the API server enforces the new admission policy: its informers take moments. */
async function untilDeleteRefused(namespace: string, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < 400; i++) {
    try {
      await core.deleteNamespacedConfigMap({ name, namespace, dryRun: 'All' });
    } catch {
      return;
    }
    await sleep(25);
  }
  throw new Error(`the admission policy never refused deleting ConfigMap/${namespace}/${name}`);
}
