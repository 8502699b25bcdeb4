import { listAll, storeLayout } from '@driftless/core';
import { readPointer, type PointerMemo, type PointerMoveContext } from './pointer-moves.js';

/** Clusters with a pointer but no file in this commit (sorted), and their pointers as they are. */
export interface Orphans {
  readonly clusters: readonly string[];
  readonly pointers: Readonly<Record<string, PointerMemo>>;
}

const POINTER_KEY = /^clusters\/([^/]+)\/desired\.json$/;

/**
 * Finds the orphans, whose pointers are kept: from the previous publish's
 * pointers when the hub state is trusted (no request), else by listing the
 * store's pointers and reading each orphan's.
 */
export async function findOrphans(
  ctx: Pick<PointerMoveContext, 'store' | 'signingKey' | 'keyId' | 'previous'>,
  isCompiled: (cluster: string) => boolean,
): Promise<Orphans> {
  const pointers: Record<string, PointerMemo> = {};
  const clusters: string[] = [];
  if (ctx.previous) {
    for (const [cluster, p] of Object.entries(ctx.previous)) {
      if (isCompiled(cluster)) continue;
      clusters.push(cluster);
      pointers[cluster] = p;
    }
  } else {
    for await (const key of listAll(ctx.store, storeLayout.clustersPrefix)) {
      const cluster = POINTER_KEY.exec(key)?.[1];
      if (!cluster || isCompiled(cluster)) continue;
      clusters.push(cluster);
      const p = await readPointer(ctx, cluster);
      if (p) pointers[cluster] = p;
    }
  }
  return { clusters: clusters.sort(), pointers };
}
