import type { KubeObject } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { outcomeOf, type Change } from './change-set.js';

const rolling = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'app', generation: 2 }, status: { observedGeneration: 1 } } as unknown as KubeObject;
const plain = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' } } as KubeObject;

describe('outcomeOf', () => {
  it.each<[string, Change[], object]>([
    ['nothing', [], { applied: 0, unchanged: 0, drifted: 0, pruned: 0, failed: [], notReady: [], degraded: [] }],
    ['created and configured count as applied; configured as drifted', [
      { object: 'a', action: 'created', reason: 'not in the cluster', live: plain },
      { object: 'b', action: 'configured', reason: 'drifted: data.x', live: plain },
      { object: 'c', action: 'unchanged', reason: 'in sync', live: plain },
      { object: 'd', action: 'pruned', reason: 'left the bundle' },
    ], { applied: 2, unchanged: 1, drifted: 1, pruned: 1, failed: [] }],
    ['a refused object fails without counting as applied', [{ object: 'a', action: 'failed', reason: 'a apply failed: no' }], { applied: 0, failed: [{ object: 'a', message: 'a apply failed: no' }] }],
    ['a CRD written but not Established counts as applied and failed, and is not ready', [
      { object: 'CustomResourceDefinition/w', action: 'failed', appliedAs: 'configured', reason: 'not Established', live: { ...plain, apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' } },
    ], { applied: 1, drifted: 1, failed: [{ object: 'CustomResourceDefinition/w', message: 'not Established' }], notReady: [{ object: 'CustomResourceDefinition/w', reason: 'the CRD is not Established' }] }],
    ['health comes from the live form of every entry that has one', [
      { object: 'Deployment/app/api', action: 'unchanged', reason: 'in sync', live: rolling },
    ], { unchanged: 1, notReady: [{ object: 'Deployment/app/api', reason: 'the controller has not observed the latest generation' }], degraded: [] }],
  ])('%s', (_what, changes, expected) => {
    expect(outcomeOf(changes)).toMatchObject(expected);
  });
});
