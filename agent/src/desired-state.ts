import type { AcceptedBundle, VerifiedBlob } from './agent-state.js';

/**
 * The one desired state of a pointer: the release bundle's objects, then the
 * previews bundle's (when it names one), reconciled together in one ApplySet
 * so a preview that leaves the previews bundle is pruned like any object
 * that left a bundle. Which bundle each object came from is kept (`previews`,
 * by identity): the reconcile holds the previews bundle's to the preview
 * boundary, where an object in both (compared once placed by scope) refuses
 * the previews bundle and applies the release alone (see guardPreviews).
 */
export function desiredOf(release: VerifiedBlob, previews: VerifiedBlob | undefined): AcceptedBundle {
  if (!previews) return release;
  return { digest: release.digest, objects: [...release.objects, ...previews.objects], previews };
}

/** The release bundle of a desired state (see desiredOf): its digest and its own objects, which come first. */
export function releaseOf(bundle: AcceptedBundle): VerifiedBlob {
  const own = bundle.previews ? bundle.objects.slice(0, bundle.objects.length - bundle.previews.objects.length) : bundle.objects;
  return { digest: bundle.digest, objects: own };
}
