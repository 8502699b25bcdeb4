import type { KubeObject } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { applyOrder } from './apply-order.js';

const o = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

describe('applyOrder', () => {
  it('puts CRDs, then Namespaces, then cluster-scoped, then namespaced objects', () => {
    const objects = [
      o('apps/v1', 'Deployment', 'api', 'web'),
      o('example.com/v1', 'Widget', 'w', 'web'),
      o('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
      o('v1', 'Namespace', 'web'),
      o('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
      o('v1', 'ConfigMap', 'c', 'web'),
    ];
    const order = applyOrder(objects, (x) => x.metadata.namespace !== undefined).map((x) => x.kind);
    expect(order).toEqual(['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'Deployment', 'Widget', 'ConfigMap']);
  });
});
