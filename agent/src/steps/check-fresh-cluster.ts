import { DriftlessError, isDriftlessError, storeLayout, type KubeObject, type Pointer } from '@driftless/core';
import type { AcceptedBundle } from '../agent-state.js';
import { APPLYSET, applySetId } from '../reconcile/applyset.js';
import { FLOOR_CONFIGMAP } from '../replay-floor.js';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/**
 * With signed pointers and no replay floor on record (see replayLoader): a
 * cluster where live objects of the bundle's kinds already carry this agent's
 * ApplySet label was managed before, so the pointer may be an older one
 * replayed after the records were deleted: it is refused (`blocked`: read
 * again on the next pass, so removing stray labels needs no restart) until the
 * operator gives the floor (`--replay-floor`). A cluster with none is new: the
 * floor starts here (marked known in the replay memory, in place).
 *
 * A heuristic looking for any labelled object: a kind the agent may not list
 * (Forbidden under the narrow RBAC: Secrets, RBAC, CRDs) or cannot list is
 * skipped, not a reason to refuse. The residual risk: when every record was
 * deleted and the only labelled objects left are of kinds the agent cannot
 * list (its RBAC narrowed after it applied them), an older pointer is taken
 * as the first one. The floor ConfigMap and status.json make that a deletion
 * of three records in two places, the cluster's and the store's.
 */
export async function checkFreshCluster(ctx: PassContext, pointer: Pointer, bundle: AcceptedBundle): Promise<{ readonly kind: 'fresh' } | StepFailure> {
  try {
    const memory = await ctx.replay();
    if (!memory.unknown) return { kind: 'fresh' };
    const selector = `${APPLYSET.partOf}=${applySetId(ctx.config.parent)}`;
    const kinds = new Map(bundle.objects.map((o) => [`${o.apiVersion}/${o.kind}`, o]));
    for (const { apiVersion, kind } of kinds.values()) {
      if (!(await ctx.kube.resourceOf(apiVersion, kind))) continue;
      const [live] = await listable(ctx.kube.list(apiVersion, kind, selector));
      if (live) return failureOf(managedBefore(ctx, pointer, `${kind}/${live.metadata.namespace ? `${live.metadata.namespace}/` : ''}${live.metadata.name}`), 'blocked');
    }
    memory.unknown = false;
    return { kind: 'fresh' };
  } catch (err) {
    return failureOf(err, 'blocked');
  }
}

/** The listed objects; none when the API server refuses the list (Forbidden, not listable): that kind cannot tell. Transient failures throw. */
async function listable(listed: Promise<KubeObject[]>): Promise<KubeObject[]> {
  try {
    return await listed;
  } catch (err) {
    if (isDriftlessError(err, 'KubeRefused')) return [];
    throw err;
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
