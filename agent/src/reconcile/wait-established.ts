import { groupOf, type Clock, type KubeObject, type KubeObjectRef, type KubeTarget } from '@driftless/core';

/** How waiting for a CRD ended: Established (with the CRD as read then), out of time (with a message naming it), or stopped by the signal. */
export type EstablishedResult =
  | { readonly kind: 'established'; readonly crd: KubeObject }
  | { readonly kind: 'timeout'; readonly message: string }
  | { readonly kind: 'aborted' };

type Crd = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };

/** Whether `obj` is a CustomResourceDefinition, whose kinds the next objects may need. */
export function isCrd(obj: { apiVersion: string; kind: string }): boolean {
  return obj.kind === 'CustomResourceDefinition' && groupOf(obj.apiVersion) === 'apiextensions.k8s.io';
}

/**
 * Reads the CRD at `ref` until its Established condition is True, pausing
 * 50 ms, then twice as long each time up to 1 s, on `clock`; gives up after
 * `timeoutMs`. Reads at least once, even when the CRD was Established before.
 */
export async function waitEstablished(kube: KubeTarget, clock: Clock, ref: KubeObjectRef, timeoutMs: number, signal?: AbortSignal): Promise<EstablishedResult> {
  const deadline = clock.now() + timeoutMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
    const crd = (await kube.get(ref)) as Crd | undefined;
    if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return { kind: 'established', crd };
    if (clock.now() > deadline) {
      return { kind: 'timeout', message: `CustomResourceDefinition/${ref.name} apply failed: not Established after ${timeoutMs / 1000}s` };
    }
    if (signal?.aborted) return { kind: 'aborted' };
    await clock.sleep(pause, signal);
  }
}
