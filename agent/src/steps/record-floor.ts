import { acceptedValue, floorObject, FLOOR_CONFIGMAP, readFloorObject, refuseBelow } from '../replay-floor.js';
import type { PassContext } from './pass-context.js';

/**
 * Records the pointer in force in the floor ConfigMap (see FLOOR_CONFIGMAP)
 * before its bundle is applied, creating the namespace when it is missing;
 * writes only when the record differs (the replay memory remembers it, in
 * place). The floor is never lowered: when the ConfigMap already records a
 * higher generation (or another bundle at this one), another agent of the
 * cluster accepted it meanwhile, so this one marks its replay memory
 * `superseded` (the agent then reloads from the records) and throws
 * `GenerationReplayed` before anything is applied. Throws the API's error
 * (the pass then retries with backoff).
 */
export async function recordFloor(ctx: PassContext): Promise<void> {
  const pointer = ctx.state.pointer;
  if (!pointer || ctx.signal?.aborted) return;
  const memory = await ctx.replay();
  const value = acceptedValue(pointer);
  if (memory.recorded === value) return;
  const { parent, cluster } = ctx.config;
  const live = await readFloorObject(ctx);
  if (live.floor) {
    try {
      refuseBelow(pointer, live.floor, `ConfigMap ${parent.namespace}/${FLOOR_CONFIGMAP}`, 'write');
    } catch (err) {
      memory.superseded = true;
      throw err;
    }
  }
  if (live.value !== value) {
    if (!(await ctx.kube.get({ apiVersion: 'v1', kind: 'Namespace', name: parent.namespace }))) {
      await ctx.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: parent.namespace } }, 'driftless');
    }
    await ctx.kube.apply(floorObject(parent, cluster, pointer), 'driftless');
  }
  memory.recorded = value;
}
