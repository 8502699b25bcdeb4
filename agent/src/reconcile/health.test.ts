import type { KubeObject } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { healthOf } from './health.js';

const obj = (apiVersion: string, kind: string, spec: object, status: object | undefined, generation = 1): KubeObject =>
  ({ apiVersion, kind, metadata: { name: 'x', namespace: 'n', generation }, spec, ...(status ? { status } : {}) });

describe('healthOf', () => {
  it.each<[string, KubeObject, string]>([
    ['a Deployment with every replica available', obj('apps/v1', 'Deployment', { replicas: 2 }, { observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2 }), 'ready'],
    ['a Deployment the controller has not seen', obj('apps/v1', 'Deployment', { replicas: 2 }, { observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2 }, 2), 'progressing'],
    ['a Deployment with no status yet', obj('apps/v1', 'Deployment', { replicas: 1 }, undefined), 'progressing'],
    ['a Deployment short of available replicas', obj('apps/v1', 'Deployment', { replicas: 3 }, { observedGeneration: 1, updatedReplicas: 3, availableReplicas: 1 }), 'progressing'],
    ['a StatefulSet mid-rollout', obj('apps/v1', 'StatefulSet', { replicas: 1 }, { observedGeneration: 1, readyReplicas: 1, currentRevision: 'a', updateRevision: 'b' }), 'progressing'],
    ['a DaemonSet on every node', obj('apps/v1', 'DaemonSet', {}, { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), 'ready'],
    ['a complete Job', obj('batch/v1', 'Job', {}, { conditions: [{ type: 'Complete', status: 'True' }] }), 'ready'],
    ['a failed Job', obj('batch/v1', 'Job', {}, { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] }), 'failed'],
    ['a pending PVC', obj('v1', 'PersistentVolumeClaim', {}, { phase: 'Pending' }), 'progressing'],
    ['a bound PVC', obj('v1', 'PersistentVolumeClaim', {}, { phase: 'Bound' }), 'ready'],
    ['a resource whose Ready condition is False', obj('example.com/v1', 'Widget', {}, { conditions: [{ type: 'Ready', status: 'False', message: 'waiting' }] }), 'progressing'],
    ['a ConfigMap', obj('v1', 'ConfigMap', {}, undefined), 'ready'],
  ])('%s is %s', (_what, live, state) => {
    expect(healthOf(live).state).toBe(state);
  });
});
