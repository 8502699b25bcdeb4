import type { KeyObject } from 'node:crypto';
import { PointerVerifier, type KubeTarget, type Pointer } from '@driftless/core';
import { APPLYSET, type ApplySetParentRef } from './reconcile/applyset.js';

/**
 * The annotation the inventory's parent carries for the pointer last
 * accepted: `<generation>/<bundle digest>`. It lives in the cluster, not in
 * the store (which whoever replays pointers could also write), so a restarted
 * agent still refuses an older pointer.
 */
export function acceptedAnnotation(pointer: Pointer | undefined): Readonly<Record<string, string>> {
  return pointer ? { [APPLYSET.accepted]: `${pointer.generation}/${pointer.bundle}` } : {};
}

/**
 * A loader of the agent's PointerVerifier: on first use it reads the parent
 * and starts from the pointer recorded there; later calls give the same
 * verifier, which remembers every pointer it accepted since. A failed read
 * throws and is tried again on the next call.
 */
export function verifierLoader(kube: KubeTarget, parent: ApplySetParentRef, cluster: string, key: KeyObject): () => Promise<PointerVerifier> {
  let verifier: PointerVerifier | undefined;
  return async () => {
    if (verifier) return verifier;
    const live = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: parent.namespace, name: parent.name });
    const recorded = (live?.metadata['annotations'] as Record<string, string> | undefined)?.[APPLYSET.accepted];
    const m = recorded ? /^(\d+)\/(sha256:[0-9a-f]{64})$/.exec(recorded) : null;
    verifier = new PointerVerifier(key, m?.[1] && m[2] ? [[cluster, Number(m[1]), m[2]]] : []);
    return verifier;
  };
}
