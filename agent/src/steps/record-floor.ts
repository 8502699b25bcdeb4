import { acceptedValue, floorObject } from '../replay-floor.js';
import type { PassContext } from './pass-context.js';

/**
 * Records the pointer in force in the floor ConfigMap (see FLOOR_CONFIGMAP)
 * before its bundle is applied, creating the namespace when it is missing;
 * writes only when the record differs (the replay memory remembers it, in
 * place). Throws the API's error (the pass then retries with backoff).
 */
export async function recordFloor(ctx: PassContext): Promise<void> {
  const pointer = ctx.state.pointer;
  if (!pointer || ctx.signal?.aborted) return;
  const memory = await ctx.replay();
  const value = acceptedValue(pointer);
  if (memory.recorded === value) return;
  const { parent, cluster } = ctx.config;
  if (!(await ctx.kube.get({ apiVersion: 'v1', kind: 'Namespace', name: parent.namespace }))) {
    await ctx.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: parent.namespace } }, 'driftless');
  }
  await ctx.kube.apply(floorObject(parent, cluster, pointer), 'driftless');
  memory.recorded = value;
}
