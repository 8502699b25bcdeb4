type Json = Record<string, unknown>;

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);
const record = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

/**
 * The status a controller-manager (and a kubelet, and a volume provisioner)
 * would report for `obj` once it has caught up with its latest generation:
 * workloads fully rolled out (every replica updated, ready and available;
 * a DaemonSet on one node), Jobs Complete, PersistentVolumeClaims Bound.
 * Undefined for kinds no controller reports on here. `now` is an RFC 3339
 * time for the timestamps a controller would write.
 */
export function instantStatus(group: string, obj: Json, now: string): Json | undefined {
  const kind = obj['kind'];
  const spec = record(obj['spec']);
  const generation = num(record(obj['metadata'])['generation'], 1);
  if (group === 'apps' && (kind === 'Deployment' || kind === 'ReplicaSet')) {
    const n = num(spec['replicas'], 1);
    return {
      observedGeneration: generation,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
      ...(kind === 'Deployment'
        ? {
            conditions: [
              { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastTransitionTime: now, lastUpdateTime: now },
              { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', lastTransitionTime: now, lastUpdateTime: now },
            ],
          }
        : { fullyLabeledReplicas: n }),
    };
  }
  if (group === 'apps' && kind === 'StatefulSet') {
    const n = num(spec['replicas'], 1);
    const revision = `${String(record(obj['metadata'])['name'])}-${generation}`;
    return {
      observedGeneration: generation,
      replicas: n,
      readyReplicas: n,
      currentReplicas: n,
      updatedReplicas: n,
      availableReplicas: n,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    };
  }
  if (group === 'apps' && kind === 'DaemonSet') {
    return {
      observedGeneration: generation,
      desiredNumberScheduled: 1,
      currentNumberScheduled: 1,
      updatedNumberScheduled: 1,
      numberReady: 1,
      numberAvailable: 1,
      numberMisscheduled: 0,
    };
  }
  if (group === 'batch' && kind === 'Job') {
    return {
      startTime: now,
      completionTime: now,
      succeeded: num(spec['completions'], 1),
      ready: 0,
      terminating: 0,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', lastProbeTime: now, lastTransitionTime: now },
        { type: 'Complete', status: 'True', reason: 'CompletionsReached', lastProbeTime: now, lastTransitionTime: now },
      ],
    };
  }
  if (group === '' && kind === 'PersistentVolumeClaim') {
    const storage = record(record(spec['resources'])['requests'])['storage'];
    return {
      phase: 'Bound',
      ...(Array.isArray(spec['accessModes']) ? { accessModes: spec['accessModes'] } : {}),
      ...(typeof storage === 'string' ? { capacity: { storage } } : {}),
    };
  }
  return undefined;
}
