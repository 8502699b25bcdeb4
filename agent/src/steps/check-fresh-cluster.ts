import { DriftlessError, storeLayout, type Pointer } from '@driftless/core';
import type { AcceptedBundle } from '../agent-state.js';
import { APPLYSET, applySetId } from '../reconcile/applyset.js';
import { FLOOR_CONFIGMAP } from '../replay-floor.js';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/**
 * With signed pointers and no replay floor on record (see replayLoader): a
 * cluster where live objects of the bundle's kinds already carry this agent's
 * ApplySet label was managed before, so the pointer may be an older one
 * replayed after the records were deleted: it is refused until the operator
 * gives the floor (`--replay-floor`). A cluster with none is new: the floor
 * starts here (marked known in the replay memory, in place).
 */
export async function checkFreshCluster(ctx: PassContext, pointer: Pointer, bundle: AcceptedBundle): Promise<{ readonly kind: 'fresh' } | StepFailure> {
  try {
    const memory = await ctx.replay();
    if (!memory.unknown) return { kind: 'fresh' };
    const selector = `${APPLYSET.partOf}=${applySetId(ctx.config.parent)}`;
    const kinds = new Map(bundle.objects.map((o) => [`${o.apiVersion}/${o.kind}`, o]));
    for (const { apiVersion, kind } of kinds.values()) {
      if (!(await ctx.kube.resourceOf(apiVersion, kind))) continue;
      const [live] = await ctx.kube.list(apiVersion, kind, selector);
      if (live) return failureOf(managedBefore(ctx, pointer, `${kind}/${live.metadata.namespace ? `${live.metadata.namespace}/` : ''}${live.metadata.name}`));
    }
    memory.unknown = false;
    return { kind: 'fresh' };
  } catch (err) {
    return failureOf(err);
  }
}

function managedBefore(ctx: PassContext, pointer: Pointer, example: string): DriftlessError<'ReplayFloorUnknown'> {
  const { cluster, parent } = ctx.config;
  const records = `ConfigMaps ${parent.namespace}/${parent.name} and ${parent.namespace}/${FLOOR_CONFIGMAP}, ${storeLayout.status(cluster)}`;
  const reason =
    `no record of the last accepted generation survives (${records}), yet ${example} carries this agent's ApplySet label: ` +
    `generation ${pointer.generation} may be an older pointer replayed; check the generation last published (driftless status), ` +
    `then restart the agent with --replay-floor <that generation>`;
  return new DriftlessError('ReplayFloorUnknown', `pointer ${storeLayout.pointer(cluster)} verify failed: ${reason}`, { cluster, generation: pointer.generation, reason });
}
